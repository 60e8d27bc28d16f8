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
    cleared: {},
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
  function plural(n, one, many) {
    return fmt(n, '') + ' ' + (n === 1 ? one : many || one + 's');
  }

  // ---------- the contract ----------
  // Every field this page reads, per endpoint, as declared in the admin API's
  // contract (openapi.json states each one; a test fails when a path here is
  // not in the response schema of its endpoint). `a[]` is each element of the
  // array a, `m{}` each value of the map m. Answers are cut down to these
  // fields before any code of the page sees them.
  var READS = {
    'get dashboard/config': ['refreshIntervalMs'],
    'get load-test/status': [
      'latestSweep.status',
      'latestSweep.startedAt',
      'latestSweep.sweep.levels[].connections',
      'latestSweep.sweep.levels[].requestsPerSecond',
      'latestSweep.sweep.levels[].latencyMs.p50',
      'latestSweep.sweep.levels[].latencyMs.p95',
      'latestSweep.sweep.levels[].latencyMs.p99',
      'latestSweep.sweep.levels[].failedRequests',
      'latestSweep.sweep.levels[].meetsKpis',
      'latestSweep.sweep.levels[].failedKpis[]',
      'latestSweep.sweep.maxLevelMeetingKpis',
      'latestSweep.sweep.knee.connections',
      'latestSweep.sweep.knee.p95Ms',
      'latestSweep.sweep.knee.baselineP95Ms',
    ],
    'get dashboard': [
      'window.seconds',
      'window.to',
      'cards[].metric',
      'cards[].label',
      'cards[].value',
      'cards[].unit',
      'cards[].level',
      'cards[].direction',
      'cards[].good',
      'cards[].critical',
      'cards[].note',
      'recommendations[].id',
      'recommendations[].severity',
      'recommendations[].title',
      'recommendations[].category',
      'recommendations[].description',
      'recommendations[].action.automatic',
      'recommendations[].action.summary',
      'recommendations[].action.steps',
      'recommendations[].action.sql',
    ],
    'get metrics/current': [
      'snapshot.timestamp',
      'snapshot.intervalSeconds',
      'snapshot.dbQueriesPerRequest',
      'snapshot.p95Ms',
      'snapshot.p99Ms',
      'snapshot.requestsPerSecond',
      'snapshot.errorRatePercent',
      'snapshot.cpuPercent',
      'snapshot.memoryPercent',
      'snapshot.eventLoopLagP99Ms',
      'snapshot.cacheHitRatePercent',
      'snapshot.dbMeanQueryMs',
      'snapshot.poolUtilizationPercent',
    ],
    'get metrics/history': [
      'points[].timestamp',
      'points[].intervalSeconds',
      'points[].p50Ms',
      'points[].p95Ms',
      'points[].p99Ms',
      'points[].requestsPerSecond',
      'points[].errorRatePercent',
      'points[].cpuPercent',
      'points[].memoryPercent',
      'points[].cacheHitRatePercent',
      'points[].eventLoopLagP99Ms',
      'points[].dbQueries',
      'points[].dbMeanQueryMs',
    ],
    'get live': [
      'points[].t',
      'points[].requests',
      'points[].errors',
      'points[].status.4xx',
      'points[].p50Ms',
      'points[].p95Ms',
      'points[].p99Ms',
      'points[].dbQueries',
      'points[].dbTimeMs',
      'points[].cacheHits',
      'points[].cacheMisses',
    ],
    'get routes': [
      'at',
      'rateWindowSeconds',
      'routes[].method',
      'routes[].route',
      'routes[].requests',
      'routes[].ratePerSecond',
      'routes[].p50Ms',
      'routes[].p95Ms',
      'routes[].p99Ms',
      'routes[].errorRatePercent',
      'routes[].status.2xx',
      'routes[].status.3xx',
      'routes[].status.4xx',
      'routes[].status.5xx',
      'routes[].dbQueriesPerRequest',
      'routes[].dbTimeSharePercent',
      'routes[].cacheHitRatePercent',
      'routes[].slowest[].requestId',
      'routes[].slowest[].at',
      'routes[].slowest[].durationMs',
      'routes[].slowest[].status',
      'routes[].slowest[].dbQueries',
      'routes[].slowest[].dbTimeMs',
    ],
    'get requests/{id}': ['statements[].statement', 'statements[].durationMs', 'statements[].success', 'statementsNotKept'],
    'get health-overview': ['score', 'status', 'timestamp', 'checks.details{}'],
    'get slos': [
      'slos[].name',
      'slos[].windowDays',
      'slos[].objectives[].objective',
      'slos[].objectives[].targetPercent',
      'slos[].objectives[].thresholdMs',
      'slos[].objectives[].sliPercent',
      'slos[].objectives[].errorBudget.remainingPercent',
      'slos[].objectives[].burnRates.5m',
      'slos[].objectives[].burnRates.30m',
      'slos[].objectives[].burnRates.1h',
      'slos[].objectives[].burnRates.6h',
    ],
    'get jobs/status': [
      'jobs[].name',
      'jobs[].status',
      'jobs[].running',
      'jobs[].runs',
      'jobs[].failures',
      'jobs[].lastRunAt',
      'jobs[].nextRunAt',
      'jobs[].overdue',
      'jobs[].lastError.message',
    ],
    'get alerts': [
      'alerts[].id',
      'alerts[].metric',
      'alerts[].job',
      'alerts[].dependency',
      'alerts[].severity',
      'alerts[].status',
      'alerts[].message',
      'alerts[].value',
      'alerts[].threshold',
      'alerts[].firstSeen',
      'alerts[].lastSeen',
      'alerts[].resolvedAt',
      'alerts[].count',
      'alerts[].slo',
      'alerts[].route',
      'alerts[].firedAt',
      'alerts[].durationSeconds',
      'alerts[].flapping',
      'alerts[].transitions',
      'pending[].metric',
      'pending[].job',
      'pending[].dependency',
      'pending[].slo',
      'pending[].route',
      'pending[].severity',
      'pending[].message',
      'pending[].since',
      'pending[].heldSeconds',
      'pending[].forSeconds',
    ],
    'post optimize/{id}': ['applied', 'detail', 'revert'],
    'get query-performance': [
      'statements[].fingerprint',
      'statements[].statement',
      'statements[].operation',
      'statements[].database',
      'statements[].calls',
      'statements[].meanMs',
      'statements[].p95Ms',
      'statements[].routes',
      'slowQueries.count',
      'slowQueries.thresholdMs',
      'n1.count',
      'n1.threshold',
      'n1.recent[].at',
      'n1.recent[].route',
      'n1.recent[].fingerprint',
      'n1.recent[].statement',
      'n1.recent[].count',
    ],
    'get suggest-indexes': [
      'databases[].suggestions[].table',
      'databases[].suggestions[].columns',
      'databases[].suggestions[].reason',
      'databases[].suggestions[].createIndex',
    ],
    'get fleet': [
      'hours',
      'to',
      'staleAfterSeconds',
      'instances[].instanceId',
      'instances[].self',
      'instances[].stale',
      'instances[].ageSeconds',
      'instances[].latest.timestamp',
      'instances[].latest.requestsPerSecond',
      'instances[].latest.cpuPercent',
      'instances[].latest.rssMb',
      'instances[].window.requests',
      'instances[].window.errors',
      'instances[].window.errorRatePercent',
      'instances[].window.p50Ms',
      'instances[].window.p95Ms',
      'instances[].window.p99Ms',
      'instances[].firingAlerts',
      'current.instances',
      'current.requestsPerSecond',
      'current.p95Ms',
      'window.requests',
      'window.errors',
      'window.errorRatePercent',
      'window.requestsPerSecond',
      'window.p50Ms',
      'window.p95Ms',
      'window.p99Ms',
      'alerts.firing',
      'alerts.open[].id',
      'alerts.open[].instanceId',
      'alerts.open[].severity',
      'alerts.open[].message',
    ],
    'get connection-pool': ['pools[].utilizationPercent', 'pools[].note'],
    'get cache-stats': ['namespaces{}.hits', 'namespaces{}.misses', 'namespaces{}.stale', 'namespaces{}.clearable', 'namespaces{}.notClearableReason'],
    'post cache/clear': ['removed'],
    'get optimizations': [
      'optimizations[].id',
      'optimizations[].title',
      'optimizations[].action',
      'optimizations[].appliedAt',
      'optimizations[].database',
      'optimizations[].durationMs',
      'optimizations[].sql',
      'optimizations[].result',
      'optimizations[].detail',
      'optimizations[].revert',
      'optimizations[].statements[].before.calls',
      'optimizations[].statements[].before.meanMs',
      'optimizations[].statements[].after.calls',
      'optimizations[].statements[].after.meanMs',
    ],
  };
  // Error answers (4xx, 5xx) are read for their message only.
  var ERROR_READS = ['message'];

  // The fields of READS as a tree: { name: true } for a leaf, { name: subtree } inside, '[]' and '{}' for elements.
  function readTree(paths) {
    var tree = {};
    paths.forEach(function (path) {
      var node = tree;
      var parts = [];
      path.split('.').forEach(function (p) {
        var m = /^(.*?)((?:\[\]|\{\})*)$/.exec(p);
        if (m[1]) parts.push(m[1]);
        (m[2].match(/\[\]|\{\}/g) || []).forEach(function (x) {
          parts.push(x);
        });
      });
      parts.forEach(function (p, i) {
        if (i === parts.length - 1) node[p] = true;
        else node = node[p] = node[p] === true || !node[p] ? {} : node[p];
      });
    });
    return tree;
  }
  var TREES = {};
  function project(value, tree) {
    if (tree === true || value === null || value === undefined || typeof value !== 'object') return value;
    if (tree['[]'])
      return Array.isArray(value)
        ? value.map(function (v) {
            return project(v, tree['[]']);
          })
        : undefined;
    var out = {};
    if (tree['{}']) {
      Object.keys(value).forEach(function (k) {
        out[k] = project(value[k], tree['{}']);
      });
      return out;
    }
    Object.keys(tree).forEach(function (k) {
      if (Object.prototype.hasOwnProperty.call(value, k)) out[k] = project(value[k], tree[k]);
    });
    return out;
  }
  // The answer of an endpoint as this page may read it.
  function contract(endpoint, res) {
    if (!res.body) return res;
    var key = res.ok ? endpoint : 'error';
    var tree = TREES[key] || (TREES[key] = readTree(res.ok ? READS[endpoint] || [] : ERROR_READS));
    return { status: res.status, ok: res.ok, body: project(res.body, tree) };
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
  function poll(endpoint, path) {
    if (missing[endpoint]) return Promise.resolve({ status: 404, ok: false, body: null });
    return api(endpoint, path).then(function (res) {
      if (res.status === 404) missing[endpoint] = true;
      return res;
    });
  }

  // Calls the admin API; `endpoint` names the contract entry of its answer (READS).
  function api(endpoint, path, init) {
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
          return contract(endpoint, { status: res.status, ok: res.ok, body: json });
        });
      },
      function (error) {
        if (error && error.name === 'AbortError') throw error;
        return { status: 0, ok: false, body: null };
      },
    );
  }
  // The reason an error answer gives (its message), else its status.
  // What did not happen, the HTTP status of a refusal (a 503 of a dependency reads apart from a 400 or a 500
  // at a glance) and the server's reason: 'Not cleared (HTTP 503): the query result cache … was not cleared (…).'
  function failed(what, res) {
    var m = res.body && res.body.message;
    if (Array.isArray(m)) m = m.join('; ');
    var why = typeof m === 'string' && m ? m.replace(/\.$/, '') : res.status ? '' : 'no answer';
    return what + (!res.ok && res.status ? ' (HTTP ' + res.status + ')' : '') + (why ? ': ' + why : '') + '.';
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
  function unavailable(container, res) {
    clear(container).append(
      el('p', {
        class: 'quiet',
        text: res.status === 404 ? 'Not available on this app.' : failed('Could not load', res),
      }),
    );
  }
  function empty(container, message) {
    clear(container).append(el('p', { class: 'quiet', text: message }));
  }

  // ---------- cards ----------
  // GET dashboard judges each metric of the latest snapshot under the app's thresholds: the card shows its
  // level as the server states it (the same as its KPI, its alert and its share of the health score).
  var CARDS = [
    { id: 'p95', metric: 'p95Ms', label: 'p95 latency', unit: 'ms' },
    { id: 'p99', metric: 'p99Ms', label: 'p99 latency', unit: 'ms' },
    { id: 'rps', metric: 'requestsPerSecond', label: 'Requests', unit: 'req/s' },
    { id: 'errors', metric: 'errorRatePercent', label: 'Error rate', unit: '%' },
    { id: 'cpu', metric: 'cpuPercent', label: 'CPU', unit: '%' },
    { id: 'memory', metric: 'memoryPercent', label: 'Memory', unit: '%' },
    { id: 'lag', metric: 'eventLoopLagP99Ms', label: 'Event loop lag p99', unit: 'ms' },
    { id: 'hit', metric: 'cacheHitRatePercent', label: 'Cache hit rate', unit: '%' },
    { id: 'dbmean', metric: 'dbMeanQueryMs', label: 'DB mean query', unit: 'ms' },
    { id: 'qpr', label: 'Queries per request', unit: '', snapshot: 'dbQueriesPerRequest' },
    { id: 'pool', metric: 'poolUtilizationPercent', label: 'Pool use', unit: '%' },
    { id: 'health', label: 'Health score', unit: '/100' },
  ];
  var LEVELS = { good: 'good', warning: 'warning', critical: 'critical' };
  var HEALTH_LEVEL = { healthy: 'good', degraded: 'warning', unhealthy: 'critical' };

  function levelTitle(c) {
    if (c.note) return c.note;
    if (!isNum(c.good)) return 'No threshold configured';
    var side = c.direction === 'below' ? 'below ' : 'above ';
    var u = c.unit ? ' ' + c.unit : '';
    return 'good ' + (c.direction === 'below' ? 'from ' : 'up to ') + c.good + u + (isNum(c.critical) ? ', critical ' + side + c.critical + u : '');
  }

  // Cards draw at once from the snapshot (metrics/current); their levels follow when GET dashboard answers.
  var cardData = { current: null, dashboard: null, health: null, poolNote: '' };
  function renderCards(update) {
    Object.assign(cardData, update || {});
    var data = cardData;
    var ul = clear($('cards'));
    var judged = {};
    (data.dashboard ? data.dashboard.cards : []).forEach(function (c) {
      judged[c.metric] = c;
    });
    var snap = data.current && data.current.snapshot;
    var win = data.dashboard ? data.dashboard.window : null;
    var to = win ? Date.parse(win.to) : NaN;
    var windowText = win && isNum(to) ? fmt(win.seconds, '') + ' s to ' + clock(to) : '';
    CARDS.forEach(function (card) {
      var c = card.metric ? judged[card.metric] : null;
      if (card.metric && data.dashboard && !c) return; // switched off (thresholds.<metric>: false)
      var value;
      var lv = 'none';
      var levelText;
      var title;
      var unit = c ? c.unit : card.unit;
      if (card.id === 'health') {
        value = data.health ? data.health.score : undefined;
        lv = (data.health && HEALTH_LEVEL[data.health.status]) || 'none';
        levelText = data.health ? data.health.status : 'no data';
        title = 'Status: ' + levelText;
      } else if (!c) {
        value = snap ? snap[card.snapshot || card.metric] : undefined;
        levelText = card.snapshot ? (isNum(value) ? 'no threshold' : 'no data') : 'judging…';
        title = card.snapshot ? 'Not judged: no threshold for it' : '';
      } else {
        value = c.value;
        lv = LEVELS[c.level] || 'none';
        levelText = c.level === 'no-data' ? (card.id === 'pool' && data.poolNote ? 'no pool' : 'no data') : c.level;
        title = card.id === 'pool' && data.poolNote && !isNum(value) ? data.poolNote : levelTitle(c);
      }
      ul.append(
        el('li', { class: 'card card-' + lv, 'data-card': card.id, title: title || undefined }, [
          el('span', { class: 'card-label', text: c ? c.label : card.label }),
          el('span', { class: 'card-value' }, [
            el('span', { class: 'num', text: fmt(value, unit) }),
            unit && isNum(value) ? el('span', { class: 'unit', text: ' ' + unit }) : null,
          ]),
          el('span', { class: 'card-level', text: levelText }),
          windowText && card.id !== 'health' ? el('time', { class: 'card-window', datetime: new Date(to).toISOString(), text: windowText }) : null,
          card.id === 'health' && data.health && isNum(Date.parse(data.health.timestamp))
            ? el('time', { class: 'card-window', datetime: data.health.timestamp, text: 'at ' + clock(Date.parse(data.health.timestamp)) })
            : null,
        ]),
      );
    });
  }

  // ---------- charts ----------
  // Each series: a label, a colour and how to read it from a history point (null: no value).
  function field(key) {
    return function (p) {
      return isNum(p[key]) ? p[key] : null;
    };
  }
  // Milliseconds of SQL per second of the point's interval: statements × mean time / seconds.
  function dbTimePerSecond(p) {
    return isNum(p.dbQueries) && isNum(p.dbMeanQueryMs) && isNum(p.intervalSeconds) && p.intervalSeconds > 0
      ? (p.dbQueries * p.dbMeanQueryMs) / p.intervalSeconds
      : isNum(p.dbQueries) && p.dbQueries === 0
        ? 0
        : null;
  }
  var CHARTS = [
    {
      title: 'Latency',
      unit: 'ms',
      series: [
        ['p50', '#8da4bf', field('p50Ms')],
        ['p95', '#2f6fdf', field('p95Ms')],
        ['p99', '#a23ad8', field('p99Ms')],
      ],
    },
    {
      title: 'Throughput and errors',
      unit: 'req/s · %',
      series: [
        ['req/s', '#1f9d6a', field('requestsPerSecond')],
        ['errors %', '#d6453d', field('errorRatePercent')],
      ],
    },
    {
      title: 'CPU and memory',
      unit: '%',
      series: [
        ['CPU %', '#e08a00', field('cpuPercent')],
        ['memory %', '#6a5acd', field('memoryPercent')],
      ],
    },
    { title: 'Cache hit rate', unit: '%', series: [['hit rate %', '#0f8fa8', field('cacheHitRatePercent')]] },
    { title: 'Event loop lag, p99', unit: 'ms', series: [['lag p99', '#c2571a', field('eventLoopLagP99Ms')]] },
    {
      title: 'Database time',
      unit: 'ms of SQL per s · mean ms',
      series: [
        ['SQL ms/s', '#2f6fdf', dbTimePerSecond],
        ['mean query ms', '#8da4bf', field('dbMeanQueryMs')],
      ],
    },
  ];

  function pointTime(p) {
    return Date.parse(p.timestamp) / 1000;
  }

  function historyData(body) {
    var points = ((body && body.points) || []).filter(function (p) {
      return isNum(pointTime(p));
    });
    points.sort(function (a, b) {
      return pointTime(a) - pointTime(b);
    });
    var xs = points.map(pointTime);
    return CHARTS.map(function (chart) {
      var data = [xs];
      chart.series.forEach(function (s) {
        data.push(points.map(s[2]));
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
        var holder = el('div', {
          class: 'chart-canvas',
          role: 'img',
          'aria-label':
            chart.title +
            ' over the chosen range: ' +
            chart.series
              .map(function (x) {
                return x[0];
              })
              .join(', '),
        });
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
              return { label: s[0], stroke: s[1], width: 2, spanGaps: true, points: { show: false } };
            }),
          ),
        };
        state.charts.push(new window.uPlot(opts, datasets[i], holder));
      });
      if (window.ResizeObserver && !state.observed) {
        state.observed = true;
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

  // The cards are built once and their figures updated in place each second; a screen reader hears a summary every 10 s.
  function renderLiveCards() {
    var ul = $('live-cards');
    var pts = live.points;
    if (!pts.length) return;
    var last = pts[pts.length - 1];
    var to = new Date(last.t + 1000);
    if (!ul.firstChild) {
      LIVE_CARDS.forEach(function (card) {
        ul.append(
          el('li', { class: 'card card-none', 'data-live-card': card.id }, [
            el('span', { class: 'card-label', text: card.label }),
            el('span', { class: 'card-value' }, [el('span', { class: 'num' }), el('span', { class: 'unit' })]),
            el('time', { class: 'card-level card-window' }),
          ]),
        );
      });
    }
    var said = [];
    LIVE_CARDS.forEach(function (card, i) {
      var w = pts.slice(-card.seconds);
      var value = card.value(w);
      var li = ul.children[i];
      li.querySelector('.num').textContent = fmt(value, card.unit);
      li.querySelector('.unit').textContent = card.unit && isNum(value) ? ' ' + card.unit : '';
      var t = li.querySelector('time');
      t.textContent = 'last ' + w.length + ' s · to ' + clock(to.getTime());
      t.setAttribute('datetime', to.toISOString());
      if (i < 3) said.push(card.label + ' ' + fmt(value, card.unit) + (card.unit && isNum(value) ? ' ' + card.unit : ''));
    });
    if (!live.spokenAt || Date.now() - live.spokenAt >= 10000) {
      live.spokenAt = Date.now();
      $('live-summary').textContent = 'Live, to ' + clock(to.getTime()) + ': ' + said.join(', ') + '.';
    }
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
        var holder = el('div', { class: 'chart-canvas', role: 'img', 'aria-label': chart.title + ', the last five minutes second by second' });
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
      if (window.ResizeObserver && !live.observed) {
        live.observed = true;
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
        if (body) addLivePoints(contract('get live', { status: 200, ok: true, body: body }).body.points);
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
              if (data) addLivePoints(contract('get live', { status: 200, ok: true, body: JSON.parse(data) }).body.points);
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
  var routesView = { body: null, sort: 'requests', desc: true, filter: '', open: {}, requests: {}, openRequests: {} };

  // A request's statements (GET requests/:id): fingerprinted text, no bound values, with their durations.
  function requestStatements(id) {
    var got = routesView.requests[id];
    if (!got) return el('p', { class: 'quiet', role: 'status', text: 'Loading its statements…' });
    if (!got.ok) return el('p', { class: 'quiet', role: 'status', text: failed('Statements not available', got) });
    var b = got.body;
    if (!b.statements.length) return el('p', { class: 'quiet', text: 'It ran no SQL statement.' });
    return el('div', { class: 'request-statements' }, [
      el(
        'ol',
        { class: 'statements' },
        b.statements.map(function (st) {
          return el('li', null, [
            el('span', { class: 'meta', text: fmt(st.durationMs, 'ms') + ' ms' + (st.success ? '' : ' · failed') }),
            el('pre', { class: 'sql-whole' }, [el('code', { text: st.statement })]),
          ]);
        }),
      ),
      b.statementsNotKept > 0 ? el('p', { class: 'meta', text: 'and ' + plural(b.statementsNotKept, 'more statement') + ', not kept.' }) : null,
    ]);
  }

  function toggleRequest(id) {
    routesView.openRequests[id] = !routesView.openRequests[id];
    if (routesView.openRequests[id] && !(routesView.requests[id] && routesView.requests[id].ok)) {
      delete routesView.requests[id];
      api('get requests/{id}', 'requests/' + encodeURIComponent(id)).then(
        function (res) {
          if (res.status === 401) return signedOut();
          routesView.requests[id] = res;
          renderRoutesTable();
        },
        function () {},
      );
    }
    renderRoutesTable();
    var again = document.querySelector('#routes button[data-request="' + id.replace(/["\\]/g, '\\$&') + '"]');
    if (again) again.focus();
  }

  // The route's slowest requests of the last minutes, under its row; each opens its statements.
  function slowestRow(r) {
    var items = r.slowest;
    var list = items.length
      ? el(
          'ol',
          { class: 'slowest' },
          items.map(function (q) {
            var open = !!routesView.openRequests[q.requestId];
            var button = el('button', { type: 'button', class: 'expand', 'aria-expanded': open ? 'true' : 'false', 'data-request': q.requestId }, [
              el('strong', { text: fmt(q.durationMs, 'ms') + ' ms' }),
              ' · ',
              el('time', { datetime: new Date(q.at).toISOString(), text: clock(q.at) }),
              ' · ' + q.status + ' · ' + plural(q.dbQueries, 'statement') + ' (' + fmt(q.dbTimeMs, 'ms') + ' ms) · ',
              el('code', { text: q.requestId, title: 'X-Request-ID' }),
            ]);
            button.addEventListener('click', function () {
              toggleRequest(q.requestId);
            });
            return el('li', null, [button, open ? requestStatements(q.requestId) : null]);
          }),
        )
      : el('p', { class: 'quiet', text: 'No request in the last minutes.' });
    return el('tr', { class: 'route-detail' }, [
      el('td', { colspan: String(ROUTE_COLUMNS.length), class: 'text' }, [
        el('div', { class: 'detail-inner' }, [
          el('p', { class: 'quiet', text: 'Slowest requests of the last 10 minutes; open one for its SQL statements' }),
          list,
        ]),
      ]),
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
    var label = METRIC_LABELS[a.metric] || a.metric || 'Alert';
    var subject = a.job || a.dependency || a.slo || a.route || '';
    return subject ? label + ': ' + subject : label;
  }
  // "3 min 20 s", "2 h 5 min", "12 s".
  function duration(seconds) {
    if (!isNum(seconds) || seconds < 0) return '';
    var s = Math.round(seconds);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : '');
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }

  // Alerts with their lifecycle: first breach, fired, resolved (or firing for how long), flapping; pending ones wait out alerts.forSeconds.
  function renderAlerts(res) {
    var box = $('alerts');
    if (!res.ok) return unavailable(box, res);
    var items = res.body.alerts.slice();
    var pending = res.body.pending || [];
    if (!items.length && !pending.length) return empty(box, 'No alerts in the last 24 hours.');
    items.sort(function (x, y) {
      return (y.status === 'firing') - (x.status === 'firing') || String(y.firedAt).localeCompare(String(x.firedAt));
    });
    var firing = items.filter(function (a) {
      return a.status === 'firing';
    }).length;
    var ul = el('ul', { class: 'items' });
    pending.forEach(function (p) {
      ul.append(
        el('li', { class: 'item sev-' + p.severity, 'data-pending-alert': p.metric }, [
          el('div', { class: 'item-head' }, [
            el('span', { class: 'badge', text: p.severity }),
            el('strong', { text: alertTitle(p) }),
            el('span', { class: 'tag', text: 'pending' }),
          ]),
          el('p', { text: p.message }),
          el('p', {
            class: 'meta',
            text: 'Breaching since ' + when(p.since) + ' · fires once it has lasted ' + duration(p.forSeconds) + ' (now ' + duration(p.heldSeconds) + ')',
          }),
        ]),
      );
    });
    items.slice(0, 20).forEach(function (a) {
      var steps = [];
      if (a.firstSeen !== a.firedAt) steps.push(el('li', null, ['First breach ', el('time', { datetime: a.firstSeen, text: when(a.firstSeen) })]));
      steps.push(el('li', null, ['Fired ', el('time', { datetime: a.firedAt, text: when(a.firedAt) })]));
      steps.push(
        a.resolvedAt
          ? el('li', null, ['Resolved ', el('time', { datetime: a.resolvedAt, text: when(a.resolvedAt) }), ' after ' + duration(a.durationSeconds)])
          : el('li', null, ['Firing for ' + duration(a.durationSeconds) + ' · last breach ', el('time', { datetime: a.lastSeen, text: when(a.lastSeen) })]),
      );
      ul.append(
        el('li', { class: 'item sev-' + a.severity + (a.status === 'firing' ? ' firing' : ''), 'data-alert': a.id }, [
          el('div', { class: 'item-head' }, [
            el('span', { class: 'badge', text: a.severity }),
            el('strong', { text: alertTitle(a) }),
            el('span', { class: 'tag', text: a.status === 'firing' ? 'firing' : 'resolved' }),
            a.flapping
              ? el('span', {
                  class: 'tag',
                  title: 'It resolved and fired again soon after: kept as one alert',
                  text: 'flapping · ' + plural(a.transitions, 'change'),
                })
              : null,
          ]),
          el('p', { text: a.message }),
          el('ol', { class: 'lifecycle', 'aria-label': 'Lifecycle' }, steps),
          el('p', {
            class: 'meta',
            text: 'value ' + fmt(a.value, '') + ' (threshold ' + fmt(a.threshold, '') + ') · ' + plural(a.count, 'breaching snapshot'),
          }),
        ]),
      );
    });
    clear(box).append(
      el('p', {
        class: 'meta',
        text: plural(firing, 'alert') + ' firing, ' + (items.length - firing) + ' resolved' + (pending.length ? ', ' + pending.length + ' pending' : ''),
      }),
      ul,
    );
  }

  // A time of today as hh:mm:ss, another day's with its date.
  function shortWhen(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    var today = new Date().toDateString() === d.toDateString();
    return today ? clock(d.getTime()) : d.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  }

  // Jobs: status, last run, failures, next run.
  var JOB_LEVEL = { failure: 'critical', running: 'info', success: 'good', never: 'none' };
  function renderJobs(res) {
    var box = $('jobs');
    if (!res.ok) return unavailable(box, res);
    var jobs = res.body.jobs;
    if (!jobs.length) return empty(box, 'No job tracked (mark a scheduled method with @TrackJob()).');
    var head = el('tr', null, [
      el('th', { scope: 'col', class: 'text', text: 'Job' }),
      el('th', { scope: 'col', class: 'text', text: 'Status' }),
      el('th', { scope: 'col', text: 'Runs' }),
      el('th', { scope: 'col', text: 'Failures' }),
      el('th', { scope: 'col', class: 'text', text: 'Last run' }),
      el('th', { scope: 'col', class: 'text', text: 'Next run' }),
    ]);
    var body = el(
      'tbody',
      null,
      jobs.map(function (j) {
        var status = j.overdue ? 'overdue' : j.status;
        return el('tr', { 'data-job': j.name }, [
          el('th', { scope: 'row', class: 'text' }, [el('code', { text: j.name })]),
          el('td', { class: 'text' }, [
            el('span', { class: 'pill pill-' + (j.overdue ? 'warning' : JOB_LEVEL[j.status] || 'none'), text: status }),
            j.lastError ? el('span', { class: 'meta block', text: j.lastError.message }) : null,
          ]),
          el('td', { 'data-col': 'runs', text: fmt(j.runs, '') }),
          el('td', { 'data-col': 'failures', text: fmt(j.failures, '') }),
          el('td', { class: 'text' }, [j.lastRunAt ? el('time', { datetime: j.lastRunAt, title: when(j.lastRunAt), text: shortWhen(j.lastRunAt) }) : 'never']),
          el('td', { class: 'text' }, [j.nextRunAt ? el('time', { datetime: j.nextRunAt, title: when(j.nextRunAt), text: shortWhen(j.nextRunAt) }) : '–']),
        ]);
      }),
    );
    clear(box).append(
      el('div', { class: 'table-wrap flat' }, [
        el('table', { class: 'grid-table' }, [el('caption', { class: 'sr-only', text: 'Tracked jobs' }), el('thead', null, [head]), body]),
      ]),
    );
  }

  // The newest load sweep (nestjs-performance load --sweep): each level, the highest meeting the KPIs, the knee.
  function renderSweep(res) {
    var box = $('sweep');
    if (!res.ok) return unavailable(box, res);
    var run = res.body.latestSweep;
    var sweep = run && run.sweep;
    if (!sweep)
      return empty(box, run ? 'A sweep is starting; its first level is still running.' : 'No sweep yet: run nestjs-performance load --sweep 1,5,10,25,50,100.');
    var knee = sweep.knee;
    var head = el('tr', null, [
      el('th', { scope: 'col', text: 'Users' }),
      el('th', { scope: 'col', text: 'req/s' }),
      el('th', { scope: 'col', text: 'p50 ms' }),
      el('th', { scope: 'col', text: 'p95 ms' }),
      el('th', { scope: 'col', text: 'p99 ms' }),
      el('th', { scope: 'col', text: 'Errors' }),
      el('th', { scope: 'col', class: 'text', text: 'KPIs' }),
    ]);
    var body = el(
      'tbody',
      null,
      sweep.levels.map(function (l) {
        return el('tr', { 'data-users': String(l.connections) }, [
          el('th', { scope: 'row', text: fmt(l.connections, '') }),
          el('td', { 'data-col': 'rps', text: fmt(l.requestsPerSecond, '') }),
          el('td', { 'data-col': 'p50', text: fmt(l.latencyMs.p50, 'ms') }),
          el('td', { 'data-col': 'p95', text: fmt(l.latencyMs.p95, 'ms') }),
          el('td', { 'data-col': 'p99', text: fmt(l.latencyMs.p99, 'ms') }),
          el('td', { 'data-col': 'errors', text: fmt(l.failedRequests, '') }),
          el('td', { class: 'text' }, [
            el('span', { class: 'pill pill-' + (l.meetsKpis ? 'good' : 'critical'), text: l.meetsKpis ? 'pass' : 'fail: ' + l.failedKpis.join(', ') }),
          ]),
        ]);
      }),
    );
    var summary =
      (run.status === 'running' ? 'Running since ' : 'Started ') +
      when(run.startedAt) +
      ' · meets the KPIs up to ' +
      (sweep.maxLevelMeetingKpis === null ? 'no level' : fmt(sweep.maxLevelMeetingKpis, '') + ' users') +
      ' · ' +
      (knee
        ? 'knee at ' + fmt(knee.connections, '') + ' users (p95 ' + fmt(knee.p95Ms, 'ms') + ' ms against ' + fmt(knee.baselineP95Ms, 'ms') + ' ms)'
        : 'no knee within its levels');
    clear(box).append(
      el('p', { class: 'meta', 'data-sweep-summary': '', text: summary }),
      el('div', { class: 'table-wrap flat' }, [
        el('table', { class: 'grid-table' }, [el('caption', { class: 'sr-only', text: 'Levels of the newest load sweep' }), el('thead', null, [head]), body]),
      ]),
    );
  }

  // SLOs: per objective the SLI, the error budget left and the burn rates (fast burn: 1h and 5m above 14.4).
  function sloState(o) {
    var b = o.burnRates || {};
    if (!isNum(o.errorBudget.remainingPercent)) return ['none', 'no data'];
    if (b['1h'] > 14.4 && b['5m'] > 14.4) return ['critical', 'fast burn'];
    if (b['6h'] > 6 && b['30m'] > 6) return ['warning', 'slow burn'];
    if (o.errorBudget.remainingPercent < 0) return ['critical', 'budget spent'];
    return ['good', 'ok'];
  }
  function sloNum(v, digits, suffix) {
    return isNum(v) ? v.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 }) + suffix : '–';
  }
  function renderSlos(res) {
    var box = $('slos');
    if (res.status === 404) return empty(box, 'No SLO declared (the slos option of the module).');
    if (!res.ok) return unavailable(box, res);
    var rows = [];
    res.body.slos.forEach(function (s) {
      s.objectives.forEach(function (o) {
        rows.push({ slo: s, o: o });
      });
    });
    if (!rows.length) return empty(box, 'No SLO declared (the slos option of the module).');
    var head = el('tr', null, [
      el('th', { scope: 'col', class: 'text', text: 'SLO' }),
      el('th', { scope: 'col', class: 'text', text: 'Objective' }),
      el('th', { scope: 'col', text: 'SLI' }),
      el('th', { scope: 'col', text: 'Budget left' }),
      el('th', { scope: 'col', text: 'Burn 1h' }),
      el('th', { scope: 'col', text: 'Burn 6h' }),
      el('th', { scope: 'col', class: 'text', text: 'State' }),
    ]);
    var body = el(
      'tbody',
      null,
      rows.map(function (r) {
        var o = r.o;
        var state = sloState(o);
        var objective = o.objective === 'latency' ? o.targetPercent + ' % within ' + o.thresholdMs + ' ms' : o.targetPercent + ' % without 5xx';
        return el('tr', { 'data-slo': r.slo.name, 'data-objective': o.objective }, [
          el('th', { scope: 'row', class: 'text' }, [el('code', { text: r.slo.name }), el('span', { class: 'meta block', text: r.slo.windowDays + ' days' })]),
          el('td', { class: 'text', text: objective }),
          el('td', { 'data-col': 'sli', text: sloNum(o.sliPercent, 3, ' %') }),
          el('td', { 'data-col': 'budget', text: sloNum(o.errorBudget.remainingPercent, 1, ' %') }),
          el('td', { 'data-col': 'burn-1h', text: sloNum(o.burnRates['1h'], 2, '×') }),
          el('td', { 'data-col': 'burn-6h', text: sloNum(o.burnRates['6h'], 2, '×') }),
          el('td', { class: 'text' }, [el('span', { class: 'pill pill-' + state[0], text: state[1] })]),
        ]);
      }),
    );
    clear(box).append(
      el('div', { class: 'table-wrap flat' }, [
        el('table', { class: 'grid-table' }, [el('caption', { class: 'sr-only', text: 'Service level objectives' }), el('thead', null, [head]), body]),
      ]),
    );
  }

  // Health checks: each indicator with its status and its details.
  var CHECK_LEVEL = { up: 'good', degraded: 'warning', down: 'critical' };
  function detailText(v) {
    if (v === null || v === undefined) return '–';
    if (typeof v === 'object') return JSON.stringify(v);
    return isNum(v) ? fmt(v, '') : String(v);
  }
  function renderHealth(res) {
    var box = $('health');
    if (!res.ok) return unavailable(box, res);
    var details = res.body.checks.details;
    var names = Object.keys(details);
    if (!names.length) return empty(box, 'No health check configured.');
    var ul = el('ul', { class: 'items checks' });
    names.forEach(function (name) {
      var d = details[name];
      var rows = Object.keys(d)
        .filter(function (k) {
          return k !== 'status';
        })
        .map(function (k) {
          return el('div', null, [el('dt', { text: k }), el('dd', { text: detailText(d[k]) })]);
        });
      ul.append(
        el('li', { class: 'item', 'data-check': name }, [
          el('div', { class: 'item-head' }, [
            el('strong', { text: name }),
            el('span', { class: 'pill pill-' + (CHECK_LEVEL[d.status] || 'none'), text: d.status }),
          ]),
          rows.length ? el('dl', { class: 'details' }, rows) : null,
        ]),
      );
    });
    clear(box).append(
      el('p', { class: 'meta', text: 'Score ' + fmt(res.body.score, '/100') + ' of 100 · ' + res.body.status + ' · ' + plural(names.length, 'check') }),
      ul,
    );
  }

  // optimize/:id answers 200 { applied, detail, revert }, or an error whose message says why.
  function renderOptimizeResult(box, res) {
    clear(box);
    var b = res.body || {};
    if (res.ok && b.applied) {
      box.append(el('p', { class: 'result result-ok', role: 'status', text: 'Applied. ' + (b.detail || '') }));
      if (b.revert) box.append(el('p', { class: 'meta', text: 'To undo: ' }), codeBlock(b.revert, 'Copy the statement that undoes it'));
    } else {
      box.append(el('p', { class: 'result result-error', role: 'status', text: failed('Not applied', res) }));
    }
  }

  // A manual step: its words, and its code (a statement, a migration) as a block with Copy.
  function stepItem(step) {
    var text = String(step);
    var nl = text.indexOf('\n');
    if (nl !== -1) return el('li', null, [el('span', { text: text.slice(0, nl) }), codeBlock(text.slice(nl + 1), 'Copy this code')]);
    var run = /^(Run:)\s+(.+)$/.exec(text);
    if (run) return el('li', null, [el('span', { text: run[1] }), codeBlock(run[2], 'Copy this statement')]);
    return el('li', { text: text });
  }

  function renderRecommendations(res) {
    var box = $('recommendations');
    if (!res.ok) return unavailable(box, res);
    var items = res.body.recommendations;
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
      var id = r.id;
      var action = r.action;
      var result = el('div', { class: 'apply-result', 'aria-live': 'polite' });
      // Keep an answer already shown for this recommendation across refreshes.
      if (state.answers[id]) renderOptimizeResult(result, state.answers[id]);
      var actions = null;
      if (action.automatic) {
        // Only what the app can apply itself gets a button.
        var button = el('button', { type: 'button', class: 'btn btn-primary', 'data-apply': id, 'aria-label': 'Apply: ' + r.title, text: 'Apply' });
        button.addEventListener('click', function () {
          button.disabled = true;
          button.textContent = 'Applying…';
          api('post optimize/{id}', 'optimize/' + encodeURIComponent(id), { method: 'POST' }).then(
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
        actions = el('div', { class: 'actions' }, [
          button,
          el('span', { class: 'meta', text: 'Runs it now; the applied optimizations list it with how to undo it.' }),
        ]);
      }
      ul.append(
        el('li', { class: 'item sev-' + r.severity, 'data-recommendation': id }, [
          el('div', { class: 'item-head' }, [
            el('span', { class: 'badge', text: r.severity }),
            el('strong', { text: r.title }),
            el('span', { class: 'tag', text: r.category }),
            el('span', { class: 'tag', text: action.automatic ? 'can be applied here' : 'manual' }),
          ]),
          el('p', { text: r.description }),
          action.summary ? el('p', { class: 'meta', text: action.summary }) : null,
          action.automatic && action.sql ? codeBlock(action.sql, 'Copy the statement') : null,
          !action.automatic && action.steps.length
            ? el('details', { class: 'manual' }, [
                el('summary', { text: 'How to apply it (' + plural(action.steps.length, 'step') + ')' }),
                el('ol', { class: 'steps' }, action.steps.map(stepItem)),
              ])
            : null,
          actions,
          result,
        ]),
      );
    });
    clear(box).append(ul);
  }

  function codeBlock(code, label) {
    var node = el('code', { text: code });
    var copy = el('button', { type: 'button', class: 'btn btn-small', text: 'Copy', 'aria-label': label || 'Copy' });
    copy.addEventListener('click', function () {
      var done = function () {
        copy.textContent = 'Copied';
        setTimeout(function () {
          copy.textContent = 'Copy';
        }, 1500);
      };
      var select = function () {
        var range = document.createRange();
        range.selectNodeContents(node);
        var sel = getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        copy.textContent = 'Selected: press Ctrl+C';
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(code).then(done, select);
      else select();
    });
    return el('div', { class: 'code' }, [el('pre', { tabindex: '0' }, [node]), copy]);
  }

  // Transaction control and session statements: not the app's work, left out of the slowest list.
  var CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|SAVEPOINT|RELEASE(\s+SAVEPOINT)?|SET\s|SHOW\s|END\b)/i;

  // A statement as the lists show it: two lines, the whole text (asked for when the list cut it) on expand.
  var wholeStatements = {};
  function sqlText(statement, fingerprint) {
    var cut = /… \(\d+ characters\)$/.test(statement);
    var code = el('code', { text: wholeStatements[fingerprint] || statement });
    var details = el('details', { class: 'sql' }, [
      el('summary', null, [el('span', { class: 'sql-head', text: statement.split('\n')[0] })]),
      el('pre', { class: 'sql-whole', tabindex: '0' }, [code]),
    ]);
    if (cut && fingerprint) {
      details.addEventListener('toggle', function () {
        if (!details.open || wholeStatements[fingerprint]) return;
        api('get query-performance', 'query-performance?fingerprint=' + encodeURIComponent(fingerprint)).then(
          function (res) {
            var st = res.ok && res.body.statements[0];
            if (!st) return;
            wholeStatements[fingerprint] = st.statement;
            code.textContent = st.statement;
          },
          function () {},
        );
      });
    }
    return details;
  }

  function renderQueries(res) {
    var slow = $('slow-queries');
    var n1 = $('n1');
    if (!res.ok) {
      unavailable(slow, res);
      unavailable(n1, res);
      return;
    }
    var b = res.body;
    var control = 0;
    var statements = b.statements
      .filter(function (st) {
        if (!CONTROL.test(st.statement)) return true;
        control++;
        return false;
      })
      .sort(function (x, y) {
        return y.meanMs - x.meanMs;
      })
      .slice(0, 8);
    if (!statements.length) empty(slow, 'No statements observed yet.');
    else {
      var rows = el(
        'ul',
        { class: 'items' },
        statements.map(function (st) {
          var outside = !st.routes.length;
          return el('li', { class: 'item' + (outside ? ' outside' : ''), 'data-statement': st.fingerprint }, [
            el('div', { class: 'item-head' }, [
              el('strong', { class: 'num', text: fmt(st.meanMs, 'ms') + ' ms' }),
              el('span', { class: 'meta', text: 'mean · p95 ' + fmt(st.p95Ms, 'ms') + ' ms · ' + plural(st.calls, 'call') + ' · ' + st.database }),
              outside ? el('span', { class: 'tag', title: 'Ran outside any request: start-up, seeding, jobs', text: 'outside requests' }) : null,
            ]),
            st.routes.length ? el('p', { class: 'meta routes-of', text: 'Route' + (st.routes.length === 1 ? ': ' : 's: ') + st.routes.join(', ') }) : null,
            sqlText(st.statement, st.fingerprint),
          ]);
        }),
      );
      clear(slow).append(rows);
      var notes = [];
      if (control) notes.push(plural(control, 'transaction statement') + ' (BEGIN, COMMIT, …) left out.');
      notes.push(plural(b.slowQueries.count, 'statement') + ' slower than ' + b.slowQueries.thresholdMs + ' ms so far.');
      slow.append(el('p', { class: 'meta', text: notes.join(' ') }));
    }
    // The same pattern repeats on every request of a route: one row per route and statement, counted over the findings listed.
    var groups = [];
    var byKey = {};
    b.n1.recent.forEach(function (f) {
      var key = (f.route || '') + ' ' + f.fingerprint;
      var g = byKey[key];
      if (!g) {
        g = byKey[key] = { finding: f, requests: 0, most: 0, last: f.at };
        groups.push(g);
      }
      g.requests++;
      if (f.count > g.most) g.most = f.count;
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
              el('span', { class: 'badge', text: 'up to ' + g.most + '× per request' }),
              el('strong', { text: f.route || 'outside a route' }),
            ]),
            sqlText(f.statement, f.fingerprint),
            el('p', { class: 'meta', text: plural(g.requests, 'request') + ' of the latest ' + b.n1.recent.length + ' · last ' + when(g.last) }),
          ]),
        );
      });
      clear(n1).append(ul);
      n1.append(
        el('p', {
          class: 'meta',
          text:
            plural(b.n1.count, 'request') +
            ' with an N+1 pattern since start (a statement run more than ' +
            b.n1.threshold +
            ' times in one request); the latest ' +
            b.n1.recent.length +
            ' are grouped above.',
        }),
      );
    }
  }

  function renderIndexes(res) {
    var box = $('indexes');
    if (!res.ok) return unavailable(box, res);
    var suggestions = [];
    res.body.databases.forEach(function (d) {
      suggestions = suggestions.concat(d.suggestions);
    });
    if (!suggestions.length) return empty(box, 'No index suggestions.');
    var ul = el('ul', { class: 'items' });
    suggestions.slice(0, 10).forEach(function (s) {
      ul.append(
        el('li', { class: 'item' }, [
          el('div', { class: 'item-head' }, [el('strong', { text: s.table + ' (' + s.columns.join(', ') + ')' })]),
          el('p', { text: s.reason }),
          codeBlock(s.createIndex, 'Copy the CREATE INDEX statement'),
        ]),
      );
    });
    clear(box).append(ul);
  }

  // The mean time of an optimization's statements (weighted by calls), before it or since; undefined without calls.
  function optimizationMean(o, phase) {
    var calls = 0;
    var total = 0;
    o.statements.forEach(function (st) {
      var f = st[phase];
      if (!f || f.calls <= 0) return;
      calls += f.calls;
      total += f.calls * f.meanMs;
    });
    return calls ? total / calls : undefined;
  }

  // optimizations answers { total, optimizations }, newest first.
  function renderOptimizations(res) {
    var box = $('optimizations');
    if (!res.ok) return unavailable(box, res);
    var items = res.body.optimizations;
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
        el('li', { class: 'item ' + (failed ? 'sev-error' : 'sev-info'), 'data-optimization': o.id }, [
          el('div', { class: 'item-head' }, [
            el('span', { class: 'badge', text: failed ? 'failed' : 'applied' }),
            el('strong', { text: o.title }),
            el('span', { class: 'tag', text: o.action }),
          ]),
          el('p', { class: 'meta', text: when(o.appliedAt) + (o.database ? ' · ' + o.database : '') + ' · took ' + fmt(o.durationMs, 'ms') + ' ms' }),
          o.sql ? codeBlock(o.sql, 'Copy the statement it ran') : null,
          el('p', { class: failed ? 'result result-error' : 'result result-ok', text: o.detail }),
          timing ? el('p', { class: 'meta', 'data-timing': '', text: timing }) : null,
          o.revert ? el('p', { class: 'meta', text: 'To undo: ' + o.revert }) : null,
        ]),
      );
    });
    clear(box).append(ul);
  }

  // cache-stats counts hits, stale hits and misses; the rate is over lookups.
  function namespaceRate(n) {
    var lookups = n.hits + n.stale + n.misses;
    return lookups ? ((n.hits + n.stale) / lookups) * 100 : undefined;
  }

  function renderCache(res) {
    var box = $('cache');
    if (!res.ok) return unavailable(box, res);
    var names = Object.keys(res.body.namespaces);
    if (!names.length) return empty(box, 'No cache namespaces yet.');
    var ul = el('ul', { class: 'items ns' });
    names.forEach(function (name) {
      var n = res.body.namespaces[name];
      var rate = namespaceRate(n);
      // The answer of a clear stays across refreshes.
      var result = el('span', { class: 'meta', 'aria-live': 'polite', text: state.cleared[name] || '' });
      var actions = el('div', { class: 'actions' });
      // cache-stats says which namespaces cache/clear can clear, and why not: no button for the others.
      if (!n.clearable) {
        actions.append(
          el('span', {
            class: 'meta',
            'data-not-clearable': name,
            text: 'Not clearable here: ' + (n.notClearableReason || 'cache/clear does not clear it') + '.',
          }),
        );
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
            api('post cache/clear', 'cache/clear?namespace=' + encodeURIComponent(name), { method: 'POST' }).then(
              function (r) {
                if (r.status === 401) return signedOut();
                var removed = r.ok ? r.body.removed : null;
                result.textContent = state.cleared[name] = r.ok
                  ? 'Cleared' + (isNum(removed) && removed > 0 ? ' ' + plural(removed, 'entry', 'entries') : '') + '.'
                  : failed('Not cleared', r);
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
            el('span', { class: 'meta', text: plural(n.hits + n.stale, 'hit') + ' · ' + plural(n.misses, 'miss', 'misses') }),
          ]),
          rate !== undefined ? el('meter', { min: '0', max: '100', value: String(rate), 'aria-label': name + ' hit rate' }) : null,
          actions,
          result,
        ]),
      );
    });
    clear(box).append(ul);
  }

  // ---------- fleet: the instances that share the history store ----------
  // Shown when more than one instance wrote snapshots in the last hour. Its
  // selector charts one instance in History (metrics/history?instance=…).
  function fleetParts() {
    if ($('fleet')) return;
    var historySection = $('h-history').parentNode;
    while (historySection && historySection.tagName !== 'SECTION') historySection = historySection.parentNode;
    if (!historySection) return;
    var section = el('section', { id: 'fleet-section', 'aria-labelledby': 'h-fleet', hidden: true }, [
      el('h2', { id: 'h-fleet', text: 'Fleet' }),
      el('p', { id: 'fleet-summary', class: 'meta' }),
      el('div', { id: 'fleet' }),
      el('div', { id: 'fleet-alerts' }),
    ]);
    historySection.parentNode.insertBefore(section, historySection);
    var select = el('select', {
      id: 'fleet-instance',
      on: {
        change: function (e) {
          state.instance = e.target.value;
          refresh();
        },
      },
    });
    var pick = el('label', { id: 'fleet-pick', class: 'filter fleet-pick', hidden: true }, [el('span', { text: 'Instance' }), select]);
    var range = historySection.querySelector('fieldset');
    if (range) range.after(pick);
    else historySection.append(pick);
  }

  // A number with its unit, or a dash.
  function fleetFmt(v, unit) {
    return isNum(v) ? fmt(v, unit) + unit : '–';
  }

  function fleetRow(i) {
    var w = i.window;
    var l = i.latest;
    var tags = [];
    if (i.self) tags.push(el('span', { class: 'pill pill-info', text: 'this one' }));
    if (i.stale) tags.push(el('span', { class: 'pill pill-warning', text: 'stale' }));
    return el('tr', { 'data-instance': i.instanceId, class: i.stale ? 'stale' : null }, [
      el('th', { scope: 'row', class: 'text' }, [el('code', { text: i.instanceId })].concat(tags)),
      el('td', { class: 'text' }, [
        l ? el('time', { datetime: l.timestamp, text: clock(Date.parse(l.timestamp)) }) : '–',
        isNum(i.ageSeconds) ? el('span', { class: 'meta block', text: duration(i.ageSeconds) + ' ago' }) : null,
      ]),
      el('td', { 'data-col': 'rps', text: l ? fmt(l.requestsPerSecond, '') : '–' }),
      el('td', { 'data-col': 'requests', text: fmt(w.requests, '') }),
      el('td', { 'data-col': 'errors', text: fmt(w.errors, '') + (w.errors ? ' (' + fleetFmt(w.errorRatePercent, '%') + ')' : '') }),
      el('td', { 'data-col': 'p50', text: fleetFmt(w.p50Ms, ' ms') }),
      el('td', { 'data-col': 'p95', text: fleetFmt(w.p95Ms, ' ms') }),
      el('td', { 'data-col': 'p99', text: fleetFmt(w.p99Ms, ' ms') }),
      el('td', { 'data-col': 'cpu', text: l ? fleetFmt(l.cpuPercent, '%') : '–' }),
      el('td', { 'data-col': 'rss', text: l ? fleetFmt(l.rssMb, ' MB') : '–' }),
      el('td', { 'data-col': 'alerts' }, [i.firingAlerts ? el('span', { class: 'pill pill-critical', text: fmt(i.firingAlerts, '') }) : '0']),
    ]);
  }

  function renderFleet(res) {
    fleetParts();
    var section = $('fleet-section');
    if (!section) return;
    var fleet = res.ok ? res.body : null;
    var many = !!fleet && fleet.instances.length > 1;
    section.hidden = !many;
    $('fleet-pick').hidden = !many;
    var ids = fleet
      ? fleet.instances.map(function (i) {
          return i.instanceId;
        })
      : [];
    if (fleet && state.instance && ids.indexOf(state.instance) < 0) {
      // The instance charted left the window: back to this one.
      state.instance = '';
      if (many) refresh();
    }
    if (!many) return;
    // The options are rebuilt only when they change, so a list open in the browser stays open between refreshes.
    var select = $('fleet-instance');
    var labels = fleet.instances.map(function (i) {
      return i.instanceId + (i.self ? ' (this one)' : i.stale ? ' (stale)' : '');
    });
    if (select.getAttribute('data-options') !== labels.join('\n')) {
      clear(select);
      fleet.instances.forEach(function (i, n) {
        select.append(el('option', { value: i.self ? '' : i.instanceId, text: labels[n] }));
      });
      select.setAttribute('data-options', labels.join('\n'));
    }
    select.value = state.instance || '';

    var t = fleet.window;
    var now = fleet.current;
    var span = 'last ' + plural(fleet.hours, 'hour') + ' · to ' + clock(Date.parse(fleet.to));
    $('fleet-summary').textContent =
      'Now: ' +
      plural(now.instances, 'live instance') +
      ', ' +
      fleetFmt(now.requestsPerSecond, ' req/s') +
      ', p95 ' +
      fleetFmt(now.p95Ms, ' ms') +
      ' · ' +
      span +
      ': ' +
      plural(t.requests, 'request') +
      ', ' +
      plural(t.errors, 'error') +
      ' (' +
      fleetFmt(t.errorRatePercent, '%') +
      '). Percentiles merged from every instance’s histogram; stale after ' +
      duration(fleet.staleAfterSeconds) +
      ' without a snapshot.';

    var head = el('tr', null, [
      el('th', { scope: 'col', class: 'text', text: 'Instance' }),
      el('th', { scope: 'col', class: 'text', text: 'Latest snapshot' }),
      el('th', { scope: 'col', text: 'Req/s' }),
      el('th', { scope: 'col', text: 'Requests' }),
      el('th', { scope: 'col', text: 'Errors' }),
      el('th', { scope: 'col', text: 'p50' }),
      el('th', { scope: 'col', text: 'p95' }),
      el('th', { scope: 'col', text: 'p99' }),
      el('th', { scope: 'col', text: 'CPU' }),
      el('th', { scope: 'col', text: 'RSS' }),
      el('th', { scope: 'col', text: 'Alerts' }),
    ]);
    var total = el('tr', { 'data-instance': '' }, [
      el('th', { scope: 'row', class: 'text', text: 'Fleet' }),
      el('td', { class: 'text', text: span }),
      el('td', { 'data-col': 'rps', text: fmt(t.requestsPerSecond, '') }),
      el('td', { 'data-col': 'requests', text: fmt(t.requests, '') }),
      el('td', { 'data-col': 'errors', text: fmt(t.errors, '') + (t.errors ? ' (' + fleetFmt(t.errorRatePercent, '%') + ')' : '') }),
      el('td', { 'data-col': 'p50', text: fleetFmt(t.p50Ms, ' ms') }),
      el('td', { 'data-col': 'p95', text: fleetFmt(t.p95Ms, ' ms') }),
      el('td', { 'data-col': 'p99', text: fleetFmt(t.p99Ms, ' ms') }),
      el('td', { text: '' }),
      el('td', { text: '' }),
      el('td', { 'data-col': 'alerts', text: fmt(fleet.alerts.firing, '') }),
    ]);
    clear($('fleet')).append(
      el('div', { class: 'table-wrap flat' }, [
        el('table', { class: 'grid-table' }, [
          el('caption', { class: 'sr-only', text: 'Instances sharing the history store, with their totals over the ' + span }),
          el('thead', null, [head]),
          el('tbody', null, fleet.instances.map(fleetRow)),
          el('tfoot', null, [total]),
        ]),
      ]),
    );

    var alertsBox = clear($('fleet-alerts'));
    if (!fleet.alerts.open.length) return;
    alertsBox.append(
      el('p', { class: 'meta', text: plural(fleet.alerts.firing, 'alert') + ' firing across the fleet' }),
      el(
        'ul',
        { class: 'items' },
        fleet.alerts.open.slice(0, 20).map(function (a) {
          return el('li', { class: 'item sev-' + a.severity + ' firing', 'data-alert': a.id, 'data-instance': a.instanceId }, [
            el('div', { class: 'item-head' }, [el('span', { class: 'badge', text: a.severity }), el('code', { text: a.instanceId })]),
            el('p', { text: a.message }),
          ]);
        }),
      ),
    );
  }

  // ---------- refresh cycle ----------
  function refreshMs() {
    var ms = state.config && state.config.refreshIntervalMs;
    return Math.min(Math.max(isNum(ms) ? ms : 5000, 1000), 300000);
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

  // Each section's endpoint (its contract entry in READS) and the path asked.
  var ENDPOINTS = {
    current: ['get metrics/current', 'metrics/current'],
    dashboard: ['get dashboard', 'dashboard'],
    health: ['get health-overview', 'health-overview'],
    pool: ['get connection-pool', 'connection-pool'],
    history: [
      'get metrics/history',
      function () {
        // One instance of the fleet when the Fleet selector names one (fleet above), else this one.
        return 'metrics/history?hours=' + state.hours + (state.instance ? '&instance=' + encodeURIComponent(state.instance) : '');
      },
    ],
    alerts: ['get alerts', 'alerts?hours=24'],
    queries: ['get query-performance', 'query-performance?limit=50'],
    indexes: ['get suggest-indexes', 'suggest-indexes'],
    cache: ['get cache-stats', 'cache-stats'],
    routes: ['get routes', 'routes'],
    optimizations: ['get optimizations', 'optimizations'],
    jobs: ['get jobs/status', 'jobs/status'],
    slos: ['get slos', 'slos'],
    sweep: ['get load-test/status', 'load-test/status'],
    fleet: ['get fleet', 'fleet?hours=1'],
  };
  var NAMES = Object.keys(ENDPOINTS);

  function renderNow(r) {
    notice(null);
    $('main').hidden = false;
    var pools = r.pool.ok ? r.pool.body.pools : [];
    var poolUse = pools
      .map(function (p) {
        return p.utilizationPercent;
      })
      .filter(isNum);
    renderCards({
      current: r.current.ok ? r.current.body : null,
      health: r.health.ok ? r.health.body : null,
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
    renderHealth(r.health);
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
    else renderCharts((state.history = res.ok ? res.body : null));
  }

  // Sections render as their answers arrive; the cards wait for the few fast
  // endpoints they read. "Updated" is set once everything has answered.
  var LATER = {
    history: renderHistory,
    alerts: renderAlerts,
    indexes: renderIndexes,
    routes: renderRoutes,
    optimizations: renderOptimizations,
    jobs: renderJobs,
    slos: renderSlos,
    sweep: renderSweep,
    fleet: renderFleet,
    // GET dashboard: the cards' levels and the recommendations (the advisor runs once per refresh).
    dashboard: function (res) {
      renderCards({ dashboard: res.ok ? res.body : null });
      renderRecommendations(res);
    },
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
    var config = (state.config ? Promise.resolve(null) : api('get dashboard/config', 'dashboard/config')).then(function (cfg) {
      if (cfg) check(cfg);
      if (cfg && cfg.status !== 0) state.config = cfg.ok && cfg.body ? cfg.body : {};
      return cfg;
    });
    var answers = {};
    NAMES.forEach(function (name) {
      var e = ENDPOINTS[name];
      answers[name] = poll(e[0], typeof e[1] === 'function' ? e[1]() : e[1]).then(check);
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
    // The charts take their axis and grid colours when built: rebuilt when the system switches light and dark.
    if (window.matchMedia) {
      var scheme = window.matchMedia('(prefers-color-scheme: dark)');
      var rebuild = function () {
        state.charts.concat(live.charts).forEach(function (u) {
          u.destroy();
        });
        state.charts = [];
        live.charts = [];
        clear($('charts'));
        clear($('live-charts'));
        if (state.history !== undefined) renderCharts(state.history);
        renderLiveCharts();
      };
      if (scheme.addEventListener) scheme.addEventListener('change', rebuild);
    }

    if (state.token) start();
    else {
      notice('info', 'Enter the admin token to see the dashboard.');
      showSignIn();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
