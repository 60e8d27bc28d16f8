import { describe, expect, it } from 'vitest';
import { buildCacheKey, normalizeQuery, userKeyPart } from './cache-key.builder';

describe('cache keys', () => {
  it('sorts query parameters by name, keeping duplicates in their order', () => {
    expect(normalizeQuery('b=2&a=1&a=0&c')).toBe('a=1&a=0&b=2&c');
    expect(normalizeQuery('x=1')).toBe('x=1');
    expect(normalizeQuery('a=1&&b=2&')).toBe('a=1&b=2');
  });

  it('builds namespace, path, normalized query and varying headers', () => {
    expect(buildCacheKey('docs:', '/api/v1/documents?limit=20&include=author', {}, [])).toBe('docs:/api/v1/documents?include=author&limit=20');
    expect(buildCacheKey('docs:', '/api/v1/documents?', {}, [])).toBe('docs:/api/v1/documents');
    expect(buildCacheKey('d:', '/x', { 'accept-language': 'de', accept: ['a', 'b'] }, ['accept-language', 'accept', 'x-none'])).toBe(
      'd:/x|accept-language=de|accept=a,b|x-none=',
    );
  });

  it('hashes user identities', () => {
    expect(userKeyPart('alice')).toMatch(/^\|u=[A-Za-z0-9_-]{22}$/);
    expect(userKeyPart('alice')).not.toBe(userKeyPart('bob'));
    expect(userKeyPart('alice')).not.toContain('alice');
  });
});
