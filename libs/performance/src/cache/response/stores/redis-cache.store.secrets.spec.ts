import { describe, expect, it } from 'vitest';
import { RedisCacheStore } from './redis-cache.store';

describe('RedisCacheStore health', () => {
  it('never shows the password of its URL, even when the client quotes it in an error', async () => {
    // Nothing listens on port 1: the client keeps failing to connect, as it would with Redis away.
    const store = new RedisCacheStore({ url: 'redis://default:hunter2@127.0.0.1:1/0', keyPrefix: 'secrets-spec:', commandTimeoutMs: 100 });
    try {
      (store.client as unknown as { emit(event: string, error: Error): void }).emit(
        'error',
        new Error('could not connect to redis://default:hunter2@127.0.0.1:1/0 (AUTH hunter2 refused)'),
      );
      expect(store.health()).toMatchObject({
        status: 'down',
        lastError: 'could not connect to redis://default:***@127.0.0.1:1/0 (AUTH *** refused)',
      });
    } finally {
      await store.close();
    }
  });
});
