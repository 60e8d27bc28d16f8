import { z } from 'zod';
import type { ResolvedThresholds } from '../../judgment/judgment';
import { ALERT_METRICS, ALERT_SEVERITIES, type AlertMetric, type AlertRuleLevels, type AlertsOptions } from '../alerts.options';
import type { ThresholdsOptions } from '../thresholds.options';
import { resolveThresholds } from './thresholds';
import { option, section, type Checked, type EnvRead, type Frozen, type SameShape } from './option';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  // fetch refuses a URL with credentials, so every delivery would fail: say so at start-up instead.
  .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url), {
    error: 'must not carry a user name or password: send credentials in `headers` (e.g. Authorization)',
  });
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

/**
 * The alert rules from the thresholds, in the order of {@link ALERT_METRICS}:
 * a warning past `good`, critical past `critical`; a metric switched off
 * in `thresholds` has no rule.
 */
export function withAlertRules(alerts: CheckedAlertsOptions, thresholds: ResolvedThresholds) {
  const rules: AlertRule[] = [];
  for (const metric of Object.keys(ALERT_METRICS) as AlertMetric[]) {
    const levels = thresholds[metric];
    if (levels === false) continue;
    rules.push({
      metric,
      direction: ALERT_METRICS[metric],
      levels: levels.critical === false ? { warning: levels.good } : { warning: levels.good, critical: levels.critical },
    });
  }
  return { ...alerts, rules };
}

/** Alert options after validation and defaults. */
export type ResolvedAlertsOptions = Frozen<ReturnType<typeof withAlertRules>>;

/** Validates alert options and applies their defaults, with rules from `thresholds` (defaults when not given). */
export function resolveAlertsOptions(options?: AlertsOptions, thresholds?: ThresholdsOptions): ResolvedAlertsOptions {
  return withAlertRules(alertsOptionsSchema.parse(options), resolveThresholds(thresholds));
}

/** Compile-time: the schema takes exactly {@link AlertsOptions}. */
export type AlertsSchemaChecks = Checked<SameShape<z.input<typeof alertsOptionsSchema>, AlertsOptions | undefined>>;
