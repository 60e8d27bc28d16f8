import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * A TCP proxy this test owns, between the app and a shared service, so the
 * test can cut the service off (`cut()`: every connection dropped, new ones
 * refused) and bring it back on the same port (`restore()`) without ever
 * touching the shared service itself.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = this.port): Promise<this> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => (s === client ? upstream : client).destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  restore(): Promise<this> {
    return this.start(this.port);
  }
}

/**
 * A `redis-server` child process this test owns (never the shared one): no
 * persistence, on its own port; `stop()` kills it (SIGKILL, like a crash) and
 * `start()` brings a fresh one back on the same port.
 */
export class OwnedRedis {
  private child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on ${this.port} did not start within 5 s`)), 5000);
      child.once('error', reject);
      child.stdout!.on('data', (chunk: Buffer) => {
        if (/Ready to accept connections/i.test(chunk.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** An HTTP endpoint that reads each request and never answers (a hung notifier or collector); counts what arrived. */
export async function hangingHttpServer(): Promise<{ url: string; received: string[]; close(): Promise<void> }> {
  const { createServer: createHttpServer } = await import('node:http');
  const received: string[] = [];
  const server = createHttpServer((req) => {
    received.push(`${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * A local HTTP endpoint whose answer the test switches at will: every
 * request is read to the end and answered with `status` (an alert webhook
 * that fails and comes back, or an OTLP/HTTP collector that answers 200);
 * `status` 0 reads the request and never answers (a hung endpoint).
 * Listens on `port` when given (a port the test knows to refuse until now).
 */
export async function switchableHttpServer(port = 0): Promise<{
  url: string;
  port: number;
  status: number;
  received: { method: string; url: string; bytes: number }[];
  close(): Promise<void>;
}> {
  const { createServer: createHttpServer } = await import('node:http');
  const state = {
    url: '',
    port: 0,
    status: 200,
    received: [] as { method: string; url: string; bytes: number }[],
    close: (): Promise<void> => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
  const server = createHttpServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      state.received.push({ method: req.method ?? '', url: req.url ?? '', bytes });
      if (state.status === 0) return;
      res.writeHead(state.status, { 'content-type': 'application/json' }).end(state.status < 300 ? '{}' : '{"error":"test says no"}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  return state;
}
