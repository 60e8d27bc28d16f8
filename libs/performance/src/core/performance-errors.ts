/**
 * Every error the library raises, by code. The error table of docs/errors.md is
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

/**
 * Loads an optional dependency of an enabled feature, or throws
 * `PERF_ERR_MISSING_DEPENDENCY` saying what to install and how to switch the
 * feature off. Called when the feature starts, never at import time, so a
 * feature that is off loads nothing.
 */
export function requireOptional<T>(pkg: string, feature: string, switchOff: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peers are loaded on demand, by name
    return require(pkg) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new PerformanceError('PERF_ERR_MISSING_DEPENDENCY', `install ${pkg} to use ${feature} (npm i ${pkg}), or set ${switchOff}`);
  }
}
