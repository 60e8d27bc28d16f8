import { Logger } from '@nestjs/common';
import { DeliveryOutcomes, distinctNames, type DeliveryTargetHealth, type NotifierHealthSource } from '../core/ports/delivery-health.port';
import { ALERT_SEVERITIES } from '../core/options/alerts.options';
import type { ResolvedAlertsOptions } from '../core/options/schema/alerts';
import type { AlertNotifier } from './notifiers/alert-notifier';
import { EmailAlertNotifier } from './notifiers/email.notifier';
import { LogAlertNotifier } from './notifiers/log.notifier';
import { SlackAlertNotifier, WebhookAlertNotifier } from './notifiers/webhook.notifier';
import type { AlertEvent } from '../core/schemas/performance-alert';

/** Deliveries waiting or retrying at once; beyond it new events are dropped (and logged once). */
const MAX_PENDING = 200;
/** Distinct failure causes remembered for "log once per cause". */
const MAX_CAUSES = 100;

/** The outcome of one delivery, for tests and logs. */
export interface DeliveryResult {
  readonly notifier: string;
  readonly kind: AlertEvent['kind'];
  readonly alertId: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly error?: string;
}

/** Builds the notifiers the options configure. */
export function createNotifiers(options: ResolvedAlertsOptions['notifiers']): AlertNotifier[] {
  const out: AlertNotifier[] = [];
  if (options.log) out.push(new LogAlertNotifier());
  for (const w of options.webhooks) out.push(new WebhookAlertNotifier(w.url, w.headers));
  for (const s of options.slack) out.push(new SlackAlertNotifier(s.url));
  if (options.email) out.push(new EmailAlertNotifier({ ...options.email, to: [...options.email.to] }));
  return out;
}

/**
 * Hands alert events to every notifier without ever making the caller wait:
 * each delivery runs on its own, with a timeout, and a failed one is retried
 * with exponential backoff (`backoffMs`, doubled per attempt, `retries`
 * times). Failures are logged once per notifier and cause. Retry timers are
 * unref'd and cancelled by {@link close}, so shutdown leaves no open handles.
 *
 * Each attempt's outcome is recorded per notifier that sends outside the
 * process ({@link notifierHealth}): health shows a notifier as down from its
 * first failed attempt until its next successful delivery.
 */
export class AlertDispatcher implements NotifierHealthSource {
  private readonly logger = new Logger('nestjs-performance:alerts');
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly causes = new Set<string>();
  private readonly minRank: number;
  private pending = 0;
  private closed = false;
  private readonly listeners: ((result: DeliveryResult) => void)[] = [];
  private readonly outcomes = new Map<AlertNotifier, DeliveryOutcomes>();

  constructor(
    private readonly notifiers: readonly AlertNotifier[],
    private readonly options: ResolvedAlertsOptions['notifiers'],
  ) {
    this.minRank = ALERT_SEVERITIES.indexOf(options.minSeverity);
    const remote = notifiers.filter((n) => !n.local);
    const names = distinctNames(remote.map((n) => n.name));
    remote.forEach((n, i) => this.outcomes.set(n, new DeliveryOutcomes(names[i]!)));
  }

  /** Delivery state of each notifier that sends outside the process (webhooks, Slack, email), in configuration order. */
  notifierHealth(): DeliveryTargetHealth[] {
    return [...this.outcomes.values()].map((o) => o.snapshot());
  }

  /** Names of the configured notifiers. */
  get names(): string[] {
    return this.notifiers.map((n) => n.name);
  }

  /** Calls `listener` after each delivery succeeded or gave up. */
  onDelivery(listener: (result: DeliveryResult) => void): void {
    this.listeners.push(listener);
  }

  /** Queues the event for every notifier that takes its severity; returns at once. */
  dispatch(event: AlertEvent): void {
    if (this.closed) return;
    const rank = ALERT_SEVERITIES.indexOf(event.alert.severity);
    for (const notifier of this.notifiers) {
      if (!notifier.everySeverity && rank < this.minRank) continue;
      if (this.pending >= MAX_PENDING) {
        this.logOnce('dispatcher', `more than ${MAX_PENDING} alert deliveries pending; dropping new ones`);
        return;
      }
      this.pending++;
      this.attempt(notifier, event, 1);
    }
  }

  /** Waits for deliveries in flight (not for scheduled retries). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Cancels retries and closes the notifiers' connections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inflight]);
    for (const n of this.notifiers) {
      try {
        await n.close?.();
      } catch {
        // Closing is best effort.
      }
    }
  }

  private attempt(notifier: AlertNotifier, event: AlertEvent, attempt: number): void {
    // Started from a microtask: the caller (the sampler) never runs delivery code itself.
    const run = Promise.resolve().then(async () => {
      try {
        await notifier.send(event, AbortSignal.timeout(this.options.timeoutMs));
        this.outcomes.get(notifier)?.succeed();
        this.pending--;
        this.emit({ notifier: notifier.name, kind: event.kind, alertId: event.alert.id, ok: true, attempts: attempt });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.outcomes.get(notifier)?.fail(error);
        if (attempt <= this.options.retries && !this.closed) {
          const delay = this.options.backoffMs * 2 ** (attempt - 1);
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.attempt(notifier, event, attempt + 1);
          }, delay);
          timer.unref();
          this.timers.add(timer);
          return;
        }
        this.pending--;
        this.logOnce(`${notifier.name}:${message}`, `alert notifier "${notifier.name}" failed after ${attempt} attempt(s): ${message}`);
        this.emit({ notifier: notifier.name, kind: event.kind, alertId: event.alert.id, ok: false, attempts: attempt, error: message });
      }
    });
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
  }

  private emit(result: DeliveryResult): void {
    for (const l of this.listeners) {
      try {
        l(result);
      } catch {
        // A listener never breaks delivery.
      }
    }
  }

  private logOnce(cause: string, message: string): void {
    if (this.causes.has(cause)) return;
    if (this.causes.size < MAX_CAUSES) this.causes.add(cause);
    this.logger.warn(message);
  }
}
