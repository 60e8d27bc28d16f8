import type { AlertEvent } from '../../core/schemas/performance-alert';

/**
 * Delivers alert events somewhere. `send` rejects when the delivery failed;
 * the dispatcher retries it with backoff. It must honour `signal` (aborted
 * at the delivery timeout).
 */
export interface AlertNotifier {
  /** Short name for logs: `log`, `webhook`, `slack`, `email`. */
  readonly name: string;
  /** True for a notifier that gets every event, whatever `minSeverity` says. */
  readonly everySeverity?: boolean;
  /** True for a notifier that stays in the process (the log): health does not track its deliveries. */
  readonly local?: boolean;
  send(event: AlertEvent, signal: AbortSignal): Promise<void>;
  /** Releases connections at shutdown. */
  close?(): Promise<void> | void;
}

/** One line that says what happened, for subjects, titles and logs. */
export function describeAlertEvent(event: AlertEvent): string {
  const a = event.alert;
  const verb = { fired: 'FIRING', escalated: 'ESCALATED', flapping: 'FLAPPING', resolved: 'RESOLVED' }[event.kind];
  const flapping = event.kind === 'flapping' ? ` (resolved and fired again: kept as one alert until it stays resolved)` : '';
  return `[${verb}] ${a.severity}: ${a.message}${flapping}`;
}
