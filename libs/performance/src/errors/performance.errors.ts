/**
 * Every error the library raises, by code. The README's error table is
 * checked against this catalogue by a test, so the two never drift apart.
 */
export const PERFORMANCE_ERRORS = {
  PERF_ERR_INVALID_OPTIONS: {
    status: 500,
    message: 'Invalid nestjs-performance options',
  },
  PERF_ERR_INVALID_ENV: {
    status: 500,
    message: 'Invalid nestjs-performance environment variables',
  },
  PERF_ERR_MISSING_DEPENDENCY: {
    status: 500,
    message: 'An optional dependency of an enabled feature is not installed',
  },
  PERF_ERR_UNSUPPORTED_ADAPTER: {
    status: 500,
    message: 'The HTTP adapter is neither Express nor Fastify',
  },
} as const satisfies Record<string, { status: number; message: string }>;

/** A code of {@link PERFORMANCE_ERRORS}. */
export type PerformanceErrorCode = keyof typeof PERFORMANCE_ERRORS;

/**
 * The error class of the library: `code` says what kind of problem it is,
 * the message says exactly what was wrong.
 */
export class PerformanceError extends Error {
  /** HTTP status that fits the error when it reaches a client. */
  readonly status: number;

  constructor(
    readonly code: PerformanceErrorCode,
    detail?: string,
  ) {
    const entry = PERFORMANCE_ERRORS[code];
    super(detail ? `${code}: ${entry.message}:\n  - ${detail}` : `${code}: ${entry.message}`);
    this.name = 'PerformanceError';
    this.status = entry.status;
  }
}
