// nestjs-performance dashboard. Plain ES2020, no build step. Reads the admin
// API with a bearer token kept in sessionStorage; never writes a cookie, never
// puts the token in a URL it requests. Builds every element with textContent,
// so nothing the API returns is ever parsed as HTML.
(function () {
  'use strict';

  var TOKEN_KEY = 'nestjs-performance.admin-token';
  var RANGE_KEY = 'nestjs-performance.range';
  var root = document.documentElement;
  var API = root.getAttribute('data-api') || '';
  var $ = function (id) { return document.getElementById(id); };

  var state = {
    token: null,
    config: null,
    hours: Number(sessionStorage.getItem(RANGE_KEY)) || 1,
    timer: null,
    running: false,
    controller: null,
    charts: [],
    firstData: false,
    stopped: false,
  };

  // ---------- small DOM helpers ----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (attrs[k] === undefined || attrs[k] === null || attrs[k] === false) continue;
        if (k === 'text') node.textContent = String(attrs[k]);
        else if (k === 'class') node.className = attrs[k];
        else if (k === 'on') for (var ev in attrs.on) node.addEventListener(ev, attrs.on[ev]);
        else node.setAttribute(k, attrs[k] === true ? '' : String(attrs[k]));
      }
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined && c !== false) node.append(c);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function norm(k) { return String(k).toLowerCase().replace(/[^a-z0-9]/g, ''); }

  // Finds the first finite number under any of the given key paths ("a.b.c").
  function pick(obj, paths) {
    for (var i = 0; i < paths.length; i++) {
      var v = obj;
      var parts = paths[i].split('.');
      for (var j = 0; j < parts.length && v !== null && v !== undefined; j++) v = v[parts[j]];
      if (isNum(v)) return v;
    }
    return undefined;
  }
  // Finds the first array under any of the given keys, or the value itself.
  function list(body, keys) {
    if (Array.isArray(body)) return body;
    if (!body || typeof body !== 'object') return [];
    for (var i = 0; i < keys.length; i++) if (Array.isArray(body[keys[i]])) return body[keys[i]];
    return [];
  }
  function text(obj, keys) {
    for (var i = 0; obj && i < keys.length; i++) {
      var v = obj[keys[i]];
      if (typeof v === 'string' && v) return v;
      if (isNum(v)) return String(v);
    }
    return '';
  }

  function fmt(v, unit) {
    if (!isNum(v)) return '–';
    var digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
    if (unit === '' || unit === '/100') digits = Math.abs(v) >= 10 ? 0 : 1;
    return v.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  }
  function when(v) {
    if (v === undefined || v === null || v === '') return '';
    var d = new Date(typeof v === 'number' && v < 1e11 ? v * 1000 : v);
    return isNaN(d.getTime()) ? String(v) : d.toLocaleString();
  }

  // ---------- API ----------
  function api(path, init) {
    var headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    var opts = Object.assign({ headers: headers, cache: 'no-store', credentials: 'omit', redirect: 'error' }, init || {});
    if (state.controller) opts.signal = state.controller.signal;
    return fetch(API + '/' + path, opts).then(
      function (res) {
        return res.text().then(function (body) {
          var json = null;
          try { json = body ? JSON.parse(body) : null; } catch (e) { json = null; }
          return { status: res.status, ok: res.ok, body: json };
        });
      },
      function (error) {
        if (error && error.name === 'AbortError') throw error;
        return { status: 0, ok: false, body: null };
      },
    );
  }

  // ---------- notices ----------
  function notice(kind, message) {
    var n = $('notice');
    if (!message) { n.hidden = true; n.className = 'notice'; clear(n); return; }
    n.className = 'notice notice-' + kind;
    n.textContent = message;
    n.hidden = false;
  }
  function unavailable(container, status) {
    clear(container).append(el('p', {
      class: 'quiet',
      text: status === 404 ? 'Not available on this app.' : 'Could not load (HTTP ' + status + ').',
    }));
  }
  function empty(container, message) {
    clear(container).append(el('p', { class: 'quiet', text: message }));
  }

  // ---------- thresholds ----------
  // Looks a threshold pair up in dashboard/config under any of several names.
  function threshold(names) {
    var t = state.config && (state.config.thresholds || state.config);
    if (!t || typeof t !== 'object') return undefined;
    var byNorm = {};
    Object.keys(t).forEach(function (k) { byNorm[norm(k)] = t[k]; });
    for (var i = 0; i < names.length; i++) {
      var v = byNorm[norm(names[i])];
      if (v && typeof v === 'object') {
        var w = pick(v, ['warning', 'warn']);
        var c = pick(v, ['critical', 'crit', 'error']);
        if (isNum(w) && isNum(c)) return { warning: w, critical: c };
      }
    }
    return undefined;
  }
  function level(value, t) {
    if (!isNum(value) || !t) return 'none';
    // critical below warning means "higher is better" (hit rate, health score).
    if (t.critical < t.warning) return value <= t.critical ? 'critical' : value <= t.warning ? 'warning' : 'good';
    return value >= t.critical ? 'critical' : value >= t.warning ? 'warning' : 'good';
  }

  // ---------- cards ----------
  var CARDS = [
    { id: 'p95', label: 'p95 latency', unit: 'ms', src: 'current', paths: ['latency.p95', 'responseTime.p95', 'responseTimeMs.p95', 'http.p95Ms', 'p95Ms', 'p95'], th: ['p95', 'p95Ms', 'latencyP95', 'responseTimeP95', 'responseTimeP95Ms'] },
    { id: 'p99', label: 'p99 latency', unit: 'ms', src: 'current', paths: ['latency.p99', 'responseTime.p99', 'responseTimeMs.p99', 'http.p99Ms', 'p99Ms', 'p99'], th: ['p99', 'p99Ms', 'latencyP99', 'responseTimeP99', 'responseTimeP99Ms'] },
    { id: 'rps', label: 'Requests', unit: 'req/s', src: 'current', paths: ['requestsPerSecond', 'http.requestsPerSecond', 'throughput.requestsPerSecond', 'rps'], th: ['requestsPerSecond', 'rps', 'throughput'] },
    { id: 'errors', label: 'Error rate', unit: '%', src: 'current', paths: ['errorRatePercent', 'http.errorRatePercent', 'errorRate', 'http.errorRate'], th: ['errorRate', 'errorRatePercent'] },
    { id: 'cpu', label: 'CPU', unit: '%', src: 'current', paths: ['cpuPercent', 'system.cpuPercent', 'cpu.percent', 'process.cpuPercent', 'cpu'], th: ['cpu', 'cpuPercent'] },
    { id: 'memory', label: 'Memory', unit: '%', src: 'current', paths: ['memoryPercent', 'system.memoryPercent', 'memory.percent', 'rssPercent', 'memory.rssPercent', 'process.memoryPercent'], th: ['memory', 'memoryPercent', 'rssPercent'] },
    { id: 'hit', label: 'Cache hit rate', unit: '%', src: 'current', paths: ['cacheHitRatePercent', 'cache.hitRatePercent', 'cacheHitRate', 'cache.hitRate'], th: ['cacheHitRate', 'cacheHitRatePercent', 'hitRate'] },
    { id: 'dbmean', label: 'DB mean query', unit: 'ms', src: 'current', paths: ['dbMeanQueryMs', 'db.meanQueryMs', 'database.meanQueryMs', 'db.meanMs', 'database.meanMs'], th: ['dbMeanQueryMs', 'dbQueryMs', 'meanQueryMs', 'dbMeanMs'] },
    { id: 'qpr', label: 'Queries per request', unit: '', src: 'current', paths: ['dbQueriesPerRequest', 'queriesPerRequest', 'db.queriesPerRequest', 'database.queriesPerRequest'], th: ['queriesPerRequest', 'dbQueriesPerRequest'] },
    { id: 'pool', label: 'Pool use', unit: '%', src: 'current', paths: ['poolUtilizationPercent', 'db.poolUtilizationPercent', 'database.poolUtilizationPercent', 'poolPercent', 'pool.utilizationPercent'], th: ['poolUtilization', 'poolUtilizationPercent', 'pool', 'poolPercent'] },
    { id: 'health', label: 'Health score', unit: '/100', src: 'health', paths: ['score', 'healthScore'], th: ['healthScore', 'health', 'score'] },
  ];

  function cardValue(card, data) {
    var v = pick(data[card.src], card.paths);
    if (v === undefined && card.src === 'current') v = pick(data.kpis, card.paths);
    if (v === undefined && card.src === 'current') v = pick(data.health, card.paths);
    if (v === undefined && data.fallback[card.id] !== undefined) v = data.fallback[card.id];
    return v;
  }

  function renderCards(data) {
    var ul = clear($('cards'));
    CARDS.forEach(function (card) {
      var value = cardValue(card, data);
      var t = threshold(card.th);
      var lv = level(value, t);
      var title = t ? 'warning at ' + t.warning + (card.unit === '/100' ? '' : ' ' + card.unit) + ', critical at ' + t.critical : undefined;
      ul.append(el('li', { class: 'card card-' + lv, 'data-card': card.id, title: title }, [
        el('span', { class: 'card-label', text: card.label }),
        el('span', { class: 'card-value' }, [
          el('span', { class: 'num', text: fmt(value, card.unit) }),
          card.unit && isNum(value) ? el('span', { class: 'unit', text: ' ' + card.unit }) : null,
        ]),
        el('span', { class: 'card-level', text: lv === 'none' ? (isNum(value) ? '' : 'no data') : lv }),
      ]));
    });
  }

  // ---------- charts ----------
  var SERIES = {
    p50: ['p50', 'p50Ms', 'latency.p50', 'responseTime.p50'],
    p95: ['p95', 'p95Ms', 'latency.p95', 'responseTime.p95'],
    p99: ['p99', 'p99Ms', 'latency.p99', 'responseTime.p99'],
    rps: ['requestsPerSecond', 'rps', 'throughput'],
    err: ['errorRatePercent', 'errorRate'],
    cpu: ['cpuPercent', 'cpu', 'system.cpuPercent'],
    mem: ['memoryPercent', 'rssPercent', 'memory', 'system.memoryPercent'],
    hit: ['cacheHitRatePercent', 'cacheHitRate', 'cache.hitRatePercent'],
  };
  var CHARTS = [
    { title: 'Latency', unit: 'ms', series: [['p50', 'p50', '#8da4bf'], ['p95', 'p95', '#2f6fdf'], ['p99', 'p99', '#a23ad8']] },
    { title: 'Throughput and errors', unit: 'req/s · %', series: [['rps', 'req/s', '#1f9d6a'], ['err', 'errors %', '#d6453d']] },
    { title: 'CPU and memory', unit: '%', series: [['cpu', 'CPU %', '#e08a00'], ['mem', 'memory %', '#6a5acd']] },
    { title: 'Cache hit rate', unit: '%', series: [['hit', 'hit rate %', '#0f8fa8']] },
  ];

  function pointTime(p) {
    var t = p.timestamp !== undefined ? p.timestamp : p.time !== undefined ? p.time : p.at !== undefined ? p.at : p.t;
    if (typeof t === 'string') return Date.parse(t) / 1000;
    if (isNum(t)) return t > 1e11 ? t / 1000 : t;
    return NaN;
  }

  function historyData(body) {
    var points = list(body, ['points', 'samples', 'history', 'data', 'items']);
    points = points.filter(function (p) { return p && isNum(pointTime(p)); });
    points.sort(function (a, b) { return pointTime(a) - pointTime(b); });
    var xs = points.map(pointTime);
    return CHARTS.map(function (chart) {
      var data = [xs];
      chart.series.forEach(function (s) {
        data.push(points.map(function (p) {
          var v = pick(p, SERIES[s[0]]);
          return v === undefined ? null : v;
        }));
      });
      return data;
    });
  }

  function chartWidth(box) { return Math.max(240, Math.floor(box.clientWidth - 2)); }

  function renderCharts(body) {
    var box = $('charts');
    var datasets = historyData(body);
    var points = datasets[0][0].length;
    $('history-empty').hidden = points > 1;
    if (typeof window.uPlot !== 'function') return;
    if (!state.charts.length) {
      var css = getComputedStyle(root);
      var axis = { stroke: css.getPropertyValue('--muted').trim() || '#666', grid: { stroke: css.getPropertyValue('--grid').trim() || '#eee', width: 1 }, ticks: { show: false } };
      CHARTS.forEach(function (chart, i) {
        var fig = el('figure', { class: 'chart', 'data-chart': String(i) }, [el('figcaption', { text: chart.title + ' (' + chart.unit + ')' })]);
        box.append(fig);
        var holder = el('div', { class: 'chart-canvas' });
        fig.append(holder);
        var opts = {
          width: chartWidth(fig),
          height: 180,
          legend: { live: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true } },
          axes: [Object.assign({}, axis), Object.assign({ size: 48 }, axis)],
          series: [{}].concat(chart.series.map(function (s) {
            return { label: s[1], stroke: s[2], width: 2, spanGaps: true, points: { show: false } };
          })),
        };
        state.charts.push(new window.uPlot(opts, datasets[i], holder));
      });
      if (window.ResizeObserver) {
        var ro = new ResizeObserver(function () {
          state.charts.forEach(function (u) {
            var w = chartWidth(u.root.parentNode.parentNode);
            if (Math.abs(u.width - w) > 4) u.setSize({ width: w, height: 180 });
          });
        });
        ro.observe(box);
      }
    } else {
      state.charts.forEach(function (u, i) { u.setData(datasets[i]); });
    }
  }

  // ---------- lists ----------
  function severityOf(item) { return norm(text(item, ['severity', 'level', 'priority', 'impact']) || 'info'); }

  function renderAlerts(res) {
    var box = $('alerts');
    if (!res.ok) return unavailable(box, res.status);
    var firing = list(res.body, ['active', 'firing']);
    var recent = list(res.body, ['alerts', 'recent', 'history', 'items', 'resolved']);
    var seen = new Set();
    var items = firing.concat(recent).filter(function (a) {
      var key = a && (a.id || a.key || JSON.stringify(a));
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (!items.length) return empty(box, 'No alerts in the last 24 hours.');
    var ul = el('ul', { class: 'items' });
    items.slice(0, 20).forEach(function (a) {
      var status = text(a, ['state', 'status']) || (firing.indexOf(a) >= 0 ? 'firing' : '');
      ul.append(el('li', { class: 'item sev-' + severityOf(a) }, [
        el('div', { class: 'item-head' }, [
          el('span', { class: 'badge', text: text(a, ['severity', 'level']) || 'info' }),
          el('strong', { text: text(a, ['title', 'name', 'rule', 'metric']) || 'Alert' }),
          status ? el('span', { class: 'tag', text: status }) : null,
        ]),
        el('p', { text: text(a, ['message', 'description', 'summary']) }),
        el('p', { class: 'meta', text: when(a.firedAt || a.startedAt || a.at || a.timestamp || a.createdAt) }),
      ]));
    });
    clear(box).append(ul);
  }

  function renderOptimizeResult(box, res) {
    clear(box);
    if (!res.ok) {
      var msg = res.body && (Array.isArray(res.body.message) ? res.body.message.join('; ') : res.body.message);
      box.append(el('p', { class: 'result result-error', role: 'status', text: 'Not applied: ' + (msg || 'HTTP ' + res.status) }));
      return;
    }
    var b = res.body || {};
    var applied = b.applied === true || b.status === 'applied';
    var steps = list(b, ['manualSteps', 'steps', 'instructions']);
    box.append(el('p', { class: 'result ' + (applied ? 'result-ok' : 'result-manual'), role: 'status',
      text: (applied ? 'Applied. ' : 'Needs manual steps. ') + text(b, ['message', 'detail', 'summary']) }));
    if (steps.length) {
      box.append(el('ol', { class: 'steps' }, steps.map(function (s) {
        return el('li', { text: typeof s === 'string' ? s : text(s, ['description', 'text', 'sql', 'command']) || JSON.stringify(s) });
      })));
    }
    if (typeof b.sql === 'string') box.append(codeBlock(b.sql));
  }

  function renderRecommendations(res) {
    var box = $('recommendations');
    if (!res.ok) return unavailable(box, res.status);
    var items = list(res.body, ['recommendations', 'items']);
    if (!items.length) return empty(box, 'No recommendations right now.');
    var ul = el('ul', { class: 'items' });
    items.slice(0, 20).forEach(function (r) {
      var id = r.id !== undefined ? String(r.id) : '';
      var result = el('div', { class: 'apply-result', 'aria-live': 'polite' });
      var button = id && r.automatic !== false && r.applicable !== false ? el('button', {
        type: 'button', class: 'btn', 'data-apply': id,
        'aria-label': 'Apply: ' + (text(r, ['title', 'name']) || id),
        text: 'Apply',
        on: { click: function () {
          button.disabled = true;
          button.textContent = 'Applying…';
          api('optimize/' + encodeURIComponent(id), { method: 'POST' }).then(function (res) {
            if (res.status === 401) return signedOut();
            renderOptimizeResult(result, res);
            button.textContent = res.ok ? 'Done' : 'Apply';
            button.disabled = res.ok;
          }, function () {});
        } },
      }) : null;
      ul.append(el('li', { class: 'item sev-' + severityOf(r), 'data-recommendation': id }, [
        el('div', { class: 'item-head' }, [
          el('span', { class: 'badge', text: text(r, ['priority', 'severity', 'impact']) || 'info' }),
          el('strong', { text: text(r, ['title', 'name', 'summary']) || id }),
          text(r, ['category', 'area']) ? el('span', { class: 'tag', text: text(r, ['category', 'area']) }) : null,
        ]),
        el('p', { text: text(r, ['description', 'message', 'detail', 'rationale']) }),
        button ? el('div', { class: 'actions' }, [button]) : null,
        result,
      ]));
    });
    clear(box).append(ul);
  }

  function codeBlock(sql) {
    var code = el('code', { text: sql });
    var copy = el('button', { type: 'button', class: 'btn btn-small', text: 'Copy', 'aria-label': 'Copy SQL' });
    copy.addEventListener('click', function () {
      var done = function () { copy.textContent = 'Copied'; setTimeout(function () { copy.textContent = 'Copy'; }, 1500); };
      var select = function () {
        var range = document.createRange();
        range.selectNodeContents(code);
        var sel = getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        copy.textContent = 'Selected: press Ctrl+C';
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(sql).then(done, select);
      else select();
    });
    return el('div', { class: 'code' }, [el('pre', {}, [code]), copy]);
  }

  function renderQueries(res) {
    var slow = $('slow-queries');
    var n1 = $('n1');
    if (!res.ok) { unavailable(slow, res.status); unavailable(n1, res.status); return; }
    var b = res.body || {};
    var statements = list(b, ['statements']).slice().sort(function (x, y) { return (y.meanMs || 0) - (x.meanMs || 0); }).slice(0, 8);
    if (!statements.length) empty(slow, 'No statements observed yet.');
    else {
      var table = el('table', { class: 'table' }, [
        el('caption', { class: 'sr-only', text: 'Slowest statements by mean time' }),
        el('thead', {}, [el('tr', {}, [
          el('th', { scope: 'col', text: 'Statement' }), el('th', { scope: 'col', class: 'n', text: 'Mean ms' }),
          el('th', { scope: 'col', class: 'n', text: 'p95 ms' }), el('th', { scope: 'col', class: 'n', text: 'Calls' }),
        ])]),
        el('tbody', {}, statements.map(function (s) {
          return el('tr', {}, [
            el('td', {}, [el('code', { class: 'sql', text: s.statement || s.fingerprint || '' })]),
            el('td', { class: 'n', text: fmt(s.meanMs, 'ms') }),
            el('td', { class: 'n', text: fmt(s.p95Ms, 'ms') }),
            el('td', { class: 'n', text: fmt(s.calls, '') }),
          ]);
        })),
      ]);
      clear(slow).append(el('div', { class: 'scroll' }, [table]));
      var sq = b.slowQueries;
      if (sq && isNum(sq.count)) slow.append(el('p', { class: 'meta', text: sq.count + ' statements slower than ' + sq.thresholdMs + ' ms so far.' }));
    }
    var findings = b.n1 ? list(b.n1, ['recent']) : [];
    if (!findings.length) empty(n1, 'No N+1 patterns found.');
    else {
      var ul = el('ul', { class: 'items' });
      findings.slice(0, 8).forEach(function (f) {
        ul.append(el('li', { class: 'item sev-warning' }, [
          el('div', { class: 'item-head' }, [
            el('span', { class: 'badge', text: (f.count || '?') + '×' }),
            el('strong', { text: f.route || 'outside a route' }),
          ]),
          el('code', { class: 'sql', text: f.statement || '' }),
          el('p', { class: 'meta', text: when(f.at) }),
        ]));
      });
      clear(n1).append(ul);
    }
  }

  function renderIndexes(res) {
    var box = $('indexes');
    if (!res.ok) return unavailable(box, res.status);
    var suggestions = [];
    list(res.body, ['databases']).forEach(function (d) { suggestions = suggestions.concat(list(d, ['suggestions'])); });
    if (!suggestions.length) return empty(box, 'No index suggestions.');
    var ul = el('ul', { class: 'items' });
    suggestions.slice(0, 10).forEach(function (s) {
      ul.append(el('li', { class: 'item' }, [
        el('div', { class: 'item-head' }, [el('strong', { text: s.table + ' (' + (s.columns || []).join(', ') + ')' })]),
        el('p', { text: s.reason || '' }),
        codeBlock(s.createIndex || ''),
      ]));
    });
    clear(box).append(ul);
  }

  function namespaceRate(n) {
    var r = pick(n, ['hitRatePercent', 'hitRate']);
    if (r === undefined) {
      var hits = pick(n, ['hits', 'hit']);
      var misses = pick(n, ['misses', 'miss']);
      if (isNum(hits) && isNum(misses) && hits + misses > 0) r = (hits / (hits + misses)) * 100;
    } else if (r <= 1 && n.hitRatePercent === undefined) r *= 100;
    return r;
  }

  function renderCache(res) {
    var box = $('cache');
    if (!res.ok) return unavailable(box, res.status);
    var b = res.body || {};
    var namespaces = list(b, ['namespaces', 'items']);
    if (!namespaces.length && b.namespaces && typeof b.namespaces === 'object') {
      namespaces = Object.keys(b.namespaces).map(function (k) { return Object.assign({ namespace: k }, b.namespaces[k]); });
    }
    if (!namespaces.length) return empty(box, 'No cache namespaces yet.');
    var ul = el('ul', { class: 'items ns' });
    namespaces.forEach(function (n) {
      var name = text(n, ['namespace', 'name']);
      var rate = namespaceRate(n);
      var result = el('span', { class: 'meta', 'aria-live': 'polite' });
      var actions = el('div', { class: 'actions' });
      var ask = el('button', { type: 'button', class: 'btn', 'data-clear': name, 'aria-label': 'Clear namespace ' + name, text: 'Clear' });
      function reset() { clear(actions).append(ask); }
      ask.addEventListener('click', function () {
        var yes = el('button', { type: 'button', class: 'btn btn-danger', 'data-confirm-clear': name, text: 'Clear ' + name });
        var no = el('button', { type: 'button', class: 'btn', text: 'Cancel' });
        no.addEventListener('click', function () { reset(); ask.focus(); });
        yes.addEventListener('click', function () {
          yes.disabled = true;
          api('cache/clear?namespace=' + encodeURIComponent(name), { method: 'POST' }).then(function (r) {
            if (r.status === 401) return signedOut();
            var removed = r.body && pick(r.body, ['cleared', 'removed', 'deleted', 'entries']);
            result.textContent = r.ok ? 'Cleared' + (isNum(removed) ? ' ' + removed + ' entries' : '') + '.' : 'Not cleared (HTTP ' + r.status + ').';
            reset();
          }, function () {});
        });
        clear(actions).append(el('span', { class: 'confirm', text: 'Clear every entry?' }), yes, no);
        no.focus();
      });
      actions.append(ask);
      ul.append(el('li', { class: 'item', 'data-namespace': name }, [
        el('div', { class: 'item-head' }, [
          el('strong', { text: name }),
          el('span', { class: 'tag', text: isNum(rate) ? fmt(rate, '%') + ' % hits' : 'no lookups' }),
          el('span', { class: 'meta', text: [
            isNum(pick(n, ['hits', 'hit'])) ? pick(n, ['hits', 'hit']) + ' hits' : '',
            isNum(pick(n, ['misses', 'miss'])) ? pick(n, ['misses', 'miss']) + ' misses' : '',
            isNum(pick(n, ['entries', 'size', 'keys'])) ? pick(n, ['entries', 'size', 'keys']) + ' entries' : '',
          ].filter(Boolean).join(' · ') }),
        ]),
        rate !== undefined ? el('meter', { min: '0', max: '100', value: String(rate), 'aria-label': name + ' hit rate' }) : null,
        actions,
        result,
      ]));
    });
    clear(box).append(ul);
  }

  // ---------- refresh cycle ----------
  function refreshMs() {
    var ms = pick(state.config, ['refreshIntervalMs', 'refreshMs', 'dashboard.refreshIntervalMs']);
    if (ms === undefined) {
      var s = pick(state.config, ['refreshIntervalSeconds', 'refreshSeconds', 'refreshInterval']);
      if (s !== undefined) ms = s * 1000;
    }
    return Math.min(Math.max(ms || 5000, 1000), 300000);
  }

  function schedule() {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    if (state.stopped || document.hidden) return;
    state.timer = setTimeout(refresh, refreshMs());
  }

  function signedOut() {
    stop();
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    notice('error', 'The admin API refused the token (401). Enter a valid admin token to continue.');
    showSignIn();
  }

  function refresh() {
    if (state.running || !state.token) return;
    state.running = true;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    var first = !state.config;
    var configReq = first ? api('dashboard/config') : Promise.resolve(null);
    configReq.then(function (cfg) {
      if (cfg && cfg.status === 401) throw { unauthorized: true };
      if (cfg) state.config = cfg.ok && cfg.body ? cfg.body : {};
      return Promise.all([
        api('metrics/current'), api('kpis'), api('health-overview'), api('connection-pool'),
        api('metrics/history?hours=' + state.hours), api('alerts?hours=24'), api('recommendations'),
        api('query-performance?limit=50'), api('suggest-indexes'), api('cache-stats'),
      ]);
    }).then(function (r) {
      var all = r;
      if (all.some(function (x) { return x.status === 401; })) throw { unauthorized: true };
      if (all.every(function (x) { return x.status === 0; })) throw { unreachable: true };
      notice(null);
      $('main').hidden = false;
      var qp = r[7].ok && r[7].body ? r[7].body : {};
      var pools = r[3].ok && r[3].body ? list(r[3].body, ['pools']) : [];
      var poolUse = pools.map(function (p) { return p.utilizationPercent; }).filter(isNum);
      var fallback = {
        dbmean: qp.totals && qp.totals.queries > 0 ? qp.totals.timeMs / qp.totals.queries : undefined,
        pool: poolUse.length ? Math.max.apply(null, poolUse) : undefined,
      };
      var cacheNs = r[9].ok && r[9].body ? r[9].body : null;
      if (cacheNs) fallback.hit = pick(cacheNs, ['hitRatePercent', 'totals.hitRatePercent', 'overall.hitRatePercent']);
      renderCards({
        current: r[0].ok ? r[0].body : null,
        kpis: r[1].ok ? r[1].body : null,
        health: r[2].ok ? r[2].body : null,
        fallback: fallback,
      });
      renderCharts(r[4].ok ? r[4].body : []);
      $('history-na').hidden = r[4].status !== 404;
      renderAlerts(r[5]);
      renderRecommendations(r[6]);
      renderQueries(r[7]);
      renderIndexes(r[8]);
      renderCache(r[9]);
      var now = new Date();
      var up = $('updated');
      up.textContent = 'Updated ' + now.toLocaleTimeString() + ' · every ' + Math.round(refreshMs() / 1000) + ' s';
      up.setAttribute('datetime', now.toISOString());
      if (!state.firstData) {
        state.firstData = true;
        if (performance.mark) performance.mark('dashboard-first-data');
        root.setAttribute('data-ready', 'true');
      }
    }).catch(function (e) {
      if (e && e.name === 'AbortError') return;
      if (e && e.unauthorized) return signedOut();
      if (e && e.unreachable) {
        notice('error', 'The API at ' + (API || '/') + ' is unreachable. Retrying every ' + Math.round(refreshMs() / 1000) + ' s.');
        return;
      }
      notice('error', 'The dashboard failed to render: ' + (e && e.message ? e.message : String(e)));
      if (window.console) console.warn(e);
    }).then(function () {
      state.running = false;
      schedule();
    });
  }

  function stop() {
    state.stopped = true;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    if (state.controller) state.controller.abort();
    state.controller = null;
  }

  function start() {
    state.stopped = false;
    state.controller = new AbortController();
    $('signin').hidden = true;
    $('signout').hidden = false;
    refresh();
  }

  function showSignIn() {
    $('signin').hidden = false;
    $('signout').hidden = true;
    $('updated').textContent = 'Signed out';
    var input = $('token-input');
    input.value = '';
    input.focus();
  }

  // ---------- wiring ----------
  function init() {
    // A token in the fragment (#token=…) never reached the server; move it
    // to sessionStorage and drop it from the address bar and history.
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      try { sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1])); } catch (e) { /* storage off */ }
      history.replaceState(null, '', location.pathname + location.search);
    }
    state.token = sessionStorage.getItem(TOKEN_KEY);

    $('signin').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var value = $('token-input').value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      state.token = value;
      state.config = null;
      notice(null);
      start();
    });
    $('signout').addEventListener('click', function () {
      stop();
      sessionStorage.removeItem(TOKEN_KEY);
      state.token = null;
      $('main').hidden = true;
      notice(null);
      showSignIn();
    });
    $('refresh').addEventListener('click', function () { if (state.token) refresh(); });
    Array.prototype.forEach.call(document.querySelectorAll('input[name="range"]'), function (radio) {
      radio.checked = Number(radio.value) === state.hours;
      radio.addEventListener('change', function () {
        state.hours = Number(radio.value);
        sessionStorage.setItem(RANGE_KEY, String(state.hours));
        if (state.token && !state.running) refresh();
      });
    });
    document.addEventListener('visibilitychange', function () {
      if (document.hidden) { if (state.timer) clearTimeout(state.timer); state.timer = null; }
      else if (state.token && !state.stopped) refresh();
    });
    window.addEventListener('pagehide', stop);

    if (state.token) start();
    else { notice('info', 'Enter the admin token to see the dashboard.'); showSignIn(); }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
