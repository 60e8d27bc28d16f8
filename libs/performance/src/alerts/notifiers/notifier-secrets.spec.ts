import { createServer, type Server } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../core/schemas/performance-alert';
import { EmailAlertNotifier } from './email.notifier';
import { SlackAlertNotifier, WebhookAlertNotifier } from './webhook.notifier';

const EVENT: AlertEvent = {
  kind: 'fired',
  alert: {
    id: 'a-1',
    instanceId: 'web-1',
    metric: 'p95Ms',
    severity: 'warning',
    status: 'firing',
    message: 'p95 latency 900 ms is above 500 ms',
    value: 900,
    threshold: 500,
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    resolvedAt: null,
    count: 1,
    firedAt: '2026-01-01T00:00:00.000Z',
    durationSeconds: 0,
    flapping: false,
    transitions: 0,
  },
};

function failureOf(sending: Promise<void>): Promise<Error> {
  return sending.then(
    () => {
      throw new Error('expected the delivery to fail');
    },
    (error: unknown) => error as Error,
  );
}

/** A port nothing listens on (taken, then released): every delivery to it is refused. */
let port: number;
beforeAll(async () => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('a notifier that fails never quotes its secrets', () => {
  it('webhook: fetch refuses a URL with credentials and quotes it whole; the failure shows it masked', async () => {
    const notifier = new WebhookAlertNotifier(`http://alerts:hunter2@127.0.0.1:${port}/hook?token=tok-abc123&team=ops`);
    const error = await failureOf(notifier.send(EVENT, AbortSignal.timeout(5000)));
    expect(error.message).toBe(
      `Request cannot be constructed from a URL that includes credentials: http://alerts:***@127.0.0.1:${port}/hook?token=***&team=ops`,
    );
    expect(error.name).toBe('TypeError');
  });

  it('webhook: a failure that quotes no secret is passed on as it is', async () => {
    const notifier = new WebhookAlertNotifier(`http://127.0.0.1:${port}/hook?token=tok-abc123`, { Authorization: 'Bearer hd-sekret-99' });
    const error = await failureOf(notifier.send(EVENT, AbortSignal.timeout(5000)));
    expect(error.message).toBe('fetch failed');
    expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toMatch(/tok-abc123|hd-sekret-99/);
  });

  it('slack: the token in the path is masked', async () => {
    const notifier = new SlackAlertNotifier(`http://u:hunter2@127.0.0.1:${port}/services/T0/B0/x1y2z3A4B5C6D7E8F9G0H1I2`);
    const error = await failureOf(notifier.send(EVENT, AbortSignal.timeout(5000)));
    expect(error.message).toContain(`http://u:***@127.0.0.1:${port}/services/T0/B0/***`);
    expect(error.message).not.toMatch(/hunter2|x1y2z3A4B5C6D7E8F9G0H1I2/);
  });

  it('email: an SMTP failure never quotes the SMTP password', async () => {
    const notifier = new EmailAlertNotifier({ smtpUrl: `smtp://alerts:sm7p-pa55@127.0.0.1:${port}`, from: 'perf@example.com', to: ['ops@example.com'] });
    try {
      const error = await failureOf(notifier.send(EVENT, AbortSignal.timeout(10_000)));
      expect(error.message.length).toBeGreaterThan(0);
      expect(`${error.message} ${error.stack}`).not.toContain('sm7p-pa55');
    } finally {
      notifier.close();
    }
  });
});
