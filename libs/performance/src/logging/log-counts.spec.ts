import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { LogCounts, MAX_CONTEXTS } from './log-counts.service';

const HOUR = 3_600_000;

describe('LogCounts', () => {
  const made: LogCounts[] = [];
  const counts = (now: () => number = Date.now): LogCounts => {
    const c = new LogCounts(now);
    made.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of made.splice(0)) c.onApplicationShutdown();
  });

  it("counts fatal, error and warn lines of Nest's Logger per context, and passes every line on", () => {
    const c = counts();
    Logger.overrideLogger(false);
    const logger = new Logger('OrdersService');
    logger.error('failed');
    logger.warn('slow');
    logger.fatal('down');
    logger.log('fine');
    Logger.error('static', 'Bootstrap');
    Logger.warn('static, no context');
    const body = c.read(1);
    expect(body.totals).toEqual({ fatal: 1, error: 2, warn: 2 });
    expect(body.contexts.map(({ context, fatal, error, warn }) => [context, fatal, error, warn])).toEqual([
      ['OrdersService', 1, 1, 1],
      ['Bootstrap', 0, 1, 0],
      ['<none>', 0, 0, 1],
    ]);
  });

  it('keeps counting by the hour: the window leaves out older hours, since-start keeps them', () => {
    let now = Date.UTC(2026, 0, 1, 10, 30);
    const c = counts(() => now);
    c.record('error', 'A', now - 5 * HOUR);
    c.record('error', 'A', now - 1 * HOUR);
    c.record('warn', 'B', now);
    expect(c.read(1).totals).toEqual({ fatal: 0, error: 1, warn: 1 });
    expect(c.read(6).totals).toEqual({ fatal: 0, error: 2, warn: 1 });
    expect(c.read(1).totalsSinceStart).toEqual({ fatal: 0, error: 2, warn: 1 });
    now += 3 * HOUR;
    expect(c.read(1).totals).toEqual({ fatal: 0, error: 0, warn: 0 });
  });

  it(`counts past ${MAX_CONTEXTS} contexts as <other>`, () => {
    const c = counts();
    for (let i = 0; i < MAX_CONTEXTS + 5; i++) c.record('error', `Service${i}`);
    const body = c.read(1);
    expect(body.contexts).toHaveLength(MAX_CONTEXTS + 1);
    expect(body.contexts.find((x) => x.context === '<other>')?.error).toBe(5);
  });

  it('restores the Logger once no app counts', () => {
    const original = Logger.prototype.error;
    const c = new LogCounts();
    expect(Logger.prototype.error).not.toBe(original);
    c.onApplicationShutdown();
    expect(Logger.prototype.error).toBe(original);
  });
});
