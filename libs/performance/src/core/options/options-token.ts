/** Injection token of the validated, frozen {@link ResolvedPerformanceOptions}. */
export const PERFORMANCE_OPTIONS = Symbol('PERFORMANCE_OPTIONS');
