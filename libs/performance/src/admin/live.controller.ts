import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestException, Controller, Get, NotFoundException, Param, Query, Req, Res, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LIVE_RING_SECONDS } from '../monitor/live-ring';
import { REQUEST_ID_PATTERN } from '../core/context/request-id';
import {
  RequestStats,
  ROUTE_RATE_SECONDS,
  type RouteTableEntry,
  SLOWEST_WINDOW_MINUTES,
  type SlowRequestDetail,
  STATEMENTS_PER_REQUEST,
} from '../monitor/request-stats.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';
import { integerParam } from './admin-query';
import { LiveStreams, MAX_LIVE_STREAMS } from './live-stream.service';

/** Body of `GET <admin>/routes`. */
export interface RoutesBody {
  /** When the table was read, epoch ms. */
  readonly at: number;
  /** Seconds `ratePerSecond` is averaged over. */
  readonly rateWindowSeconds: number;
  readonly routes: readonly RouteTableEntry[];
}

const SECONDS = { min: 1, max: LIVE_RING_SECONDS, default: 60 } as const;

/** The reply as either adapter hands it to a handler: Fastify's wraps the Node response in `raw`. */
interface AdapterReply {
  readonly raw?: ServerResponse;
  hijack?(): void;
}

/**
 * The live view: `GET <admin>/live` streams one-second points as Server-Sent
 * Events (the last `seconds` at once, then one event a second) to a client
 * that accepts `text/event-stream` or asks `format=sse`; any other request
 * (or `format=json`) gets the same points once, for clients that poll.
 * `GET <admin>/routes` is the per-route table; `GET <admin>/requests/:id`
 * one of its slowest requests with the statements it ran.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class LiveAdminController {
  constructor(
    private readonly streams: LiveStreams,
    private readonly stats: RequestStats,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get('live')
  @AdminOperation({
    summary: 'One-second points of the last 15 minutes (requests, status classes, p50/p95/p99, SQL, cache), as Server-Sent Events or JSON',
    query: [
      {
        name: 'seconds',
        description: `Seconds sent at once, 1 to ${LIVE_RING_SECONDS}, default 60`,
        schema: { type: 'integer', minimum: 1, maximum: LIVE_RING_SECONDS, default: 60 },
      },
      {
        name: 'format',
        description: 'sse: an event stream, one `points` event a second; json: the points once. Default: sse when Accept names text/event-stream, else json',
        schema: { type: 'string', enum: ['sse', 'json'] },
      },
    ],
    responses: { 200: 'LiveBody (each SSE event carries one)', 400: 'seconds out of range or format unknown', 503: `${MAX_LIVE_STREAMS} streams already open` },
  })
  live(@Query('seconds') secondsRaw: unknown, @Query('format') formatRaw: unknown, @Req() req: IncomingMessage, @Res() reply: AdapterReply): void {
    const seconds = integerParam('seconds', secondsRaw, SECONDS);
    const format = formatRaw === undefined ? (/\btext\/event-stream\b/.test(String(req.headers.accept ?? '')) ? 'sse' : 'json') : formatRaw;
    if (format !== 'sse' && format !== 'json') throw new BadRequestException(`format must be sse or json (got ${JSON.stringify(format).slice(0, 80)})`);
    if (format === 'json') {
      this.adapterHost.httpAdapter.reply(reply, this.streams.snapshot(seconds), 200);
      return;
    }
    if (this.streams.full) throw new ServiceUnavailableException(`${MAX_LIVE_STREAMS} live streams are open already; poll with format=json instead`);
    // Fastify: the stream is written on the Node response, which Fastify must leave alone.
    reply.hijack?.();
    const res = reply.raw ?? (reply as unknown as ServerResponse);
    this.streams.attach(res, seconds);
  }

  @Get('routes')
  @AdminOperation({
    summary: 'Per route: requests, req/s of the last minute, p50/p95/p99, status classes, error rate, SQL per request, DB time share, cache hit rate',
    responses: { 200: 'RoutesBody' },
  })
  routes(): RoutesBody {
    return { at: Date.now(), rateWindowSeconds: ROUTE_RATE_SECONDS, routes: this.stats.routeTable() };
  }

  @Get('requests/:id')
  @AdminOperation({
    summary: `One of a route's slowest requests of the last ${SLOWEST_WINDOW_MINUTES} minutes (listed by routes), with its first ${STATEMENTS_PER_REQUEST} SQL statements: fingerprinted text, no bound values, and duration`,
    path: [
      {
        name: 'id',
        description: 'A request id from the slowest requests of routes (X-Request-ID)',
        schema: { type: 'string', pattern: REQUEST_ID_PATTERN.source },
      },
    ],
    responses: { 200: 'SlowRequestDetail', 400: 'id malformed', 404: 'the request is not among the slowest kept (any more)' },
  })
  request(@Param('id') raw: string): SlowRequestDetail {
    if (typeof raw !== 'string' || !REQUEST_ID_PATTERN.test(raw)) {
      throw new BadRequestException(
        `id must be a request id: 1 to 128 letters, digits, dots, dashes or underscores (got ${JSON.stringify(String(raw)).slice(0, 80)})`,
      );
    }
    const found = this.stats.slowRequest(raw);
    if (!found)
      throw new NotFoundException(
        `request "${raw}" is not among the slowest requests kept (each route keeps its slowest of the last ${SLOWEST_WINDOW_MINUTES} minutes)`,
      );
    return found;
  }
}
