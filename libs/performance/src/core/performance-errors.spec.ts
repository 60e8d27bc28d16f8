import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PERFORMANCE_ERRORS, PerformanceError } from './performance-errors';

describe('the error catalogue', () => {
  it('lists in docs/errors.md exactly the codes the library has', () => {
    const page = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'errors.md'), 'utf8');
    const documented = [...page.matchAll(/^\| `(PERF_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(PERFORMANCE_ERRORS).sort());
  });

  it('builds messages that start with the code and carry the detail', () => {
    const error = new PerformanceError('PERF_ERR_INVALID_OPTIONS', 'cache.ttl: bad');
    expect(error.message).toBe('PERF_ERR_INVALID_OPTIONS: Invalid nestjs-performance options:\n  - cache.ttl: bad');
    expect(error.code).toBe('PERF_ERR_INVALID_OPTIONS');
    expect(error.status).toBe(500);
  });
});
