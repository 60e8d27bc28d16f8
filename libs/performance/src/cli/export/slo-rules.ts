import { parseRoutePattern } from '../../core/route-pattern';
import { field, listIn } from '../table-renderer';

/** One objective of an SLO, as `GET slos` lists it. */
export interface SloObjectiveExport {
  objective: 'availability' | 'latency';
  targetPercent: number;
  thresholdMs?: number;
  /** The `le` bound good requests are counted under (latency); null when no bucket is at or below the threshold. */
  metricsBucketSeconds?: number | null;
}

/** One SLO, as `GET slos` lists it. */
export interface SloExport {
  name: string;
  routes: string[];
  windowDays: number;
  objectives: SloObjectiveExport[];
}

/** The burn-rate windows recorded, and the two alerts built on them (Google's SRE workbook, multi-window, multi-burn-rate). */
export const SLO_WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;
export const SLO_ALERTS = [
  { name: 'FastBurn', severity: 'critical', long: '1h', short: '5m', burnRate: 14.4, what: 'fast burn: 2 % of a 30-day budget in an hour' },
  { name: 'SlowBurn', severity: 'warning', long: '6h', short: '30m', burnRate: 6, what: 'slow burn: 5 % of a 30-day budget in six hours' },
] as const;

/** Name of the recording rule of one window: the share of bad requests, per SLO and objective. */
export const sloRecord = (window: string) => `nestjs_performance:slo_error_ratio:rate${window}`;

/** The SLOs of a `GET slos` body, with what the rules need. */
export function slosOf(body: unknown): SloExport[] {
  return listIn(body, 'slos').map((s) => ({
    name: String(field(s, 'name')),
    routes: listIn(s, 'routes').map(String),
    windowDays: Number(field(s, 'windowDays')),
    objectives: listIn(s, 'objectives').map((o) => ({
      objective: field(o, 'objective') === 'latency' ? 'latency' : 'availability',
      targetPercent: Number(field(o, 'targetPercent')),
      ...(field(o, 'thresholdMs') === undefined ? {} : { thresholdMs: Number(field(o, 'thresholdMs')) }),
      ...(field(o, 'metricsBucketSeconds') === undefined ? {} : { metricsBucketSeconds: field(o, 'metricsBucketSeconds') as number | null }),
    })),
  }));
}

/** A PromQL double-quoted string of `text`. */
const promString = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * `[METHOD ]/path/*` as label matchers of the module's HTTP metrics: `method`
 * (unless any) and a `route` regular expression equal to the SLO's matching
 * (`*` any characters; a trailing `/*` the bare path too).
 */
export function routeMatchers(pattern: string): string[] {
  const { method, source } = parseRoutePattern(pattern);
  return [...(method ? [`method="${method}"`] : []), `route=~${promString(source)}`];
}

/** `rate(metric{...}[w])` over every route pattern of the SLO, summed once (`or` joins the patterns' series). */
function summedRate(metric: string, slo: SloExport, selector: string, extra: string[], window: string): string {
  const parts = slo.routes.map((route) => `rate(${metric}{${[selector, ...routeMatchers(route), ...extra].filter(Boolean).join(',')}}[${window}])`);
  return `sum(${parts.join(' or ')})`;
}

/** The bad share of one objective over one window, as PromQL over the module's metrics; null when it has none. */
export function errorRatioExpr(slo: SloExport, o: SloObjectiveExport, selector: string, window: string): string | null {
  if (o.objective === 'availability') {
    const errors = summedRate('http_requests_total', slo, selector, ['status_code=~"5.."'], window);
    return `(${errors} or vector(0)) / ${summedRate('http_requests_total', slo, selector, [], window)}`;
  }
  if (o.metricsBucketSeconds === null || o.metricsBucketSeconds === undefined) return null;
  const good = summedRate('http_request_duration_seconds_bucket', slo, selector, [`le="${o.metricsBucketSeconds}"`], window);
  return `1 - (${good} / ${summedRate('http_request_duration_seconds_count', slo, selector, [], window)})`;
}

const objectiveLabel = (o: SloObjectiveExport) =>
  o.objective === 'availability' ? `availability ${o.targetPercent}%` : `latency ${o.targetPercent}% within ${o.thresholdMs} ms`;

/**
 * The YAML lines of the SLO group: per SLO and objective, one recording rule
 * per window (the share of bad requests) and the fast-burn and slow-burn
 * alerts over them. A latency objective whose threshold is below every
 * `http_request_duration_seconds` bucket is skipped with a comment (its good
 * requests cannot be counted from the histogram).
 */
export function sloRuleLines(slos: readonly SloExport[], selector: string, quote: (text: string) => string): string[] {
  if (slos.length === 0) return [];
  const lines: string[] = [];
  const rules: string[] = [];
  for (const slo of slos) {
    for (const o of slo.objectives) {
      if (errorRatioExpr(slo, o, selector, '5m') === null) {
        lines.push(
          `# not exported: SLO ${slo.name} ${objectiveLabel(o)}: no http_request_duration_seconds bucket at or below ${o.thresholdMs} ms (add one to metrics.durationBuckets)`,
        );
        continue;
      }
      if (o.objective === 'latency' && o.metricsBucketSeconds! * 1000 !== o.thresholdMs) {
        lines.push(
          `# SLO ${slo.name} ${objectiveLabel(o)}: counted at the ${o.metricsBucketSeconds! * 1000} ms bucket (the largest at or below the threshold)`,
        );
      }
      const labels = [`          slo: ${quote(slo.name)}`, `          objective: ${o.objective}`];
      for (const window of SLO_WINDOWS) {
        rules.push(`      - record: ${sloRecord(window)}`, `        expr: ${quote(errorRatioExpr(slo, o, selector, window)!)}`, '        labels:', ...labels);
      }
      const allowed = Number(((100 - o.targetPercent) / 100).toPrecision(6));
      const series = (window: string) => `${sloRecord(window)}{slo=${promString(slo.name)},objective="${o.objective}"}`;
      for (const alert of SLO_ALERTS) {
        rules.push(
          `      - alert: NestjsPerformanceSlo${alert.name}`,
          `        expr: ${quote(`${series(alert.long)} > (${alert.burnRate} * ${allowed}) and ${series(alert.short)} > (${alert.burnRate} * ${allowed})`)}`,
          '        labels:',
          `          severity: ${alert.severity}`,
          ...labels,
          '        annotations:',
          `          summary: ${quote(`SLO ${slo.name} (${objectiveLabel(o)}): ${alert.what}`)}`,
          `          description: ${quote(
            `SLO ${slo.name} (${objectiveLabel(o)}, ${slo.windowDays} days) spends its error budget over ${alert.burnRate}x the sustainable rate over ${alert.long} and ${alert.short} (the app's slo-burn-rate rule; see <admin>/slos).`,
          )}`,
        );
      }
    }
  }
  if (rules.length === 0) return lines;
  return [...lines, '  - name: nestjs-performance-slos', '    rules:', ...rules];
}
