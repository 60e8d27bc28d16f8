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
  var $ = function (id) {
    return document.getElementById(id);
  };

  var state = {
    token: null,
    config: null,
    hours: Number(sessionStorage.getItem(RANGE_KEY)) || 1,
    timer: null,
    running: false,
    controller: null,
    charts: [],
    firstData: false,
    again: false,
    answers: {},
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
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }
  function isNum(v) {
    return typeof v === 'number' && isFinite(v);
  }
  function norm(k) {
    return String(k)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
  }

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
  // Endpoints that answered 404 (a feature switched off or not installed) are
  // not asked again while the page is open.
  var missing = {};
  function poll(path) {
    var key = path.split('?')[0];
    if (missing[key]) return Promise.resolve({ status: 404, ok: false, body: null });
    return api(path).then(function (res) {
      if (res.status === 404) missing[key] = true;
      return res;
    });
  }

  function api(path, init) {
    var headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    var opts = Object.assign({ headers: headers, cache: 'no-store', credentials: 'omit', redirect: 'error' }, init || {});
    if (state.controller) opts.signal = state.controller.signal;
    return fetch(API + '/' + path, opts).then(
      function (res) {
        return res.text().then(function (body) {
          var json;
          try {
            json = body ? JSON.parse(body) : null;
          } catch (e) {
            json = null;
          }
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
    if (!message) {
      n.hidden = true;
      n.className = 'notice';
      clear(n);
      return;
    }
    n.className = 'notice notice-' + kind;
    n.textContent = message;
    n.hidden = false;
  }
  function unavailable(container, status) {
    clear(container).append(
      el('p', {
        class: 'quiet',
        text: status === 404 ? 'Not available on this app.' : 'Could not load (HTTP ' + status + ').',
      }),
    );
  }
  function empty(container, message) {
    clear(container).append(el('p', { class: 'quiet', text: message }));
  }

  // ---------- thresholds ----------
  // dashboard/config: thresholds keyed by snapshot metric, each with the
  // direction that is bad and its levels; KPI targets for what has no level.
  function threshold(card) {
    var cfg = state.config || {};
    var t = card.metric && cfg.thresholds && cfg.thresholds[card.metric];
    if (t && (isNum(t.warning) || isNum(t.critical) || isNum(t.info))) {
      return {
        direction: t.direction === 'below' ? 'below' : 'above',
        warning: isNum(t.warning) ? t.warning : isNum(t.critical) ? undefined : t.info,
        critical: t.critical,
      };
    }
    var target = card.kpi && cfg.kpis && cfg.kpis[card.kpi];
    if (isNum(target)) return { direction: card.kpiBelow ? 'below' : 'above', warning: target };
    return undefined;
  }
  function level(value, t) {
    if (!isNum(value) || !t) return 'none';
    var worse =
      t.direction === 'below'
        ? function (limit) {
            return isNum(limit) && value < limit;
          }
        : function (limit) {
            return isNum(limit) && value > limit;
          };
    return worse(t.critical) ? 'critical' : worse(t.warning) ? 'warning' : 'good';
  }
  function describeThreshold(t, unit) {
    if (!t) return 'No threshold configured';
    var u = unit === '/100' || !unit ? '' : ' ' + unit;
    var side = t.direction === 'below' ? 'below ' : 'above ';
    return [isNum(t.warning) ? 'warning ' + side + t.warning + u : '', isNum(t.critical) ? 'critical ' + side + t.critical + u : ''].filter(Boolean).join(', ');
  }

  // ---------- cards ----------
  // metrics/current answers { fresh, snapshot }; the health score comes from health-overview.
  var CARDS = [
    { id: 'p95', label: 'p95 latency', unit: 'ms', metric: 'p95Ms', kpi: 'p95Ms' },
    { id: 'p99', label: 'p99 latency', unit: 'ms', metric: 'p99Ms', kpi: 'p99Ms' },
    { id: 'rps', label: 'Requests', unit: 'req/s', metric: 'requestsPerSecond' },
    { id: 'errors', label: 'Error rate', unit: '%', metric: 'errorRatePercent', kpi: 'maxErrorRatePercent' },
    { id: 'cpu', label: 'CPU', unit: '%', metric: 'cpuPercent', kpi: 'maxCpuPercent' },
    { id: 'memory', label: 'Memory', unit: '%', metric: 'memoryPercent', kpi: 'maxMemoryPercent' },
    { id: 'hit', label: 'Cache hit rate', unit: '%', metric: 'cacheHitRatePercent' },
    { id: 'dbmean', label: 'DB mean query', unit: 'ms', metric: 'dbMeanQueryMs' },
    { id: 'qpr', label: 'Queries per request', unit: '', metric: 'dbQueriesPerRequest' },
    { id: 'pool', label: 'Pool use', unit: '%', metric: 'poolUtilizationPercent', kpi: 'maxPoolPercent' },
    { id: 'health', label: 'Health score', unit: '/100' },
  ];

  function cardValue(card, data) {
    if (card.id === 'health') return data.health ? pick(data.health, ['score']) : undefined;
    var snapshot = data.current && (data.current.snapshot || data.current);
    var v = snapshot ? pick(snapshot, [card.metric]) : undefined;
    // Without a sampler value (no requests or lookups in the last interval), fall back to totals since start.
    return v === undefined ? data.fallback[card.id] : v;
  }

  // health-overview has its own verdict; it colours the score card.
  var HEALTH_LEVEL = { healthy: 'good', degraded: 'warning', unhealthy: 'critical' };

  function renderCards(data) {
    var ul = clear($('cards'));
    CARDS.forEach(function (card) {
      var value = cardValue(card, data);
      var t = card.id === 'health' ? undefined : threshold(card);
      var lv = card.id === 'health' ? (data.health && HEALTH_LEVEL[data.health.status]) || 'none' : level(value, t);
      var title = card.id === 'health' ? 'Status: ' + ((data.health && data.health.status) || 'unknown') : describeThreshold(t, card.unit);
      var none = isNum(value) ? '' : card.id === 'pool' && data.poolNote ? 'no pool' : 'no data';
      if (none === 'no pool') title = data.poolNote;
      ul.append(
        el('li', { class: 'card card-' + lv, 'data-card': card.id, title: title }, [
          el('span', { class: 'card-label', text: card.label }),
          el('span', { class: 'card-value' }, [
            el('span', { class: 'num', text: fmt(value, card.unit) }),
            card.unit && isNum(value) ? el('span', { class: 'unit', text: ' ' + card.unit }) : null,
          ]),
          el('span', { class: 'card-level', text: lv === 'none' ? none : lv }),
        ]),
      );
    });
  }

  // ---------- charts ----------
  var SERIES = {
    p50: ['p50Ms'],
    p95: ['p95Ms'],
    p99: ['p99Ms'],
    rps: ['requestsPerSecond'],
    err: ['errorRatePercent'],
    cpu: ['cpuPercent'],
    mem: ['memoryPercent'],
    hit: ['cacheHitRatePercent'],
  };
  var CHARTS = [
    {
      title: 'Latency',
      unit: 'ms',
      series: [
        ['p50', 'p50', '#8da4bf'],
        ['p95', 'p95', '#2f6fdf'],
        ['p99', 'p99', '#a23ad8'],
      ],
    },
    {
      title: 'Throughput and errors',
      unit: 'req/s · %',
      series: [
        ['rps', 'req/s', '#1f9d6a'],
        ['err', 'errors %', '#d6453d'],
      ],
    },
    {
      title: 'CPU and memory',
      unit: '%',
      series: [
        ['cpu', 'CPU %', '#e08a00'],
        ['mem', 'memory %', '#6a5acd'],
      ],
    },
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
    points = points.filter(function (p) {
      return p && isNum(pointTime(p));
    });
    points.sort(function (a, b) {
      return pointTime(a) - pointTime(b);
    });
    var xs = points.map(pointTime);
    return CHARTS.map(function (chart) {
      var data = [xs];
      chart.series.forEach(function (s) {
        data.push(
          points.map(function (p) {
            var v = pick(p, SERIES[s[0]]);
            return v === undefined ? null : v;
          }),
        );
      });
      return data;
    });
  }

  // Tick labels in local time: hours and minutes, seconds on short spans, the day on long ones.
  function timeTicks(u, splits) {
    var span = (u.scales.x.max || 0) - (u.scales.x.min || 0);
    return splits.map(function (t) {
      var d = new Date(t * 1000);
      if (span > 2 * 86400)
        return (
          d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' }) + ' ' + d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
        );
      return d.toLocaleTimeString(undefined, span < 600 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
    });
  }

  function chartWidth(box) {
    return Math.max(240, Math.floor(box.clientWidth - 2));
  }

  function renderCharts(body) {
    var box = $('charts');
    var datasets = historyData(body);
    var points = datasets[0][0].length;
    $('history-empty').hidden = points > 1;
    if (typeof window.uPlot !== 'function') return;
    if (!state.charts.length) {
      var css = getComputedStyle(root);
      var axis = {
        stroke: css.getPropertyValue('--muted').trim() || '#666',
        grid: { stroke: css.getPropertyValue('--grid').trim() || '#eee', width: 1 },
        ticks: { show: false },
      };
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
          axes: [Object.assign({ values: timeTicks, space: 70 }, axis), Object.assign({ size: 48 }, axis)],
          series: [{}].concat(
            chart.series.map(function (s) {
              return { label: s[1], stroke: s[2], width: 2, spanGaps: true, points: { show: false } };
            }),
          ),
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
      state.charts.forEach(function (u, i) {
        u.setData(datasets[i]);
      });
    }
  }

  // ---------- live view (GET live: Server-Sent Events read with fetch, so the bearer header goes along) ----------
  var LIVE_SECONDS = 300;
  var live = { controller: null, points: [], retry: null, charts: [], polling: false, lastEventAt: 0 };

  function liveSum(points, key) {
    return points.reduce(function (n, p) {
      return n + (isNum(p[key]) ? p[key] : 0);
    }, 0);
  }
  function liveMax(points, key) {
    var v = points
      .map(function (p) {
        return p[key];
      })
      .filter(isNum);
    return v.length ? Math.max.apply(null, v) : undefined;
  }
  function clock(ms) {
    return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  // Each card: what it sums over which seconds; the window and the time of its data are shown under the value.
  var LIVE_CARDS = [
    {
      id: 'live-rps',
      label: 'Requests',
      unit: 'req/s',
      seconds: 10,
      value: function (w) {
        return liveSum(w, 'requests') / w.length;
      },
    },
    {
      id: 'live-p95',
      label: 'p95, slowest second',
      unit: 'ms',
      seconds: 10,
      value: function (w) {
        return liveMax(w, 'p95Ms');
      },
    },
    {
      id: 'live-p99',
      label: 'p99, slowest second',
      unit: 'ms',
      seconds: 10,
      value: function (w) {
        return liveMax(w, 'p99Ms');
      },
    },
    {
      id: 'live-errors',
      label: 'Server errors (5xx)',
      unit: '',
      seconds: 60,
      value: function (w) {
        return liveSum(w, 'errors');
      },
    },
    {
      id: 'live-4xx',
      label: 'Client errors (4xx)',
      unit: '',
      seconds: 60,
      value: function (w) {
        return w.reduce(function (n, p) {
          return n + p.status['4xx'];
        }, 0);
      },
    },
    {
      id: 'live-db',
      label: 'SQL statements',
      unit: '/s',
      seconds: 10,
      value: function (w) {
        return liveSum(w, 'dbQueries') / w.length;
      },
    },
    {
      id: 'live-dbtime',
      label: 'DB time',
      unit: 'ms/s',
      seconds: 10,
      value: function (w) {
        return liveSum(w, 'dbTimeMs') / w.length;
      },
    },
    {
      id: 'live-hit',
      label: 'Cache hit rate',
      unit: '%',
      seconds: 60,
      value: function (w) {
        var hits = liveSum(w, 'cacheHits');
        var looked = hits + liveSum(w, 'cacheMisses');
        return looked ? (hits / looked) * 100 : undefined;
      },
    },
  ];

  function renderLiveCards() {
    var ul = clear($('live-cards'));
    var pts = live.points;
    if (!pts.length) return;
    var last = pts[pts.length - 1];
    LIVE_CARDS.forEach(function (card) {
      var w = pts.slice(-card.seconds);
      var value = card.value(w);
      var window = 'last ' + w.length + ' s · to ' + clock(last.t + 1000);
      ul.append(
        el('li', { class: 'card card-none', 'data-live-card': card.id }, [
          el('span', { class: 'card-label', text: card.label }),
          el('span', { class: 'card-value' }, [
            el('span', { class: 'num', text: fmt(value, card.unit) }),
            card.unit && isNum(value) ? el('span', { class: 'unit', text: ' ' + card.unit }) : null,
          ]),
          el('time', { class: 'card-level card-window', datetime: new Date(last.t + 1000).toISOString(), text: window }),
        ]),
      );
    });
  }

  var LIVE_CHARTS = [
    {
      title: 'Requests per second, live',
      series: [
        ['requests', 'requests', '#1f9d6a'],
        ['errors', '5xx', '#d6453d'],
      ],
    },
    {
      title: 'Latency per second, live (ms)',
      series: [
        ['p50Ms', 'p50', '#8da4bf'],
        ['p95Ms', 'p95', '#2f6fdf'],
        ['p99Ms', 'p99', '#a23ad8'],
      ],
    },
  ];

  function liveData(chart) {
    var data = [
      live.points.map(function (p) {
        return p.t / 1000;
      }),
    ];
    chart.series.forEach(function (s) {
      data.push(
        live.points.map(function (p) {
          return isNum(p[s[0]]) ? p[s[0]] : null;
        }),
      );
    });
    return data;
  }

  function renderLiveCharts() {
    if (typeof window.uPlot !== 'function' || live.points.length < 2) return;
    if (!live.charts.length) {
      var box = $('live-charts');
      var css = getComputedStyle(root);
      var axis = {
        stroke: css.getPropertyValue('--muted').trim() || '#666',
        grid: { stroke: css.getPropertyValue('--grid').trim() || '#eee', width: 1 },
        ticks: { show: false },
      };
      LIVE_CHARTS.forEach(function (chart, i) {
        var fig = el('figure', { class: 'live-chart', 'data-live-chart': String(i) }, [el('figcaption', { text: chart.title })]);
        box.append(fig);
        var holder = el('div', { class: 'chart-canvas' });
        fig.append(holder);
        var opts = {
          width: chartWidth(fig),
          height: 160,
          legend: { live: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true } },
          axes: [Object.assign({ values: timeTicks, space: 70 }, axis), Object.assign({ size: 48 }, axis)],
          series: [{}].concat(
            chart.series.map(function (s) {
              return { label: s[1], stroke: s[2], width: 2, spanGaps: s[0] !== 'requests' && s[0] !== 'errors', points: { show: false } };
            }),
          ),
        };
        live.charts.push(new window.uPlot(opts, liveData(chart), holder));
      });
      if (window.ResizeObserver) {
        new ResizeObserver(function () {
          live.charts.forEach(function (u) {
            var w = chartWidth(u.root.parentNode.parentNode);
            if (Math.abs(u.width - w) > 4) u.setSize({ width: w, height: 160 });
          });
        }).observe(box);
      }
    } else {
      live.charts.forEach(function (u, i) {
        u.setData(liveData(LIVE_CHARTS[i]));
      });
    }
  }

  // Adds points (one per second, `t` in epoch ms) once each, keeps the newest LIVE_SECONDS, and redraws.
  function addLivePoints(points) {
    var last = live.points.length ? live.points[live.points.length - 1].t : -Infinity;
    (points || []).forEach(function (p) {
      if (p && isNum(p.t) && p.t > last) {
        live.points.push(p);
        last = p.t;
      }
    });
    if (live.points.length > LIVE_SECONDS) live.points.splice(0, live.points.length - LIVE_SECONDS);
    live.lastEventAt = Date.now();
    var status = $('live-status');
    if (live.points.length) {
      var t = live.points[live.points.length - 1].t + 1000;
      status.textContent = (live.polling ? 'Polled every second' : 'Streaming') + ' · data to ' + clock(t);
      status.setAttribute('datetime', new Date(t).toISOString());
    }
    renderLiveCards();
    renderLiveCharts();
    root.setAttribute('data-live-points', String(live.points.length));
  }

  function liveHeaders(accept) {
    return { Accept: accept, Authorization: 'Bearer ' + state.token };
  }

  function liveRetry(ms) {
    if (live.retry) clearTimeout(live.retry);
    live.retry = null;
    if (state.stopped || !state.token || document.hidden) return;
    live.retry = setTimeout(liveConnect, ms);
  }

  // Polling fallback: the same points as JSON once a second (a browser without streamed fetch bodies).
  function livePoll() {
    live.polling = true;
    var ctl = live.controller;
    var since = live.points.length ? Math.min(LIVE_SECONDS, Math.ceil((Date.now() - live.points[live.points.length - 1].t) / 1000) + 1) : LIVE_SECONDS;
    fetch(API + '/live?format=json&seconds=' + since, {
      headers: liveHeaders('application/json'),
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
      signal: ctl.signal,
    })
      .then(function (res) {
        if (res.status === 401) throw { unauthorized: true };
        return res.ok ? res.json() : null;
      })
      .then(function (body) {
        if (body) addLivePoints(body.points);
        if (live.controller === ctl) liveRetry(1000);
      })
      .catch(function (e) {
        if (e && e.unauthorized) return signedOut();
        if (e && e.name === 'AbortError') return;
        liveRetry(2000);
      });
  }

  function liveConnect() {
    liveDisconnect();
    if (state.stopped || !state.token || document.hidden) return;
    var ctl = (live.controller = new AbortController());
    if (!window.ReadableStream || !window.TextDecoder) return livePoll();
    live.polling = false;
    var seconds = live.points.length ? Math.min(LIVE_SECONDS, Math.ceil((Date.now() - live.points[live.points.length - 1].t) / 1000) + 1) : LIVE_SECONDS;
    fetch(API + '/live?seconds=' + seconds, {
      headers: liveHeaders('text/event-stream'),
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
      signal: ctl.signal,
    })
      .then(function (res) {
        if (res.status === 401) throw { unauthorized: true };
        if (res.status === 404) {
          $('live-status').textContent = 'Not available';
          return;
        }
        if (!res.ok || !res.body) return livePoll();
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        var read = function () {
          return reader.read().then(function (chunk) {
            if (chunk.done) return liveRetry(1000);
            buffer += decoder.decode(chunk.value, { stream: true });
            var end;
            while ((end = buffer.indexOf('\n\n')) !== -1) {
              var block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              var data = block
                .split('\n')
                .filter(function (line) {
                  return line.indexOf('data: ') === 0;
                })
                .map(function (line) {
                  return line.slice(6);
                })
                .join('\n');
              if (data) addLivePoints(JSON.parse(data).points);
            }
            return read();
          });
        };
        return read();
      })
      .catch(function (e) {
        if (e && e.unauthorized) return signedOut();
        if (e && e.name === 'AbortError') return;
        $('live-status').textContent = 'Reconnecting…';
        liveRetry(2000);
      });
  }

  function liveDisconnect() {
    if (live.retry) clearTimeout(live.retry);
    live.retry = null;
    if (live.controller) live.controller.abort();
    live.controller = null;
  }

  // ---------- routes table (GET routes) ----------
  var ROUTE_COLUMNS = [
    { key: 'route', label: 'Route', text: true },
    { key: 'requests', label: 'Requests' },
    { key: 'ratePerSecond', label: 'req/s (1 min)' },
    { key: 'p50Ms', label: 'p50 ms' },
    { key: 'p95Ms', label: 'p95 ms' },
    { key: 'p99Ms', label: 'p99 ms' },
    { key: 'errorRatePercent', label: 'Errors %' },
    { key: 'statusClasses', label: '2xx / 3xx / 4xx / 5xx', text: true },
    { key: 'dbQueriesPerRequest', label: 'SQL / req' },
    { key: 'dbTimeSharePercent', label: 'DB time %' },
    { key: 'cacheHitRatePercent', label: 'Cache hit %' },
  ];
  var routesView = { body: null, sort: 'requests', desc: true, filter: '', open: {} };

  // The route's slowest requests of the last minutes, under its row.
  function slowestRow(r) {
    var items = r.slowest || [];
    var list = items.length
      ? el(
          'ol',
          { class: 'slowest' },
          items.map(function (q) {
            return el('li', null, [
              el('strong', { text: fmt(q.durationMs, 'ms') + ' ms' }),
              ' · ',
              el('time', { datetime: new Date(q.at).toISOString(), text: clock(q.at) }),
              ' · ' + q.status + ' · ' + q.dbQueries + (q.dbQueries === 1 ? ' statement' : ' statements') + ' (' + fmt(q.dbTimeMs, 'ms') + ' ms) · ',
              el('code', { text: q.requestId, title: 'X-Request-ID' }),
            ]);
          }),
        )
      : el('p', { class: 'quiet', text: 'No request in the last minutes.' });
    return el('tr', { class: 'route-detail' }, [
      el('td', { colspan: String(ROUTE_COLUMNS.length), class: 'text' }, [el('p', { class: 'quiet', text: 'Slowest requests of the last 10 minutes' }), list]),
    ]);
  }

  function routeCell(r, key) {
    if (key === 'route') return r.method + ' ' + r.route;
    if (key === 'statusClasses') return [r.status['2xx'], r.status['3xx'], r.status['4xx'], r.status['5xx']].join(' / ');
    return r[key];
  }

  function renderRoutesTable() {
    var box = $('routes');
    var body = routesView.body;
    if (!body) return;
    var filter = routesView.filter.toLowerCase();
    var rows = body.routes.filter(function (r) {
      return !filter || (r.method + ' ' + r.route).toLowerCase().indexOf(filter) !== -1;
    });
    var key = routesView.sort;
    rows.sort(function (a, b) {
      var x = routeCell(a, key);
      var y = routeCell(b, key);
      var d = typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y)) : (isNum(x) ? x : -1) - (isNum(y) ? y : -1);
      return routesView.desc ? -d : d;
    });
    $('routes-note').textContent =
      body.routes.length === 0
        ? 'No request yet.'
        : rows.length + ' of ' + body.routes.length + ' routes · since start, req/s over the last ' + body.rateWindowSeconds + ' s · read at ' + clock(body.at);
    var head = el(
      'tr',
      null,
      ROUTE_COLUMNS.map(function (c) {
        var sorted = c.key === key;
        var button = el('button', { type: 'button', class: 'sort', text: c.label, 'data-sort': c.key });
        button.addEventListener('click', function () {
          if (routesView.sort === c.key) routesView.desc = !routesView.desc;
          else {
            routesView.sort = c.key;
            routesView.desc = !c.text;
          }
          renderRoutesTable();
          var again = document.querySelector('#routes button[data-sort="' + c.key + '"]');
          if (again) again.focus();
        });
        return el('th', { scope: 'col', 'aria-sort': sorted ? (routesView.desc ? 'descending' : 'ascending') : 'none', class: c.text ? 'text' : '' }, [button]);
      }),
    );
    var tbody = el('tbody');
    rows.forEach(function (r) {
      var name = r.method + ' ' + r.route;
      tbody.append(
        el(
          'tr',
          { 'data-route': name },
          ROUTE_COLUMNS.map(function (c) {
            var v = routeCell(r, c.key);
            if (c.key === 'route') {
              var toggle = el(
                'button',
                { type: 'button', class: 'expand', 'aria-expanded': routesView.open[name] ? 'true' : 'false', title: 'Slowest requests' },
                [el('code', { text: v })],
              );
              toggle.addEventListener('click', function () {
                routesView.open[name] = !routesView.open[name];
                renderRoutesTable();
                var again = document.querySelector('#routes tr[data-route="' + name.replace(/["\\]/g, '\\$&') + '"] .expand');
                if (again) again.focus();
              });
              return el('th', { scope: 'row', class: 'text' }, [toggle]);
            }
            return el('td', { class: c.text ? 'text' : '', 'data-col': c.key, text: c.text ? v : fmt(v, '') });
          }),
        ),
      );
      if (routesView.open[name]) tbody.append(slowestRow(r));
    });
    clear(box).append(
      el('table', { class: 'routes' }, [el('caption', { class: 'sr-only', text: 'Routes, sortable by each column' }), el('thead', null, [head]), tbody]),
    );
  }

  function renderRoutes(res) {
    if (res.status === 404) {
      $('routes-note').textContent = 'Not available on this app.';
      return;
    }
    if (!res.ok || !res.body) return;
    routesView.body = res.body;
    renderRoutesTable();
  }

  // ---------- lists ----------
  var METRIC_LABELS = {
    cpuPercent: 'CPU',
    memoryPercent: 'Memory',
    p95Ms: 'p95 latency',
    p99Ms: 'p99 latency',
    errorRatePercent: 'Error rate',
    poolUtilizationPercent: 'Pool use',
    dbMeanQueryMs: 'DB mean query',
    eventLoopLagP99Ms: 'Event loop lag',
    cacheHitRatePercent: 'Cache hit rate',
    requestsPerSecond: 'Requests',
    'job-failure-rate': 'Job failure rate',
    'job-overdue': 'Job overdue',
    'cache-store-down': 'Cache store down',
    'database-down': 'Database down',
  };
  // A job or outage alert names its job or store: "Job overdue: nightly-import", "Database down: reports".
  function alertTitle(a) {
    var label = METRIC_LABELS[a.metric] || text(a, ['title', 'name', 'metric']) || 'Alert';
    var subject = typeof a.job === 'string' && a.job ? a.job : typeof a.dependency === 'string' && a.dependency ? a.dependency : '';
    return subject ? label + ': ' + subject : label;
  }
  function severityOf(item) {
    return norm(text(item, ['severity', 'level', 'priority', 'impact']) || 'info');
  }

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
    items.sort(function (x, y) {
      return (y.status === 'firing') - (x.status === 'firing');
    });
    var ul = el('ul', { class: 'items' });
    items.slice(0, 20).forEach(function (a) {
      var status = text(a, ['state', 'status']) || (firing.indexOf(a) >= 0 ? 'firing' : '');
      ul.append(
        el('li', { class: 'item sev-' + severityOf(a) }, [
          el('div', { class: 'item-head' }, [
            el('span', { class: 'badge', text: text(a, ['severity', 'level']) || 'info' }),
            el('strong', { text: alertTitle(a) }),
            status ? el('span', { class: 'tag', text: status }) : null,
          ]),
          el('p', { text: text(a, ['message', 'description', 'summary']) }),
          el('p', {
            class: 'meta',
            text: [
              isNum(a.value) ? 'value ' + fmt(a.value, '') + (isNum(a.threshold) ? ' (threshold ' + fmt(a.threshold, '') + ')' : '') : '',
              a.firstSeen ? 'since ' + when(a.firstSeen) : when(a.at || a.timestamp),
              a.resolvedAt ? 'resolved ' + when(a.resolvedAt) : '',
              a.count > 1 ? a.count + '×' : '',
            ]
              .filter(Boolean)
              .join(' · '),
          }),
        ]),
      );
    });
    clear(box).append(ul);
  }

  // optimize/:id answers 200 { applied, detail, revert } or 409 { message, manualSteps }.
  function renderOptimizeResult(box, res) {
    clear(box);
    var b = res.body || {};
    var steps = list(b, ['manualSteps', 'steps']);
    var message = Array.isArray(b.message) ? b.message.join('; ') : b.message;
    if (res.ok && b.applied) {
      box.append(el('p', { class: 'result result-ok', role: 'status', text: 'Applied. ' + (b.detail || '') }));
      if (b.revert) box.append(el('p', { class: 'meta', text: 'To undo: ' }), codeBlock(b.revert));
    } else if (res.status === 409 || steps.length) {
      box.append(el('p', { class: 'result result-manual', role: 'status', text: 'Needs manual steps. ' + (message || '') }));
    } else {
      box.append(el('p', { class: 'result result-error', role: 'status', text: 'Not applied: ' + (message || 'HTTP ' + res.status) }));
    }
    if (steps.length) {
      box.append(
        el(
          'ol',
          { class: 'steps' },
          steps.map(function (step) {
            return el('li', { text: String(step) });
          }),
        ),
      );
    }
  }

  function renderRecommendations(res) {
    var box = $('recommendations');
    if (!res.ok) return unavailable(box, res.status);
    var items = list(res.body, ['recommendations']);
    var ul = el('ul', { class: 'items' });
    // An applied recommendation usually disappears from the list: keep its answer visible.
    var current = {};
    items.forEach(function (r) {
      current[r.id] = true;
    });
    Object.keys(state.answers).forEach(function (id) {
      if (current[id]) return;
      var result = el('div', { class: 'apply-result' });
      renderOptimizeResult(result, state.answers[id]);
      ul.append(el('li', { class: 'item', 'data-recommendation': id }, [el('div', { class: 'item-head' }, [el('strong', { text: id })]), result]));
    });
    if (!items.length && !ul.firstChild) return empty(box, 'No recommendations right now.');
    items.slice(0, 20).forEach(function (r) {
      var id = String(r.id || '');
      var action = r.action || {};
      var result = el('div', { class: 'apply-result', 'aria-live': 'polite' });
      // Keep an answer already shown for this recommendation across refreshes.
      if (state.answers[id]) renderOptimizeResult(result, state.answers[id]);
      var button = el('button', {
        type: 'button',
        class: 'btn' + (action.automatic ? ' btn-primary' : ''),
        'data-apply': id,
        'aria-label': 'Apply: ' + (r.title || id),
        text: 'Apply',
        title: action.automatic ? 'Runs it now' : 'Shows the manual steps',
      });
      button.addEventListener('click', function () {
        button.disabled = true;
        button.textContent = 'Applying…';
        api('optimize/' + encodeURIComponent(id), { method: 'POST' }).then(
          function (res) {
            if (res.status === 401) return signedOut();
            state.answers[id] = res;
            renderOptimizeResult(result, res);
            button.textContent = res.ok ? 'Applied' : 'Apply';
            button.disabled = res.ok;
          },
          function () {},
        );
      });
      ul.append(
        el('li', { class: 'item sev-' + norm(r.severity || 'info'), 'data-recommendation': id }, [
          el('div', { class: 'item-head' }, [
            el('span', { class: 'badge', text: r.severity || 'info' }),
            el('strong', { text: r.title || id }),
            r.category ? el('span', { class: 'tag', text: r.category }) : null,
            action.automatic === false ? el('span', { class: 'tag', text: 'manual' }) : null,
          ]),
          el('p', { text: r.description || '' }),
          action.summary ? el('p', { class: 'meta', text: action.summary }) : null,
          action.sql ? codeBlock(action.sql) : null,
          el('div', { class: 'actions' }, [button]),
          result,
        ]),
      );
    });
    clear(box).append(ul);
  }

  function codeBlock(sql) {
    var code = el('code', { text: sql });
    var copy = el('button', { type: 'button', class: 'btn btn-small', text: 'Copy', 'aria-label': 'Copy SQL' });
    copy.addEventListener('click', function () {
      var done = function () {
        copy.textContent = 'Copied';
        setTimeout(function () {
          copy.textContent = 'Copy';
        }, 1500);
      };
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

  // Long statements are cut for the list; the whole text stays in the tooltip.
  function sqlText(sql) {
    return el('code', { class: 'sql', title: sql.length > 240 ? sql : undefined, text: sql.length > 240 ? sql.slice(0, 240) + '…' : sql });
  }

  function renderQueries(res) {
    var slow = $('slow-queries');
    var n1 = $('n1');
    if (!res.ok) {
      unavailable(slow, res.status);
      unavailable(n1, res.status);
      return;
    }
    var b = res.body || {};
    var statements = list(b, ['statements'])
      .slice()
      .sort(function (x, y) {
        return (y.meanMs || 0) - (x.meanMs || 0);
      })
      .slice(0, 8);
    if (!statements.length) empty(slow, 'No statements observed yet.');
    else {
      var rows = el(
        'ul',
        { class: 'items' },
        statements.map(function (st) {
          return el('li', { class: 'item' }, [
            el('div', { class: 'item-head' }, [
              el('strong', { class: 'num', text: fmt(st.meanMs, 'ms') + ' ms' }),
              el('span', {
                class: 'meta',
                text: 'mean · p95 ' + fmt(st.p95Ms, 'ms') + ' ms · ' + fmt(st.calls, '') + ' calls' + (st.database ? ' · ' + st.database : ''),
              }),
            ]),
            sqlText(st.statement || st.fingerprint || ''),
          ]);
        }),
      );
      clear(slow).append(rows);
      var sq = b.slowQueries;
      if (sq && isNum(sq.count)) slow.append(el('p', { class: 'meta', text: sq.count + ' statements slower than ' + sq.thresholdMs + ' ms so far.' }));
    }
    // The same pattern repeats on every request of a route: one row per route and statement.
    var groups = [];
    var byKey = {};
    (b.n1 ? list(b.n1, ['recent']) : []).forEach(function (f) {
      var key = (f.route || '') + ' ' + f.fingerprint;
      var g = byKey[key];
      if (!g) {
        g = byKey[key] = { finding: f, requests: 0, last: f.at };
        groups.push(g);
      }
      g.requests++;
      if (String(f.at) > String(g.last)) g.last = f.at;
    });
    if (!groups.length) empty(n1, 'No N+1 patterns found.');
    else {
      var ul = el('ul', { class: 'items' });
      groups.slice(0, 8).forEach(function (g) {
        var f = g.finding;
        ul.append(
          el('li', { class: 'item sev-warning' }, [
            el('div', { class: 'item-head' }, [
              el('span', { class: 'badge', text: (f.count || '?') + '× per request' }),
              el('strong', { text: f.route || 'outside a route' }),
            ]),
            sqlText(f.statement || ''),
            el('p', { class: 'meta', text: g.requests + (g.requests === 1 ? ' request' : ' requests') + ' · last ' + when(g.last) }),
          ]),
        );
      });
      clear(n1).append(ul);
      if (isNum(b.n1.count)) n1.append(el('p', { class: 'meta', text: b.n1.count + ' findings so far (threshold ' + b.n1.threshold + ' repeats).' }));
    }
  }

  function renderIndexes(res) {
    var box = $('indexes');
    if (!res.ok) return unavailable(box, res.status);
    var suggestions = [];
    list(res.body, ['databases']).forEach(function (d) {
      suggestions = suggestions.concat(list(d, ['suggestions']));
    });
    if (!suggestions.length) return empty(box, 'No index suggestions.');
    var ul = el('ul', { class: 'items' });
    suggestions.slice(0, 10).forEach(function (s) {
      ul.append(
        el('li', { class: 'item' }, [
          el('div', { class: 'item-head' }, [el('strong', { text: s.table + ' (' + (s.columns || []).join(', ') + ')' })]),
          el('p', { text: s.reason || '' }),
          codeBlock(s.createIndex || ''),
        ]),
      );
    });
    clear(box).append(ul);
  }

  // The mean time of an optimization's statements (weighted by calls), before it or since; undefined without calls.
  function optimizationMean(o, phase) {
    var calls = 0;
    var total = 0;
    list(o, ['statements']).forEach(function (st) {
      var f = st && st[phase];
      if (!f || !isNum(f.calls) || !isNum(f.meanMs) || f.calls <= 0) return;
      calls += f.calls;
      total += f.calls * f.meanMs;
    });
    return calls ? total / calls : undefined;
  }

  // optimizations answers { total, optimizations: [{ id, title, action, appliedAt, sql, result, detail, revert, statements }] }, newest first.
  function renderOptimizations(res) {
    var box = $('optimizations');
    if (!res.ok) return unavailable(box, res.status);
    var items = list(res.body, ['optimizations']);
    if (!items.length) return empty(box, 'No optimization applied on this instance yet.');
    var ul = el('ul', { class: 'items' });
    items.slice(0, 20).forEach(function (o) {
      var failed = o.result !== 'applied';
      var before = optimizationMean(o, 'before');
      var after = optimizationMean(o, 'after');
      var timing = isNum(before)
        ? 'Its statements: ' + fmt(before, 'ms') + ' ms before, ' + (isNum(after) ? fmt(after, 'ms') + ' ms since' : 'not run since') + '.'
        : null;
      ul.append(
        el('li', { class: 'item ' + (failed ? 'sev-error' : 'sev-info'), 'data-optimization': String(o.id || '') }, [
          el('div', { class: 'item-head' }, [
            el('span', { class: 'badge', text: failed ? 'failed' : 'applied' }),
            el('strong', { text: o.title || o.id || '' }),
            o.action ? el('span', { class: 'tag', text: o.action }) : null,
          ]),
          el('p', {
            class: 'meta',
            text: when(o.appliedAt) + (o.database ? ' · ' + o.database : '') + (isNum(o.durationMs) ? ' · took ' + fmt(o.durationMs, 'ms') + ' ms' : ''),
          }),
          o.sql ? codeBlock(o.sql) : null,
          el('p', { class: failed ? 'result result-error' : 'result result-ok', text: o.detail || '' }),
          timing ? el('p', { class: 'meta', 'data-timing': '', text: timing }) : null,
          o.revert ? el('p', { class: 'meta', text: 'To undo: ' + o.revert }) : null,
        ]),
      );
    });
    clear(box).append(ul);
  }

  // cache-stats reports hitRate as a ratio (0-1), and 0 before any lookup.
  function namespaceRate(n) {
    if (isNum(n.hitRatePercent)) return n.hitRatePercent;
    var lookups = (n.hits || 0) + (n.stale || 0) + (n.misses || 0);
    if (!lookups) return undefined;
    return isNum(n.hitRate) ? n.hitRate * 100 : (((n.hits || 0) + (n.stale || 0)) / lookups) * 100;
  }

  function renderCache(res) {
    var box = $('cache');
    if (!res.ok) return unavailable(box, res.status);
    var b = res.body || {};
    var namespaces = list(b, ['namespaces', 'items']);
    if (!namespaces.length && b.namespaces && typeof b.namespaces === 'object') {
      namespaces = Object.keys(b.namespaces).map(function (k) {
        return Object.assign({ namespace: k }, b.namespaces[k]);
      });
    }
    if (!namespaces.length) return empty(box, 'No cache namespaces yet.');
    var ul = el('ul', { class: 'items ns' });
    namespaces.forEach(function (n) {
      var name = text(n, ['namespace', 'name']);
      var rate = namespaceRate(n);
      var result = el('span', { class: 'meta', 'aria-live': 'polite' });
      var actions = el('div', { class: 'actions' });
      // cache-stats says which namespaces cache/clear can clear, and why not.
      if (n.clearable === false) {
        var why = n.notClearableReason || 'no reason given';
        actions.append(el('span', { class: 'meta', 'data-not-clearable': name, text: 'Not clearable here: ' + why + '.' }));
      } else {
        var ask = el('button', { type: 'button', class: 'btn', 'data-clear': name, 'aria-label': 'Clear namespace ' + name, text: 'Clear' });
        var reset = function () {
          clear(actions).append(ask);
        };
        ask.addEventListener('click', function () {
          var yes = el('button', { type: 'button', class: 'btn btn-danger', 'data-confirm-clear': name, text: 'Clear ' + name });
          var no = el('button', { type: 'button', class: 'btn', text: 'Cancel' });
          no.addEventListener('click', function () {
            reset();
            ask.focus();
          });
          yes.addEventListener('click', function () {
            yes.disabled = true;
            api('cache/clear?namespace=' + encodeURIComponent(name), { method: 'POST' }).then(
              function (r) {
                if (r.status === 401) return signedOut();
                var removed = r.body && pick(r.body, ['removed']);
                var why = r.body && typeof r.body.message === 'string' ? ': ' + r.body.message : '';
                result.textContent = r.ok
                  ? 'Cleared' + (isNum(removed) && removed > 0 ? ' ' + removed + ' entries' : '') + '.'
                  : 'Not cleared (HTTP ' + r.status + ')' + why + '.';
                reset();
              },
              function () {},
            );
          });
          clear(actions).append(el('span', { class: 'confirm', text: 'Clear every entry?' }), yes, no);
          no.focus();
        });
        actions.append(ask);
      }
      ul.append(
        el('li', { class: 'item', 'data-namespace': name }, [
          el('div', { class: 'item-head' }, [
            el('strong', { text: name }),
            el('span', { class: 'tag', text: isNum(rate) ? fmt(rate, '%') + ' % hits' : 'no lookups' }),
            el('span', {
              class: 'meta',
              text: [
                isNum(pick(n, ['hits', 'hit'])) ? pick(n, ['hits', 'hit']) + ' hits' : '',
                isNum(pick(n, ['misses', 'miss'])) ? pick(n, ['misses', 'miss']) + ' misses' : '',
                isNum(pick(n, ['entries', 'size', 'keys'])) ? pick(n, ['entries', 'size', 'keys']) + ' entries' : '',
              ]
                .filter(Boolean)
                .join(' · '),
            }),
          ]),
          rate !== undefined ? el('meter', { min: '0', max: '100', value: String(rate), 'aria-label': name + ' hit rate' }) : null,
          actions,
          result,
        ]),
      );
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

  var ENDPOINTS = {
    current: function () {
      return 'metrics/current';
    },
    health: function () {
      return 'health-overview';
    },
    pool: function () {
      return 'connection-pool';
    },
    history: function () {
      return 'metrics/history?hours=' + state.hours;
    },
    alerts: function () {
      return 'alerts?hours=24';
    },
    recommendations: function () {
      return 'recommendations';
    },
    queries: function () {
      return 'query-performance?limit=20';
    },
    indexes: function () {
      return 'suggest-indexes';
    },
    cache: function () {
      return 'cache-stats';
    },
    routes: function () {
      return 'routes';
    },
    optimizations: function () {
      return 'optimizations';
    },
  };
  var NAMES = Object.keys(ENDPOINTS);

  function renderNow(r) {
    notice(null);
    $('main').hidden = false;
    var qp = r.queries.ok && r.queries.body ? r.queries.body : {};
    var pools = r.pool.ok && r.pool.body ? list(r.pool.body, ['pools']) : [];
    var poolUse = pools
      .map(function (p) {
        return p.utilizationPercent;
      })
      .filter(isNum);
    var cacheTotals = r.cache.ok && r.cache.body ? r.cache.body.totals : null;
    renderCards({
      current: r.current.ok ? r.current.body : null,
      health: r.health.ok ? r.health.body : null,
      fallback: {
        dbmean: qp.totals && qp.totals.queries > 0 ? qp.totals.timeMs / qp.totals.queries : undefined,
        pool: poolUse.length ? Math.max.apply(null, poolUse) : undefined,
        hit: cacheTotals ? namespaceRate(cacheTotals) : undefined,
      },
      poolNote:
        !poolUse.length && pools.length
          ? pools
              .map(function (p) {
                return p.note;
              })
              .filter(Boolean)
              .join(' ')
          : '',
    });
    renderNowWindow(r.current.ok && r.current.body ? r.current.body.snapshot : null);
    renderQueries(r.queries);
    renderCache(r.cache);
    if (!state.firstData) {
      state.firstData = true;
      if (performance.mark) performance.mark('dashboard-first-data');
    }
  }

  // Which seconds the cards describe: the sampler's latest snapshot and the interval before it.
  function renderNowWindow(snapshot) {
    var box = $('now-window');
    var at = snapshot ? Date.parse(snapshot.timestamp) : NaN;
    if (!isNum(at)) {
      box.textContent = '';
      return;
    }
    box.textContent = 'Snapshot of ' + clock(at) + ' · rates over the ' + fmt(Math.round(snapshot.intervalSeconds * 10) / 10, '') + ' s before it';
    box.setAttribute('datetime', new Date(at).toISOString());
  }

  function renderHistory(res) {
    var missing404 = res.status === 404;
    $('history-na').hidden = !missing404;
    $('charts').hidden = missing404;
    if (missing404) $('history-empty').hidden = true;
    else renderCharts(res.ok ? res.body : []);
  }

  // Sections render as their answers arrive; the cards wait for the few fast
  // endpoints they read. "Updated" is set once everything has answered.
  var LATER = {
    history: renderHistory,
    alerts: renderAlerts,
    recommendations: renderRecommendations,
    indexes: renderIndexes,
    routes: renderRoutes,
    optimizations: renderOptimizations,
  };
  var NOW = ['current', 'health', 'pool', 'queries', 'cache'];

  function check(res) {
    if (res.status === 401) throw { unauthorized: true };
    return res;
  }

  // One refresh at a time; a request for another while one runs (range
  // change, Refresh button) runs once right after it instead of in parallel.
  function refresh() {
    if (!state.token || state.stopped) return;
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    state.again = false;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    var config = (state.config ? Promise.resolve(null) : api('dashboard/config')).then(function (cfg) {
      if (cfg) check(cfg);
      if (cfg && cfg.status !== 0) state.config = cfg.ok && cfg.body ? cfg.body : {};
      return cfg;
    });
    var answers = {};
    NAMES.forEach(function (name) {
      answers[name] = poll(ENDPOINTS[name]()).then(check);
    });
    var ready = false;
    var now = Promise.all(
      [config].concat(
        NOW.map(function (n) {
          return answers[n];
        }),
      ),
    ).then(function (list) {
      var r = {};
      NOW.forEach(function (name, i) {
        r[name] = list[i + 1];
      });
      if (
        list.slice(1).every(function (x) {
          return x.status === 0;
        })
      )
        throw { unreachable: true };
      ready = true;
      renderNow(r);
    });
    var later = Object.keys(LATER).map(function (name) {
      return Promise.all([now, answers[name]]).then(function (list) {
        LATER[name](list[1]);
      });
    });
    Promise.all([now].concat(later))
      .then(function () {
        var stamp = new Date();
        var up = $('updated');
        up.textContent = 'Updated ' + stamp.toLocaleTimeString() + ' · every ' + Math.round(refreshMs() / 1000) + ' s';
        up.setAttribute('datetime', stamp.toISOString());
        root.setAttribute('data-ready', 'true');
      })
      .catch(function (e) {
        if (e && e.name === 'AbortError') return;
        if (e && e.unauthorized) return signedOut();
        if (e && e.unreachable) {
          notice('error', 'The API at ' + (API || '/') + ' is unreachable. Retrying every ' + Math.round(refreshMs() / 1000) + ' s.');
          return;
        }
        if (!ready) $('main').hidden = true;
        notice('error', 'The dashboard failed to render: ' + (e && e.message ? e.message : String(e)));
        if (window.console) console.warn(e);
      })
      .then(function () {
        state.running = false;
        if (state.again && !state.stopped) refresh();
        else schedule();
      });
  }

  function stop() {
    state.stopped = true;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    if (state.controller) state.controller.abort();
    state.controller = null;
    liveDisconnect();
  }

  function start() {
    state.stopped = false;
    state.controller = new AbortController();
    $('signin').hidden = true;
    $('signout').hidden = false;
    refresh();
    liveConnect();
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
      try {
        sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      } catch (e) {
        /* storage off */
      }
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
    $('routes-filter').addEventListener('input', function (ev) {
      routesView.filter = ev.target.value.trim();
      renderRoutesTable();
    });
    $('refresh').addEventListener('click', function () {
      if (state.token) refresh();
    });
    Array.prototype.forEach.call(document.querySelectorAll('input[name="range"]'), function (radio) {
      radio.checked = Number(radio.value) === state.hours;
      radio.addEventListener('change', function () {
        state.hours = Number(radio.value);
        sessionStorage.setItem(RANGE_KEY, String(state.hours));
        if (state.token) refresh();
      });
    });
    document.addEventListener('visibilitychange', function () {
      if (document.hidden) {
        if (state.timer) clearTimeout(state.timer);
        state.timer = null;
        liveDisconnect();
      } else if (state.token && !state.stopped) {
        refresh();
        liveConnect();
      }
    });
    window.addEventListener('pagehide', stop);

    if (state.token) start();
    else {
      notice('info', 'Enter the admin token to see the dashboard.');
      showSignIn();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
