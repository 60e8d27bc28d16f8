import { errorRatioExpr, SLO_ALERTS, type SloExport } from './slo-rules';
import { withSelector, type ExportConfig, type ThresholdLevels } from './thresholds';

type Target = { expr: string; legendFormat: string };
interface PanelSpec {
  title: string;
  unit: string;
  targets: Target[];
  /** The app's threshold drawn on the panel, converted to the panel's unit by `scale`. */
  threshold?: { metric: string; scale?: number };
  /** Fixed marks drawn instead of an app threshold (the SLO burn-rate alerts). */
  steps?: Array<{ color: string; value: number | null }>;
  description?: string;
}

/**
 * The SLO row: per SLO, the burn rate of each objective over 1h and 6h (the
 * alert levels 6 and 14.4 drawn) and the SLI over the SLO's window.
 */
function sloRow(slos: readonly SloExport[], selector: string): { title: string; panels: PanelSpec[] } {
  const panels: PanelSpec[] = [];
  for (const slo of slos) {
    const objectives = slo.objectives.filter((o) => errorRatioExpr(slo, o, selector, '1h') !== null);
    if (objectives.length === 0) continue;
    const allowed = (o: SloExport['objectives'][number]) => Number(((100 - o.targetPercent) / 100).toPrecision(6));
    panels.push({
      title: `SLO ${slo.name}: error budget burn rate`,
      unit: 'short',
      description: `1 spends exactly the ${slo.windowDays}-day budget; the app alerts on a fast burn (1h and 5m above 14.4) and a slow burn (6h and 30m above 6).`,
      steps: [
        { color: 'green', value: null },
        ...SLO_ALERTS.map((a) => ({ color: a.severity === 'critical' ? 'red' : 'orange', value: a.burnRate })).reverse(),
      ],
      targets: objectives.flatMap((o) =>
        ['1h', '6h'].map((w) => ({ expr: `(${errorRatioExpr(slo, o, selector, w)!}) / ${allowed(o)}`, legendFormat: `${o.objective} ${w}` })),
      ),
    });
    panels.push({
      title: `SLO ${slo.name}: SLI over ${slo.windowDays} days`,
      unit: 'percent',
      description: 'Share of good requests over the window, against each objective.',
      targets: objectives.map((o) => ({
        expr: `100 * (1 - (${errorRatioExpr(slo, o, selector, `${slo.windowDays}d`)!}))`,
        legendFormat: `${o.objective} (objective ${o.targetPercent} %)`,
      })),
    });
  }
  return { title: 'SLOs', panels };
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const RATE = '[$__rate_interval]';

function rows(): Array<{ title: string; panels: PanelSpec[] }> {
  return [
    {
      title: 'HTTP (by route template)',
      panels: [
        {
          title: 'Requests per second by route',
          unit: 'reqps',
          targets: [{ expr: `sum by (route) (rate(http_requests_total{S}${RATE}))`, legendFormat: '{{route}}' }],
        },
        {
          title: 'p95 latency by route',
          unit: 'ms',
          threshold: { metric: 'p95Ms' },
          targets: [
            { expr: `1000 * histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{S}${RATE})))`, legendFormat: '{{route}}' },
          ],
        },
        {
          title: 'Responses by status code',
          unit: 'reqps',
          targets: [{ expr: `sum by (status_code) (rate(http_requests_total{S}${RATE}))`, legendFormat: '{{status_code}}' }],
        },
        {
          title: '5xx error rate',
          unit: 'percent',
          threshold: { metric: 'errorRatePercent' },
          targets: [
            {
              expr: `100 * sum(rate(http_requests_total{S,}status_code=~"5.."}${RATE})) / sum(rate(http_requests_total{S}${RATE}))`,
              legendFormat: '5xx %',
            },
          ],
        },
        { title: 'Requests in flight', unit: 'short', targets: [{ expr: 'sum(http_requests_in_flight{S})', legendFormat: 'in flight' }] },
      ],
    },
    {
      title: 'Database',
      panels: [
        {
          title: 'SQL statements per second',
          unit: 'ops',
          targets: [{ expr: `sum by (operation) (rate(db_queries_total{S}${RATE}))`, legendFormat: '{{operation}}' }],
        },
        {
          title: 'Mean statement duration',
          unit: 'ms',
          threshold: { metric: 'dbMeanQueryMs' },
          targets: [
            {
              expr: `1000 * sum by (operation) (rate(db_query_duration_seconds_sum{S}${RATE})) / sum by (operation) (rate(db_query_duration_seconds_count{S}${RATE}))`,
              legendFormat: '{{operation}}',
            },
          ],
        },
        {
          title: 'Failed statements per second',
          unit: 'ops',
          targets: [{ expr: `sum by (operation) (rate(db_query_errors_total{S}${RATE}))`, legendFormat: '{{operation}}' }],
        },
        {
          title: 'Pool connections',
          unit: 'short',
          targets: [
            { expr: 'max by (pool, state) (db_pool_connections{S})', legendFormat: '{{pool}} {{state}}' },
            { expr: 'max by (pool) (db_pool_waiting_requests{S})', legendFormat: '{{pool}} waiting' },
          ],
        },
        {
          title: 'Pool utilization',
          unit: 'percent',
          threshold: { metric: 'poolUtilizationPercent' },
          targets: [
            {
              expr: '100 * max by (pool) (db_pool_connections{S,}state="busy"}) / max by (pool) (db_pool_connections{S,}state="max"})',
              legendFormat: '{{pool}}',
            },
          ],
        },
        { title: 'N+1 patterns found', unit: 'short', targets: [{ expr: `sum(increase(db_n_plus_one_findings_total{S}${RATE}))`, legendFormat: 'N+1' }] },
      ],
    },
    {
      title: 'Cache',
      panels: [
        {
          title: 'Cache lookups by result',
          unit: 'ops',
          targets: [{ expr: `sum by (status) (rate(cache_lookups_total{S}${RATE}))`, legendFormat: '{{status}}' }],
        },
        {
          title: 'Cache hit rate by namespace',
          unit: 'percent',
          threshold: { metric: 'cacheHitRatePercent' },
          targets: [
            {
              expr: `100 * sum by (namespace) (rate(cache_lookups_total{S,}status="hit"}${RATE})) / sum by (namespace) (rate(cache_lookups_total{S}${RATE}))`,
              legendFormat: '{{namespace}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Event loop and process',
      panels: [
        {
          title: 'Event-loop lag p99',
          unit: 'ms',
          threshold: { metric: 'eventLoopLagP99Ms' },
          targets: [{ expr: '1000 * max(nodejs_eventloop_lag_p99_seconds{S})', legendFormat: 'p99' }],
        },
        {
          title: 'CPU (one core = 100 %)',
          unit: 'percent',
          threshold: { metric: 'cpuPercent' },
          targets: [{ expr: `100 * sum(rate(process_cpu_seconds_total{S}${RATE}))`, legendFormat: 'cpu' }],
        },
        {
          title: 'Memory',
          unit: 'bytes',
          targets: [
            { expr: 'sum(process_resident_memory_bytes{S})', legendFormat: 'rss' },
            { expr: 'sum(nodejs_heap_size_used_bytes{S})', legendFormat: 'heap used' },
          ],
        },
      ],
    },
    {
      title: 'Methods, jobs and alerts',
      panels: [
        {
          title: '@Timed() methods: p95',
          unit: 'ms',
          targets: [
            {
              expr: `1000 * histogram_quantile(0.95, sum by (le, class, method) (rate(method_duration_seconds_bucket{S}${RATE})))`,
              legendFormat: '{{class}}.{{method}}',
            },
          ],
        },
        {
          title: 'Job runs by outcome',
          unit: 'short',
          targets: [{ expr: `sum by (job, status) (increase(job_runs_total{S}${RATE}))`, legendFormat: '{{job}} {{status}}' }],
        },
        {
          title: 'Alerts firing in the app',
          unit: 'short',
          targets: [{ expr: 'sum by (severity) (performance_alerts_firing{S})', legendFormat: '{{severity}}' }],
        },
      ],
    },
  ];
}

const COLORS = { info: 'blue', warning: 'orange', critical: 'red' } as const;

function thresholdSteps(levels: ThresholdLevels | undefined): Array<{ color: string; value: number | null }> {
  if (!levels) return [{ color: 'green', value: null }];
  const marks = (['info', 'warning', 'critical'] as const).filter((l) => levels[l] !== undefined).map((l) => ({ color: COLORS[l], value: levels[l]! }));
  if (levels.direction === 'above') return [{ color: 'green', value: null }, ...marks.sort((a, b) => a.value - b.value)];
  // Below: bad under the mark, green above it.
  const sorted = marks.sort((a, b) => a.value - b.value);
  const steps: Array<{ color: string; value: number | null }> = [{ color: sorted[0]?.color ?? 'green', value: null }];
  sorted.forEach((mark, i) => steps.push({ color: sorted[i + 1]?.color ?? 'green', value: mark.value }));
  return steps;
}

/**
 * A Grafana dashboard (JSON model, schemaVersion 39) of the module's
 * Prometheus metrics: HTTP by route template and status, database, cache,
 * event loop and process, @Timed() methods, jobs and alerts, and with SLOs
 * (`GET slos`) their burn rates and SLIs; the panels with an app threshold
 * draw it (from `dashboard/config`). The Prometheus data source is a
 * dashboard variable, chosen on import.
 */
export function grafanaDashboard(config: ExportConfig, options: { selector: string; title: string; slos?: readonly SloExport[] }): object {
  const panels: object[] = [];
  let id = 1;
  let y = 0;
  const slos = sloRow(options.slos ?? [], options.selector);
  for (const row of [...rows(), ...(slos.panels.length ? [slos] : [])]) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    row.panels.forEach((panel, i) => {
      const x = (i % 3) * 8;
      if (i > 0 && i % 3 === 0) y += 8;
      const levels = panel.threshold ? config.thresholds[panel.threshold.metric] : undefined;
      panels.push({
        id: id++,
        type: 'timeseries',
        title: panel.title,
        ...(levels
          ? { description: `Thresholds: the app's ${panel.threshold!.metric} alert rule.` }
          : panel.description
            ? { description: panel.description }
            : {}),
        datasource: DATASOURCE,
        gridPos: { h: 8, w: 8, x, y },
        fieldConfig: {
          defaults: {
            unit: panel.unit,
            thresholds: { mode: 'absolute', steps: panel.steps ?? thresholdSteps(levels) },
            custom: { thresholdsStyle: { mode: levels || panel.steps ? 'line' : 'off' } },
          },
          overrides: [],
        },
        options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
        targets: panel.targets.map((t, n) => ({
          refId: String.fromCharCode(65 + n),
          datasource: DATASOURCE,
          expr: withSelector(t.expr, options.selector),
          legendFormat: t.legendFormat,
        })),
      });
    });
    y += 8;
  }
  return {
    title: options.title,
    uid: 'nestjs-performance',
    tags: ['nestjs-performance'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }],
    },
    annotations: { list: [] },
    panels,
  };
}
