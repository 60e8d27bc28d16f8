import { describe, expect, it } from 'vitest';
import { redactUrlCredentials } from './url-credentials.redactor';

describe('redactUrlCredentials', () => {
  it.each([
    ['redis://:s3cret@cache:6379', 'redis://***@cache:6379'],
    ['rediss://user:pa@ss@cache.internal:6380/2', 'rediss://***@cache.internal:6380/2'],
    ['failed: postgres://app:hunter2@db/app and mysql://root:x@10.0.0.1:3306/shop', 'failed: postgres://***@db/app and mysql://***@10.0.0.1:3306/shop'],
    ['smtp://mailer:pw@smtp.example.com:587', 'smtp://***@smtp.example.com:587'],
    ['http://token@hooks.example.com/x?to=a@b.example', 'http://***@hooks.example.com/x?to=a@b.example'],
  ])('masks the credentials in %s', (text, expected) => {
    expect(redactUrlCredentials(text)).toBe(expected);
  });

  it.each(['connect ECONNREFUSED 127.0.0.1:6379', 'https://hooks.example.com/path?mail=a@b.example', 'write to ops@example.com'])(
    'leaves %s as it is',
    (text) => {
      expect(redactUrlCredentials(text)).toBe(text);
    },
  );
});
