import { z } from 'zod';
import { ALERT_METRICS, ALERT_SEVERITIES, type AlertMetric, type AlertRuleLevels, type AlertsOptions } from '../alerts.options';
import { option, section, type Checked, type EnvRead, type Frozen, type SameShape } from './option';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  // fetch refuses a URL with credentials, so every delivery would fail: say so at start-up instead.
  .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url), {
    error: 'must not carry a user name or password: send credentials in `headers` (e.g. Authorization)',
  });
const levels = z
  .strictObject({ info: z.number().optional(), warning: z.number().optional(), critical: z.number().optional() })
  .refine((l) => l.info !== undefined || l.warning !== undefined || l.critical !== undefined, 'needs at least one level');
const rules = z.strictObject(
  Object.fromEntries(Object.keys(ALERT_METRICS).map((k) => [k, z.union([levels, z.literal(false)]).optional()])) as Record<
    AlertMetric,
    z.ZodOptional<z.ZodUnion<[typeof levels, z.ZodLiteral<false>]>>
  >,
);
const severityOrOff = z.union([z.enum(ALERT_SEVERITIES), z.literal(false)]);

/** One URL variable as a list of one target. */
function oneUrl(name: string) {
  const read = (env: EnvRead) => {
    const url = env.string(name);
    return url === undefined ? undefined : [{ url }];
  };
  return { names: [name], note: 'one', read };
}

/** The `alerts` section: checks, defaults, variables and docs of each option. */
export const alertsOptionsSchema = section({
  enabled: option(z.boolean(), {
    default: true,
    env: 'ALERTS_ENABLED',
    doc: 'evaluate alert rules: the metric rules and, when `jobs.enabled`, the job rules (`job-failure-rate`, `job-overdue`)',
  }),
  rules: option(rules, {
    defaultDoc: 'see [Monitoring](monitoring.md#monitoring-alerts-and-recommendations)',
    env: 'ALERT_RULES',
    envExample: '{"p95Ms":{"warning":500}}',
    doc: 'levels per metric, merged over the defaults: `{ p95Ms: { warning: 500, critical: 1500 }, cacheHitRatePercent: false }`',
  }),
  outages: section({
    cacheStore: option(severityOrOff, { default: 'warning', doc: 'severity of the `cache-store-down` alert, or `false` to switch it off' }),
    database: option(severityOrOff, { default: 'critical', doc: 'severity of the `database-down` alert (one per DataSource), or `false`' }),
  }),
  forSeconds: option(z.number().min(0).max(86_400), {
    default: 60,
    env: 'ALERT_FOR_SECONDS',
    doc: 'seconds a metric, outage or route rule must breach (from its first breaching snapshot; windows without data do not interrupt it) before its alert fires; `0` fires on the first',
  }),
  resolveAfterSamples: option(z.int().min(1).max(1000), { default: 1, doc: 'healthy snapshots with data in a row before an alert resolves' }),
  flapWindowSeconds: option(z.number().min(0).max(86_400), {
    default: 300,
    env: 'ALERT_FLAP_WINDOW_SECONDS',
    doc: 'a resolved alert whose rule fires again within this many seconds reopens as the same alert, `flapping: true` (one `flapping` notification, no new FIRING); the RESOLVED notification waits this long, so it goes out once, when stable; `0` notifies each resolve at once',
  }),
  maxAlerts: option(z.int().min(10).max(1_000_000), { default: 1000, doc: 'alerts kept in memory' }),
  notifiers: section({
    log: option(z.boolean(), { default: true, env: 'ALERT_LOG', doc: 'log each alert event' }),
    minSeverity: option(z.enum(ALERT_SEVERITIES), { default: 'warning', env: 'ALERT_MIN_SEVERITY', doc: 'events below it are only logged' }),
    webhooks: option(z.array(z.strictObject({ url: httpUrl, headers: z.record(z.string(), z.string()).optional() })).max(20), {
      default: [],
      env: oneUrl('ALERT_WEBHOOK_URL'),
      doc: '`[{ url, headers? }]`, the event POSTed as JSON',
    }),
    slack: option(z.array(z.strictObject({ url: httpUrl })).max(20), {
      default: [],
      env: oneUrl('ALERT_SLACK_WEBHOOK_URL'),
      doc: '`[{ url }]`, Slack-compatible incoming webhooks',
    }),
    email: option(
      z.strictObject({
        smtpUrl: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }),
        from: z.string().min(3),
        to: z.array(z.string().min(3)).min(1).max(100),
      }),
      {
        defaultDoc: 'none',
        env: {
          names: ['ALERT_SMTP_URL', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO'],
          note: 'all three; `to` comma-separated',
          read: (env) => {
            const [smtpUrl, from, to] = [env.string('ALERT_SMTP_URL'), env.string('ALERT_EMAIL_FROM'), env.list('ALERT_EMAIL_TO')];
            if (smtpUrl === undefined) return undefined;
            if (from === undefined || to === undefined) {
              return env.invalid('ALERT_SMTP_URL', 'ALERT_SMTP_URL is set: ALERT_EMAIL_FROM and ALERT_EMAIL_TO are needed too');
            }
            return { smtpUrl, from, to };
          },
        },
        doc: '`{ smtpUrl, from, to: [] }`, needs `nodemailer`',
      },
    ),
    retries: option(z.int().min(0).max(10), { default: 3, doc: 'retries after a failed delivery' }),
    backoffMs: option(z.int().min(1).max(600_000), { default: 1000, doc: 'first retry delay, ms (doubled each time)' }),
    timeoutMs: option(z.int().min(100).max(120_000), { default: 5000, doc: 'timeout of one delivery, ms' }),
  }),
});

/** A rule after defaults. */
export interface AlertRule {
  readonly metric: AlertMetric;
  readonly direction: 'above' | 'below';
  readonly levels: Readonly<AlertRuleLevels>;
}

/** Validated `alerts`, before the rules are merged over their defaults. */
export type CheckedAlertsOptions = z.output<typeof alertsOptionsSchema>;

/** The levels of each rule the app leaves alone (`maxCpuPercent` is `monitoring.maxCpuUsagePercent`). */
function defaultLevels(maxCpuPercent: number): Record<AlertMetric, AlertRuleLevels> {
  return {
    cpuPercent: { warning: maxCpuPercent, critical: Math.max(95, maxCpuPercent) },
    memoryPercent: { warning: 85, critical: 95 },
    p95Ms: { warning: 2000, critical: 5000 },
    errorRatePercent: { warning: 1, critical: 5 },
    poolUtilizationPercent: { warning: 80, critical: 95 },
    dbMeanQueryMs: { warning: 500, critical: 1000 },
    eventLoopLagP99Ms: { warning: 200, critical: 1000 },
    cacheHitRatePercent: { info: 70 },
  };
}

/** Merges the app's rules over the defaults, in the order of {@link ALERT_METRICS}; `false` drops a rule. */
export function withAlertRules({ rules: configured = {}, ...alerts }: CheckedAlertsOptions, maxCpuPercent: number) {
  const defaults = defaultLevels(maxCpuPercent);
  const rules: AlertRule[] = [];
  for (const metric of Object.keys(ALERT_METRICS) as AlertMetric[]) {
    const levels = configured[metric];
    if (levels !== false) rules.push({ metric, direction: ALERT_METRICS[metric], levels: levels ?? defaults[metric] });
  }
  return { ...alerts, rules };
}

/** Alert options after validation and defaults. */
export type ResolvedAlertsOptions = Frozen<ReturnType<typeof withAlertRules>>;

/** Validates alert options and applies their defaults (`maxCpuPercent` is `monitoring.maxCpuUsagePercent`). */
export function resolveAlertsOptions(options?: AlertsOptions, maxCpuPercent = 80): ResolvedAlertsOptions {
  return withAlertRules(alertsOptionsSchema.parse(options), maxCpuPercent);
}

/** Compile-time: the schema takes exactly {@link AlertsOptions}. */
export type AlertsSchemaChecks = Checked<SameShape<z.input<typeof alertsOptionsSchema>, AlertsOptions | undefined>>;
