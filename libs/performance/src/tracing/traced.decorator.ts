/** Attribute values a {@link Traced} span may carry. */
export type TracedAttributes = Readonly<Record<string, string | number | boolean>>;

/** What the decorator needs from the running tracing feature. */
export interface TracedRuntime {
  /** Runs `fn` inside a new span that is the active one while it runs. */
  inSpan<R>(name: string, attributes: TracedAttributes | undefined, fn: () => R): R;
}

// Set while a PerformanceModule with tracing on and an SDK registered runs;
// `null` otherwise, so a decorated method costs one check and a call.
let runtime: TracedRuntime | null = null;

// True once any method of the process was decorated (at class definition, before Nest starts).
let declared = false;

/**
 * @internal Whether any `@Traced()` method exists in the process. Tracing carries
 * the request context through async work (AsyncLocalStorage, a cost on every
 * promise on Node 20) only when something will look for it there.
 */
export function tracedMethodsDeclared(): boolean {
  return declared;
}

/** @internal Declares that a method wants spans (`@Timed()` makes them too). */
export function declareTracedMethod(): void {
  declared = true;
}

/**
 * @internal Runs `fn` in a span named `name` while tracing runs with an SDK
 * registered; calls it as is otherwise. What `@Traced()` and `@Timed()` share.
 */
export function inTracedSpan<R>(name: string, attributes: TracedAttributes | undefined, fn: () => R): R {
  const active = runtime;
  return active === null ? fn() : active.inSpan(name, attributes, fn);
}

/** @internal Installs or removes the runtime of {@link Traced}. */
export function setTracedRuntime(next: TracedRuntime | null): void {
  runtime = next;
}

/**
 * Wraps a method, sync or async, in an OpenTelemetry span named
 * `name` (default `ClassName.methodName`), child of the active span or of
 * the current request's span. A thrown error or rejected promise is recorded
 * on the span, whose status becomes ERROR, and is rethrown unchanged.
 * When tracing is off or no SDK is registered, the method runs as is.
 *
 * @example
 * @Traced('documents.load', { 'app.layer': 'service' })
 * async load(id: number) { ... }
 */
export function Traced(name?: string, attributes?: TracedAttributes): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') {
      throw new TypeError(`@Traced() decorates methods; ${String(propertyKey)} is not one`);
    }
    declared = true;
    const spanName = name ?? `${(target as { constructor: { name: string } }).constructor.name}.${String(propertyKey)}`;
    const method = original as (...args: unknown[]) => unknown;
    const wrapped = function tracedMethod(this: unknown, ...args: unknown[]): unknown {
      return inTracedSpan(spanName, attributes, () => method.apply(this, args));
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
