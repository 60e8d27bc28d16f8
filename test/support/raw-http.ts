import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  xCache: string | null;
  body: Buffer;
}

/**
 * One HTTP request through `node:http`, which sends the path and the headers
 * it is given as they are, `Host` included (fetch replaces `Host` with the
 * URL's, and URL parsing rewrites some paths).
 *
 * @example
 * await rawRequest(`${url}/cache/counter`, { headers: { host: 'tenant-a.example' } });
 */
export function rawRequest(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // The path goes out byte for byte: a URL parser would turn `\` into `/` and escape what it likes.
    const origin = /^(https?:\/\/[^/]+)(\/.*)?$/.exec(url);
    if (!origin) throw new Error(`not an absolute http URL: ${url}`);
    const { hostname, port } = new URL(origin[1]!);
    const options = { hostname, port, path: origin[2] ?? '/', method: init.method ?? 'GET', headers: init.headers ?? {} };
    const req = request(options, (res) => {
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
