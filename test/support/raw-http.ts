import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  xCache: string | null;
  body: Buffer;
}

/**
 * One HTTP request through `node:http`, which sends the headers it is given
 * as they are, `Host` included (fetch replaces `Host` with the URL's).
 *
 * @example
 * await rawRequest(`${url}/cache/counter`, { headers: { host: 'tenant-a.example' } });
 */
export function rawRequest(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const xCache = res.headers['x-cache'];
        resolve({ status: res.statusCode ?? 0, headers: res.headers, xCache: typeof xCache === 'string' ? xCache : null, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
