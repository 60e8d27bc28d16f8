import { performance } from 'node:perf_hooks';
import { declareTracedMethod, inTracedSpan, type TracedAttributes } from '../tracing/traced.decorator';

/** Options of {@link Timed}. */
export interface TimedOptions {
  /** The name of the method in `methods` and metrics, and of its span (default `ClassName.methodName`). */
  name?: string;
  /** Attributes of the span made when tracing runs with an OpenTelemetry SDK. */
  attributes?: TracedAttributes;
}

/** What one decorated method is known by. */
export interface TimedMethod {
  /** The class that declares the method (or the class part of `name`). */
  readonly className: string;
  /** The method (or the rest of `name`). */
  readonly method: string;
}

/** Records the calls of `@Timed()` methods; implemented by `MethodTimings`. */
export interface TimedRecorder {
  record(method: TimedMethod, durationMs: number, failed: boolean): void;
}

// The recorder of the running PerformanceModule; `null` when none runs, and a decorated method then costs one check.
let recorder: TimedRecorder | null = null;

/** @internal Installs or removes the recorder of {@link Timed}. */
export function setTimedRecorder(next: TimedRecorder | null): void {
  recorder = next;
}

/** @internal The recorder installed now. */
export function timedRecorder(): TimedRecorder | null {
  return recorder;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Times every call of a method, sync or async (services, resolvers, route
 * handlers, workers), in process and without an SDK: calls, errors, mean,
 * p50/p95/p99 and max per class and method at `GET <admin>/methods`, and the
 * Prometheus histogram `method_duration_seconds` when metrics are on. A thrown
 * error or a rejected promise counts as an error and is rethrown unchanged.
 * When tracing is on and an OpenTelemetry SDK is registered, each call is also
 * a span (as with `@Traced()`), so one decorator covers both.
 *
 * @example
 * @Timed()
 * async quote(orderId: number): Promise<Quote> { ... }
 *
 * @example
 * @Timed({ name: 'Pricing.vat', attributes: { 'app.layer': 'service' } })
 * vat(amount: number): number { ... }
 */
export function Timed(options: TimedOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') {
      throw new TypeError(`@Timed() decorates methods; ${String(propertyKey)} is not one`);
    }
    declareTracedMethod();
    const className = (target as { constructor: { name: string } }).constructor.name;
    const name = options.name ?? `${className}.${String(propertyKey)}`;
    const dot = name.indexOf('.');
    const timed: TimedMethod = Object.freeze(
      options.name === undefined
        ? { className, method: String(propertyKey) }
        : dot > 0
          ? { className: name.slice(0, dot), method: name.slice(dot + 1) }
          : { className, method: name },
    );
    const attributes = options.attributes;
    const method = original as (...args: unknown[]) => unknown;
    const wrapped = function timedMethod(this: unknown, ...args: unknown[]): unknown {
      const active = recorder;
      if (active === null) return inTracedSpan(name, attributes, () => method.apply(this, args));
      return inTracedSpan(name, attributes, () => {
        const started = performance.now();
        let result: unknown;
        try {
          result = method.apply(this, args);
        } catch (error) {
          active.record(timed, performance.now() - started, true);
          throw error;
        }
        if (!isPromiseLike(result)) {
          active.record(timed, performance.now() - started, false);
          return result;
        }
        return Promise.resolve(result).then(
          (value) => {
            active.record(timed, performance.now() - started, false);
            return value;
          },
          (error: unknown) => {
            active.record(timed, performance.now() - started, true);
            throw error;
          },
        );
      });
    };
    Object.defineProperty(wrapped, 'name', { value: method.name });
    // Nest keeps route, guard and param metadata on the method itself: carry it over.
    for (const key of Reflect.getMetadataKeys?.(method) ?? []) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, method), wrapped);
    }
    (descriptor as PropertyDescriptor).value = wrapped;
    return descriptor;
  };
}
