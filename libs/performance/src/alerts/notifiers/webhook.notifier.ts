import { isSecretName, maskErrorSecrets, secretsOfUrl } from '../../core/secret-masking';
import type { AlertEvent } from '../../core/schemas/performance-alert';
import { describeAlertEvent, type AlertNotifier } from './alert-notifier';

const COLORS = { critical: 'danger', warning: 'warning', info: '#439FE0' } as const;

/** POSTs JSON; a failure rejects with its URL, the URL's secrets and `secrets` masked. */
async function post(url: string, body: unknown, headers: Record<string, string>, signal: AbortSignal, secrets: readonly string[]): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    throw maskErrorSecrets(error, secrets);
  }
  // Drain the body so the connection is released.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}

/** POSTs `{ event, alert }` as JSON to a URL. */
export class WebhookAlertNotifier implements AlertNotifier {
  readonly name = 'webhook';
  private readonly secrets: readonly string[];

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {
    this.secrets = [
      ...secretsOfUrl(url),
      ...Object.entries(headers)
        .filter(([name]) => isSecretName(name))
        .map(([, value]) => value),
    ];
  }

  send(event: AlertEvent, signal: AbortSignal): Promise<void> {
    return post(this.url, { event: event.kind, text: describeAlertEvent(event), alert: event.alert }, this.headers, signal, this.secrets);
  }
}

/** POSTs a Slack incoming-webhook message (text and one coloured attachment). */
export class SlackAlertNotifier implements AlertNotifier {
  readonly name = 'slack';
  private readonly secrets: readonly string[];

  constructor(private readonly url: string) {
    this.secrets = secretsOfUrl(url);
  }

  send(event: AlertEvent, signal: AbortSignal): Promise<void> {
    const a = event.alert;
    return post(
      this.url,
      {
        text: describeAlertEvent(event),
        attachments: [
          {
            color: event.kind === 'resolved' ? 'good' : COLORS[a.severity],
            title: `Performance alert: ${a.metric}`,
            text: a.message,
            fields: [
              { title: 'Severity', value: a.severity, short: true },
              { title: 'Status', value: a.status, short: true },
              { title: 'Threshold', value: String(a.threshold), short: true },
              { title: 'Current', value: String(a.value), short: true },
              { title: 'Instance', value: a.instanceId, short: true },
            ],
            ts: Math.floor(Date.parse(a.lastSeen) / 1000),
          },
        ],
      },
      {},
      signal,
      this.secrets,
    );
  }
}
