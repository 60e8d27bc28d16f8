import { describe, expect, it, vi } from 'vitest';
import { RequestContext } from './request-context';
import { PerformanceLogger } from './performance-logger';

function capture(logger: PerformanceLogger, fn: () => void): string {
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    fn();
    return spy.mock.calls.map((c) => String(c[0])).join('');
  } finally {
    spy.mockRestore();
  }
}

describe('PerformanceLogger', () => {
  const ctx = new RequestContext('req-123', 'GET', { url: '/x' });

  it('adds the request id to lines written during a request', () => {
    const logger = new PerformanceLogger('Test', { colors: false });
    const line = capture(logger, () => RequestContext.run(ctx, () => logger.log('loading')));
    expect(line).toContain('[Test] [req req-123] loading');
  });

  it('leaves lines outside requests unchanged', () => {
    const logger = new PerformanceLogger('Test', { colors: false });
    const line = capture(logger, () => logger.log('booting'));
    expect(line).toContain('[Test] booting');
    expect(line).not.toContain('[req');
  });

  it('adds a requestId field in JSON mode', () => {
    const logger = new PerformanceLogger('Test', { json: true, colors: false });
    const line = capture(logger, () => RequestContext.run(ctx, () => logger.log('loading')));
    expect(JSON.parse(line)).toMatchObject({ message: 'loading', context: 'Test', requestId: 'req-123' });
  });
});
