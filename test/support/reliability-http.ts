import { connect } from 'node:net';

/** A response read off the wire: status, headers (lower-case names; repeated ones joined with ", "), body. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/**
 * Sends one HTTP/1.1 request byte for byte as given (header lines are not
 * validated, so hostile headers reach the server as a real client could send
 * them) and reads the whole response. Only for 127.0.0.1.
 */
export function rawRequest(port: number, method: string, path: string, headerLines: readonly string[], timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no response to ${method} ${path.slice(0, 80)} within ${timeoutMs} ms`)));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = (end === -1 ? text : text.slice(0, end)).split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string | undefined> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      if (!status) return reject(new Error(`no HTTP response to ${method} ${path.slice(0, 80)}: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ status, headers, body: end === -1 ? '' : text.slice(end + 4) });
    });
    const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headerLines, '', ''];
    socket.end(Buffer.from(lines.join('\r\n'), 'latin1'));
  });
}
