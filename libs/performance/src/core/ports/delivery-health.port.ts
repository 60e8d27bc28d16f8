/**
 * Outcomes of deliveries to outside endpoints the app does not serve from
 * (alert notifiers, span exporters), kept so health can show a failing one
 * by name. Recording is a few field writes: it never throws and never waits.
 */

/** Where one delivery target stands, as health reports it. */
export interface DeliveryTargetHealth {
  /** The target's name: `webhook`, `slack`, `email`, `OTLPTraceExporter`, ... */
  readonly name: string;
  /** `down` when the most recent delivery failed; `up` otherwise (also before the first one). */
  readonly status: 'up' | 'down';
  /** Deliveries that succeeded since start. */
  readonly succeeded: number;
  /** Deliveries that failed since start. */
  readonly failed: number;
  /** Failures since the last success. */
  readonly consecutiveFailures: number;
  /** ISO time of the last success. */
  readonly lastSuccessAt?: string;
  /** ISO time of the last failure. */
  readonly lastFailureAt?: string;
  /** Why the last delivery failed. */
  readonly lastError?: string;
}

/** Longest failure reason kept, in characters. */
const MAX_REASON = 300;

/** The delivery outcomes of one target. */
export class DeliveryOutcomes {
  private succeeded = 0;
  private failed = 0;
  private consecutive = 0;
  private lastSuccessAt: number | undefined;
  private lastFailureAt: number | undefined;
  private lastError: string | undefined;

  constructor(readonly name: string) {}

  succeed(now = Date.now()): void {
    this.succeeded++;
    this.consecutive = 0;
    this.lastSuccessAt = now;
  }

  fail(reason: unknown, now = Date.now()): void {
    this.failed++;
    this.consecutive++;
    this.lastFailureAt = now;
    const code = (reason as { code?: unknown } | null)?.code;
    const text = reason instanceof Error ? reason.message || (typeof code === 'string' ? code : reason.name) : String(reason);
    this.lastError = text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
  }

  snapshot(): DeliveryTargetHealth {
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    return {
      name: this.name,
      status: this.consecutive > 0 ? 'down' : 'up',
      succeeded: this.succeeded,
      failed: this.failed,
      consecutiveFailures: this.consecutive,
      ...(this.lastSuccessAt !== undefined && { lastSuccessAt: iso(this.lastSuccessAt) }),
      ...(this.lastFailureAt !== undefined && { lastFailureAt: iso(this.lastFailureAt) }),
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    };
  }
}

/**
 * Names for targets that may share a base name: `webhook`, then
 * `webhook_2`, `webhook_3`, ... so each one is told apart in health.
 */
export function distinctNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}_${n}`;
  });
}

/** Provides the delivery state of the alert notifiers that send outside the process. */
export interface NotifierHealthSource {
  /** One entry per webhook, Slack or email notifier; empty when none is configured. */
  notifierHealth(): readonly DeliveryTargetHealth[];
}
/** Token of {@link NotifierHealthSource}. */
export const NotifierHealthSource = Symbol('NotifierHealthSource');

/** Where the monitored span exporters of this process are kept: one list even when two copies of the library are loaded. */
const SPAN_EXPORTS = Symbol.for('nestjs-performance.span-export-monitors');
type SpanExports = Set<DeliveryOutcomes>;

/** @internal The delivery outcomes of the span exporters `monitorSpanExporter` wraps (tracing adds, health reads). */
export function spanExportTargets(): SpanExports {
  const holder = globalThis as typeof globalThis & { [SPAN_EXPORTS]?: SpanExports };
  return (holder[SPAN_EXPORTS] ??= new Set());
}

/** Delivery state of each span exporter wrapped by `monitorSpanExporter` and not shut down. */
export function spanExportHealth(): DeliveryTargetHealth[] {
  return [...spanExportTargets()].map((o) => o.snapshot());
}
