import { describe, expect, it } from 'vitest';
import { parseBaseUrl } from './admin-client';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseBaseUrl errors', () => {
  it('quote a refused --url with its secrets masked', () => {
    expect(messageOf(() => parseBaseUrl('ftp://admin:hunter2@app.example.com'))).toMatch(
      /^--url must be http:\/\/ or https:\/\/ \(got "ftp:\/\/admin:\*\*\*@app\.example\.com"\)/,
    );
    expect(messageOf(() => parseBaseUrl('https://app.example.com/api/v1?token=tok-abc123&x=1'))).toMatch(
      /^--url must not have a query or fragment \(got "https:\/\/app\.example\.com\/api\/v1\?token=\*\*\*&x=1"\)/,
    );
  });
});
