import type { ServerResponse } from 'node:http';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { LIVE_RING_SECONDS, type LivePoint } from '../monitor/live-ring';
import { RequestStats } from '../monitor/request-stats.service';

/** The body of each `points` event of `GET <admin>/live`, and of `GET <admin>/live?format=json`. */
export interface LiveBody {
  /** Seconds each point covers (always 1). */
  readonly resolutionSeconds: 1;
  /** Seconds the server keeps (the last 15 minutes). */
  readonly retainedSeconds: number;
  /** Complete seconds, oldest first; each point's `t` is the start of its second (epoch ms). */
  readonly points: readonly LivePoint[];
}

/** Milliseconds after each second boundary when the stream sends that second (late responses of it still count). */
const SEND_AFTER_BOUNDARY_MS = 50;
/** Bytes a stream may have waiting for a client that does not read before it is closed. */
const MAX_UNREAD_BYTES = 1024 * 1024;
/** Open streams at most; a further client gets a 503 instead of another timer's work. */
export const MAX_LIVE_STREAMS = 50;

/**
 * The open Server-Sent Events streams of `GET <admin>/live`. One timer, aligned
 * to the second and running only while a stream is open, sends every client the
 * point of each second that completed; a client that disconnects leaves the set
 * at once, and the timer stops with the last one. Streams end when the app shuts down.
 */
@Injectable()
export class LiveStreams implements BeforeApplicationShutdown {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  /** The latest second (epoch s) every open stream has been sent. */
  private sentUpTo = -1;

  constructor(private readonly stats: RequestStats) {}

  /** Streams open now. */
  get open(): number {
    return this.clients.size;
  }

  /** True while the one-second timer runs (only while a stream is open). */
  get ticking(): boolean {
    return this.timer !== undefined;
  }

  /** The last `seconds` complete seconds. */
  snapshot(seconds: number): LiveBody {
    return this.body(this.stats.live.lastSeconds(seconds));
  }

  /** Whether another stream may open. */
  get full(): boolean {
    return this.clients.size >= MAX_LIVE_STREAMS;
  }

  /**
   * Starts an event stream on `res`: the last `seconds` seconds at once, then
   * one `points` event per second until the client goes away.
   */
  attach(res: ServerResponse, seconds: number): void {
    if (this.timer === undefined) this.sentUpTo = this.stats.live.lastCompleteSecond();
    const backlog = this.stats.live.pointsAfter(this.sentUpTo - seconds, seconds).filter((p) => p.t <= this.sentUpTo * 1000);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: 2000\n\n`);
    res.write(this.event(this.body(backlog)));
    this.clients.add(res);
    res.on('close', () => this.detach(res));
    if (this.timer === undefined) this.schedule();
  }

  /** Ends every stream before the server closes, which would otherwise wait for them. */
  beforeApplicationShutdown(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stop();
  }

  private detach(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const wait = 1000 - (Date.now() % 1000) + SEND_AFTER_BOUNDARY_MS;
    this.timer = setTimeout(() => this.tick(), wait);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.clients.size === 0) return;
    const points = this.stats.live.pointsAfter(this.sentUpTo);
    if (points.length > 0) {
      this.sentUpTo = points[points.length - 1]!.t / 1000;
      const event = this.event(this.body(points));
      for (const res of this.clients) {
        // A client that stopped reading: ended rather than buffered without bound.
        if (res.writableLength > MAX_UNREAD_BYTES) res.destroy();
        else res.write(event);
      }
    }
    if (this.clients.size > 0) this.schedule();
  }

  private body(points: readonly LivePoint[]): LiveBody {
    return { resolutionSeconds: 1, retainedSeconds: LIVE_RING_SECONDS, points };
  }

  private event(body: LiveBody): string {
    const last = body.points[body.points.length - 1];
    return `event: points\n${last ? `id: ${last.t}\n` : ''}data: ${JSON.stringify(body)}\n\n`;
  }
}
