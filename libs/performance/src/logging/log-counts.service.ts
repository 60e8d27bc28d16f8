import { Logger, type OnApplicationShutdown } from '@nestjs/common';

/** The levels counted: the lines that say something went wrong. */
export const COUNTED_LOG_LEVELS = ['fatal', 'error', 'warn'] as const;
/** One of {@link COUNTED_LOG_LEVELS}. */
export type CountedLogLevel = (typeof COUNTED_LOG_LEVELS)[number];

/** The context of lines logged without one. */
export const NO_CONTEXT = '<none>';
/** Contexts past the first {@link MAX_CONTEXTS} share this one. */
export const OTHER_CONTEXT = '<other>';
/** Distinct contexts counted apart; later ones share {@link OTHER_CONTEXT}. */
export const MAX_CONTEXTS = 200;
/** Hours of per-hour counts kept. */
export const MAX_LOG_HOURS = 720;

const HOUR_MS = 3_600_000;

/** Lines per level. */
export type LogLevelCounts = Record<CountedLogLevel, number>;

/** The counts of one context. */
export interface LogContextCounts extends LogLevelCounts {
  /** The logger's context: its class name (`new Logger(OrdersService.name)`), or `<none>`. */
  readonly context: string;
  /** ISO 8601 time of its latest counted line. */
  readonly lastAt: string;
}

/** The body of `logs/counts`. */
export interface LogCountsBody {
  /** ISO 8601 time counting began (the app's start). */
  readonly since: string;
  /** The window asked for, hours. */
  readonly hours: number;
  /** ISO 8601 start of the window: counts are kept per clock hour, so the window starts at the top of an hour and covers at least `hours`. */
  readonly windowStart: string;
  /** Lines per level in the window. */
  readonly totals: LogLevelCounts;
  /** Lines per level since counting began. */
  readonly totalsSinceStart: LogLevelCounts;
  /** Per context in the window, most errors (fatal and error) first, then most warnings. */
  readonly contexts: readonly LogContextCounts[];
}

type Sink = (level: CountedLogLevel, context: string) => void;

const sinks = new Set<Sink>();
let originals: Map<string, (...args: unknown[]) => unknown> | undefined;

/** The context Nest's ConsoleLogger would print: the last argument when it is a string and not a stack trace. */
function contextOfArgs(params: readonly unknown[]): string | undefined {
  const last = params[params.length - 1];
  if (typeof last !== 'string' || /\n\s+at /.test(last)) return undefined;
  return last;
}

/**
 * Counts the fatal, error and warn lines written through Nest's `Logger`
 * (instances, `new Logger(MyService.name)`, and the static `Logger.error()`),
 * whatever logger the app installed behind it (`NestFactory.create(..,
 * { logger })`, `app.useLogger()`, `Logger.overrideLogger()`): the facade's
 * methods are wrapped, the line is passed on untouched, and the app can swap
 * its logger at any time. Lines are counted whether or not the app's logger
 * prints them (`logger: false` or fewer log levels). Installed once per
 * process; each app counts while it runs.
 */
function install(): void {
  if (originals) return;
  originals = new Map();
  const wrap = (target: Record<string, unknown>, key: string, level: CountedLogLevel, isStatic: boolean): void => {
    const original = target[level] as ((...args: unknown[]) => unknown) | undefined;
    if (typeof original !== 'function') return;
    originals!.set(key, original);
    target[level] = function counted(this: { context?: unknown }, message: unknown, ...params: unknown[]): unknown {
      try {
        const own = !isStatic && typeof this?.context === 'string' && this.context ? this.context : undefined;
        const context = own ?? contextOfArgs(params) ?? NO_CONTEXT;
        for (const sink of sinks) sink(level, context);
      } catch {
        // Counting never gets in the way of logging.
      }
      return original.call(this, message, ...params);
    };
  };
  for (const level of COUNTED_LOG_LEVELS) {
    wrap(Logger.prototype as unknown as Record<string, unknown>, `prototype.${level}`, level, false);
    wrap(Logger as unknown as Record<string, unknown>, `static.${level}`, level, true);
  }
}

function uninstall(): void {
  if (!originals || sinks.size > 0) return;
  for (const [key, fn] of originals) {
    const [where, level] = key.split('.') as ['prototype' | 'static', string];
    (where === 'prototype' ? (Logger.prototype as unknown as Record<string, unknown>) : (Logger as unknown as Record<string, unknown>))[level] = fn;
  }
  originals = undefined;
}

const zero = (): LogLevelCounts => ({ fatal: 0, error: 0, warn: 0 });

interface ContextState {
  total: LogLevelCounts;
  lastAt: number;
}

/**
 * The fatal, error and warn lines logged through Nest's `Logger`, per
 * context (class name) and per clock hour for the last 720 hours, and since
 * the start. Bounded: 200 contexts, then `<other>`. Never keeps the text of
 * a line (it may carry user data or secrets), only that it was logged.
 */
export class LogCounts implements OnApplicationShutdown {
  private readonly startedAt = Date.now();
  private readonly contexts = new Map<string, ContextState>();
  /** Hour start (epoch ms) to `level\u0000context` to count, oldest first. */
  private readonly hours = new Map<number, Map<string, number>>();
  private readonly totals = zero();
  private readonly sink: Sink = (level, context) => this.record(level, context);

  /** @internal */
  constructor(private readonly now: () => number = Date.now) {
    sinks.add(this.sink);
    install();
  }

  /** Counts one line (called by the wrapped `Logger`; usable directly for lines logged elsewhere). */
  record(level: CountedLogLevel, rawContext: string, at = this.now()): void {
    let context = rawContext.slice(0, 128);
    if (!this.contexts.has(context) && this.contexts.size >= MAX_CONTEXTS) context = OTHER_CONTEXT;
    let state = this.contexts.get(context);
    if (!state) this.contexts.set(context, (state = { total: zero(), lastAt: at }));
    state.total[level]++;
    state.lastAt = at;
    this.totals[level]++;
    const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
    let bucket = this.hours.get(hour);
    if (!bucket) {
      this.hours.set(hour, (bucket = new Map()));
      for (const old of this.hours.keys()) {
        if (old >= hour - MAX_LOG_HOURS * HOUR_MS) break;
        this.hours.delete(old);
      }
    }
    const key = `${level}\u0000${context}`;
    bucket.set(key, (bucket.get(key) ?? 0) + 1);
  }

  /** Lines per level and context since the start. */
  sinceStart(): readonly LogContextCounts[] {
    return [...this.contexts].map(([context, s]) => ({ context, ...s.total, lastAt: new Date(s.lastAt).toISOString() }));
  }

  /** The counts of the current clock hour and the `hours` before it. */
  read(hours: number): LogCountsBody {
    const now = this.now();
    const windowStart = Math.floor(now / HOUR_MS) * HOUR_MS - hours * HOUR_MS;
    const perContext = new Map<string, LogLevelCounts>();
    const totals = zero();
    for (const [hour, bucket] of this.hours) {
      if (hour < windowStart) continue;
      for (const [key, n] of bucket) {
        const [level, context] = key.split('\u0000') as [CountedLogLevel, string];
        let counts = perContext.get(context);
        if (!counts) perContext.set(context, (counts = zero()));
        counts[level] += n;
        totals[level] += n;
      }
    }
    const contexts = [...perContext]
      .map(([context, counts]) => ({ context, ...counts, lastAt: new Date(this.contexts.get(context)!.lastAt).toISOString() }))
      .sort((a, b) => b.fatal + b.error - (a.fatal + a.error) || b.warn - a.warn || a.context.localeCompare(b.context));
    return {
      since: new Date(this.startedAt).toISOString(),
      hours,
      windowStart: new Date(Math.max(windowStart, Math.floor(this.startedAt / HOUR_MS) * HOUR_MS)).toISOString(),
      totals,
      totalsSinceStart: { ...this.totals },
      contexts,
    };
  }

  /** Stops counting for this app (the wrap is removed once no app counts). */
  onApplicationShutdown(): void {
    sinks.delete(this.sink);
    uninstall();
  }
}
