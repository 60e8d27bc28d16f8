/** Set on the middleware, hooks and enhancers this module adds to the app, so they can be told from the app's own. */
const OWN = Symbol.for('nestjs-performance.own-hook');

/** Marks `target` (a function, or a class's prototype) as added by this module; returns it. */
export function markOwn<T extends object>(target: T): T {
  Object.defineProperty(target, OWN, { value: true });
  return target;
}

/** Whether `value` (a function or an instance of a marked class) was added by this module. */
export function isOwn(value: unknown): boolean {
  return (typeof value === 'function' || (typeof value === 'object' && value !== null)) && (value as { [OWN]?: true })[OWN] === true;
}
