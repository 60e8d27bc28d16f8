import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PERFORMANCE_ERRORS, PerformanceError } from './performance.errors';

describe('the error catalogue', () => {
  it('lists in the README exactly the codes the library has', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
    const documented = [...section.matchAll(/^\| `(PERF_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(PERFORMANCE_ERRORS).sort());
  });

  it('builds messages that start with the code and carry the detail', () => {
    const error = new PerformanceError('PERF_ERR_INVALID_OPTIONS', 'cache.ttl: bad');
    expect(error.message).toBe('PERF_ERR_INVALID_OPTIONS: Invalid nestjs-performance options:\n  - cache.ttl: bad');
    expect(error.code).toBe('PERF_ERR_INVALID_OPTIONS');
    expect(error.status).toBe(500);
  });
});
