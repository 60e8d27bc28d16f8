import { describe, expect, it } from 'vitest';
import { isSecretName, maskSecrets, maskSecretsInText, maskUrl, secretsOfUrl } from './secret-masking';

describe('isSecretName', () => {
  it.each([
    'token',
    'admin.token',
    'PERFORMANCE_ADMIN_TOKEN',
    'password',
    'smtpPass',
    'ALERT_SMTP_PASSWORD',
    'clientSecret',
    'CACHE_KEY_SECRET',
    'apiKey',
    'X-Api-Key',
    'access_token',
    'Authorization',
    'auth',
    'credentials',
    'X-Amz-Signature',
    'Cookie',
  ])('%s is secret', (name) => expect(isSecretName(name)).toBe(true));

  it.each(['url', 'smtpUrl', 'keyPrefix', 'varyHeaders', 'apiKeyHeaders', 'bypass', 'ttl', 'host', 'team', 'namespace'])('%s is not', (name) =>
    expect(isSecretName(name)).toBe(false),
  );
});

describe('maskUrl', () => {
  it.each([
    ['redis://user:hunter2@cache:6379/0', 'redis://user:***@cache:6379/0'],
    ['redis://:hunter2@cache:6379', 'redis://:***@cache:6379'],
    ['rediss://s3cr3t-token@cache', 'rediss://***@cache'],
    ['smtp://alerts%40example.com:p%40ss@mail.example.com:587', 'smtp://alerts%40example.com:***@mail.example.com:587'],
    ['https://hooks.example.com/in?token=abc123&team=ops a', 'https://hooks.example.com/in?token=***&team=ops a'],
    ['redis://us er:pw@ho st:6379', 'redis://us er:***@ho st:6379'],
    ['rediss://user:p@ss@cache:6380/2', 'rediss://user:***@cache:6380/2'],
    ['http://hooks.example.com/x?to=a@b.example', 'http://hooks.example.com/x?to=a@b.example'],
    [
      'https://hooks.example.com/in?Team=ops&api_key=k&sig=s&X-Amz-Credential=c',
      'https://hooks.example.com/in?Team=ops&api_key=***&sig=***&X-Amz-Credential=***',
    ],
    ['https://app.example.com/cb#access_token=abc&state=1', 'https://app.example.com/cb#access_token=***&state=1'],
    ['https://hooks.slack.com/services/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', 'https://hooks.slack.com/services/T0123ABCD/B0123ABCD/***'],
    ['http://localhost:3000/api/v1/documents?limit=20&page=2', 'http://localhost:3000/api/v1/documents?limit=20&page=2'],
  ])('%s', (raw, masked) => expect(maskUrl(raw)).toBe(masked));

  it('still masks the user part of a URL without a scheme', () => {
    expect(maskUrl('//user:pw@cache:6379')).toBe('//***@cache:6379');
  });
});

describe('maskSecretsInText', () => {
  it('masks the URLs, secret pairs and scheme credentials inside a message, and each secret given', () => {
    const text =
      'connect ECONNREFUSED redis://u:hunter2@cache:6379. Retried with password=hunter2&db=0; ' +
      'sent Authorization: Bearer abc.def-ghi, key ZZ-sekret-ZZ (ZZ-sekret-ZZ encoded: ZZ%2Fsekret)';
    expect(maskSecretsInText(text, ['ZZ-sekret-ZZ', 'ZZ/sekret', 'pw', undefined])).toBe(
      'connect ECONNREFUSED redis://u:***@cache:6379. Retried with password=***&db=0; ' + 'sent Authorization: Bearer ***, key *** (*** encoded: ***)',
    );
  });

  it('leaves ordinary text alone', () => {
    const text = 'GET /api/v1/documents?limit=20 answered 500 (pool of 10 exhausted)';
    expect(maskSecretsInText(text)).toBe(text);
  });
});

describe('secretsOfUrl', () => {
  it('lists the password, secret parameters and token-like path segments, decoded', () => {
    expect(secretsOfUrl('smtp://me%40example.com:p%40ss@mail:587?token=zz9&x=1')).toEqual(['p@ss', 'zz9']);
    expect(secretsOfUrl('https://hooks.slack.com/services/T1/B1/x1y2z3A4B5C6D7E8F9G0H1I2')).toEqual(['x1y2z3A4B5C6D7E8F9G0H1I2']);
    expect(secretsOfUrl('not a url')).toEqual([]);
    expect(secretsOfUrl(undefined)).toEqual([]);
  });
});

describe('maskSecrets', () => {
  it('masks secret keys and URLs at any depth, shows class instances by name, and leaves the rest', () => {
    class RedisClient {
      password = 'hunter2';
    }
    const value = {
      admin: { token: 'short' },
      cache: { redis: { url: 'redis://default:hunter2@cache:6379', keyPrefix: 'app:' }, ttl: 60 },
      alerts: {
        notifiers: {
          webhooks: [{ url: 'https://hooks.example.com/in?token=abc123', headers: { Authorization: 'Basic dXNlcjpwdw==', Accept: 'json' } }],
          email: { smtpUrl: 'smtps://alerts:hunter2@mail:465', from: 'perf@example.com', to: ['ops@example.com'], pass: 'hunter2' },
        },
      },
      store: new RedisClient(),
    };
    expect(maskSecrets(value)).toEqual({
      admin: { token: '***' },
      cache: { redis: { url: 'redis://default:***@cache:6379', keyPrefix: 'app:' }, ttl: 60 },
      alerts: {
        notifiers: {
          webhooks: [{ url: 'https://hooks.example.com/in?token=***', headers: { Authorization: '***', Accept: 'json' } }],
          email: { smtpUrl: 'smtps://alerts:***@mail:465', from: 'perf@example.com', to: ['ops@example.com'], pass: '***' },
        },
      },
      store: '[RedisClient]',
    });
    expect(JSON.stringify(maskSecrets(value))).not.toMatch(/hunter2|short|abc123|dXNlcjpwdw/);
  });

  it('masks a whole value under a secret name, and survives cycles', () => {
    expect(maskSecrets({ a: 1 }, 'credentials')).toBe('***');
    const loop: Record<string, unknown> = { name: 'x' };
    loop.self = loop;
    expect(maskSecrets(loop)).toEqual({ name: 'x', self: '[Circular]' });
  });
});
