import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { QueryPerformanceBody } from '../libs/performance/src/admin/database.controller';
import type { RoutesBody } from '../libs/performance/src/admin/live.controller';
import { MAX_LOG_HOURS } from '../libs/performance/src/logging/log-counts.service';
import type { FleetView } from '../libs/performance/src/monitor/fleet';
import type { SlowRequestDetail } from '../libs/performance/src/monitor/request-stats.service';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_DATABASES } from './fixtures/database-services';
import type { AdapterName } from './support/http-app';
import { runCli } from './support/cli-process';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';
import { describeWithService } from './support/services';

/**
 * Values that reach the database only as bound parameters, sent through every
 * database path of the sample app (searches, a stored document, the N+1 demo,
 * every statement a slow one). With `database.logParameters` off none of them
 * may come back out: not in any admin answer, not in a plan or its advice, not
 * in the CLI's report, not in a log line, not in the persisted history. With
 * it on, they do come back (so the check can fail).
 */
const MARKER = `SECRET-MARKER-${randomBytes(6).toString('hex')}`;
/** `status` takes at most 20 characters. */
const SHORT_MARKER = `SMK${randomBytes(5).toString('hex')}`;
/** `minViews` is a number: a value no statistic of the app is likely to equal. */
const NUMBER_MARKER = 700_000_000 + randomInt(99_999_999);

const ADMIN_SOURCES = join(__dirname, '..', 'libs', 'performance', 'src', 'admin');

/** Every `@Get` route of the admin controllers, read from their source so that a new endpoint is checked too. */
function adminGetRoutes(): string[] {
  const routes = new Set<string>();
  for (const file of readdirSync(ADMIN_SOURCES).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
    for (const m of readFileSync(join(ADMIN_SOURCES, file), 'utf8').matchAll(/@Get\(\s*'([^']*)'\s*\)/g)) routes.add(m[1]!);
  }
  return [...routes].sort();
}

/** Query strings that widen an endpoint's answer to everything it can show. */
const WIDEST: Readonly<Record<string, string>> = {
  'query-performance': 'limit=1000',
  'database-stats': 'limit=500',
  'metrics/history': 'hours=24',
  alerts: 'hours=24',
  capacity: 'days=30',
  fleet: 'hours=24',
  'logs/counts': `hours=${MAX_LOG_HOURS}`,
};

/** Admin GET routes the sample must answer with a 200 (not a 404 of a feature left off), so their answers are really read. */
const MUST_ANSWER = ['fleet', 'slos', 'baselines', 'logs/counts', 'routes'];

/** A LoggerService that keeps every line (with its context, stack and parameters) as text. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep(level: string, message: unknown, params: unknown[]): void {
    this.lines.push(`${level} ${format(message, ...params)}`);
  }
  log(message: unknown, ...params: unknown[]) {
    this.keep('log', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.keep('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.keep('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.keep('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.keep('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.keep('fatal', message, params);
  }
}

/** Where a marker was found: `{ where, excerpt }`, or nothing. */
function findMarkers(where: string, text: string): { where: string; excerpt: string }[] {
  const found: { where: string; excerpt: string }[] = [];
  for (const pattern of [MARKER, SHORT_MARKER, new RegExp(`(?<!\\d)${NUMBER_MARKER}(?!\\d)`)]) {
    const at = typeof pattern === 'string' ? text.indexOf(pattern) : text.search(pattern);
    if (at >= 0) found.push({ where, excerpt: text.slice(Math.max(0, at - 120), at + 80) });
  }
  return found;
}

interface Collected {
  /** Every text that left the app, by where it came from. */
  readonly outputs: Map<string, string>;
  /** Admin GET routes that answered, and how. */
  readonly statuses: Record<string, number>;
  /** The slow requests of the searches read through `requests/:id`. */
  readonly searchRequests: SlowRequestDetail[];
}

async function readBody(res: Response): Promise<string> {
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return res.text();
  // A stream: its first event is what it shows.
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
  }
  await reader.cancel();
  return text;
}

/** Sends the markers through every database path of the sample, then collects everything the app and the CLI show. */
async function exercise(sample: RunningSample, logger: RecordingLogger, db: string): Promise<Collected> {
  const outputs = new Map<string, string>();
  const statuses: Record<string, number> = {};
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(sample.api + path, init);
    return res;
  };

  // The unindexed search: string and number filters, several times (a statement that counts for the advisors).
  for (let i = 0; i < 3; i++) {
    const search = await call(`/documents/search?category=${MARKER}&status=${SHORT_MARKER}&minViews=${NUMBER_MARKER}`);
    expect(search.status, 'search').toBe(200);
    await search.arrayBuffer();
    await (await call(`/documents/search?category=${MARKER}`)).arrayBuffer();
    await (await call(`/documents/search?status=${SHORT_MARKER}&minViews=${NUMBER_MARKER}`)).arrayBuffer();
  }
  // A stored document: the INSERT carries the markers as bound values.
  const created = await call('/documents', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workspaceId: 1, title: MARKER, content: `body ${MARKER} ${SHORT_MARKER} ${NUMBER_MARKER}` }),
  });
  expect(created.status, `POST /documents: ${await created.clone().text()}`).toBe(201);
  const id = ((await created.json()) as { id: number }).id;
  // The rest of the sample's database paths: lookups, the N+1 demo and its fix, aggregates, chat.
  for (const path of [
    `/documents/${id}`,
    '/documents?limit=20&include=author&strategy=naive',
    '/documents?limit=20&include=author&strategy=join',
    '/documents?limit=7',
    '/workspaces',
    '/workspaces/1/summary',
    '/workspaces/1/documents-by-status',
    '/analytics/overview',
    '/chat/sessions?workspaceId=1',
    '/chat/sessions/1/messages',
  ]) {
    await (await call(path)).arrayBuffer();
  }

  // History: a snapshot now, persisted by the TypeORM store.
  await sample.app.get(MetricsSampler).collect();

  const admin = async (route: string, query = '', headers: Record<string, string> = {}): Promise<void> => {
    const res = await call(`/performance/${route}${query ? `?${query}` : ''}`, { headers: { ...sample.admin, ...headers } });
    statuses[`${route}${query ? `?${query}` : ''}`] = res.status;
    outputs.set(`GET ${route}${query ? `?${query}` : ''} (${res.status})`, `${JSON.stringify(Object.fromEntries(res.headers))}\n${await readBody(res)}`);
  };
  const perf = (await (await call('/performance/query-performance?limit=1000', { headers: sample.admin })).json()) as QueryPerformanceBody;
  const searchStatements = perf.statements.filter((s) => s.routes.includes('/api/v1/documents/search'));
  expect(searchStatements.length, `${db}: the searches were counted`).toBeGreaterThan(0);
  const jobs = (await (await call('/performance/jobs/status', { headers: sample.admin })).json()) as { jobs?: { name: string }[] };
  // Every slow request kept, of every route; the searches' ones ran the statements carrying the markers.
  const routeTable = (await (await call('/performance/routes', { headers: sample.admin })).json()) as RoutesBody;
  const slowIds = routeTable.routes.flatMap((r) => r.slowest.map((s) => s.requestId));
  const searchIds = routeTable.routes.filter((r) => r.route === '/api/v1/documents/search').flatMap((r) => r.slowest.map((s) => s.requestId));
  expect(searchIds.length, `${db}: the searches are among their route's slowest requests`).toBeGreaterThan(0);
  const fleet = (await (await call('/performance/fleet?hours=24', { headers: sample.admin })).json()) as FleetView;
  expect(fleet.instances.length, `${db}: the fleet lists this instance`).toBeGreaterThan(0);

  for (const route of adminGetRoutes()) {
    if (route === 'query-plan') {
      // A plan of every statement seen; the searches' plans run with the markers as their values.
      for (const s of perf.statements) await admin(route, `fingerprint=${s.fingerprint}`);
    } else if (route.includes(':name')) {
      for (const job of jobs.jobs ?? []) await admin(route.replace(':name', encodeURIComponent(job.name)));
    } else if (route === 'requests/:id') {
      for (const id of slowIds) await admin(route.replace(':id', encodeURIComponent(id)));
    } else if (route === 'metrics/history') {
      await admin(route, WIDEST[route]!);
      for (const instance of fleet.instances) await admin(route, `${WIDEST[route]!}&instance=${encodeURIComponent(instance.instanceId)}`);
    } else if (route === 'dashboard') {
      await admin(route, '', { accept: 'application/json' });
      await admin(route, '', { accept: 'text/html' });
    } else {
      expect(route, `a new admin route with a path parameter: say how to fill it in`).not.toContain(':');
      await admin(route, WIDEST[route] ?? '');
    }
  }
  for (const path of ['/metrics', '/health', '/health/live', '/health/ready', '/status']) {
    const res = await fetch(sample.url + path);
    outputs.set(`GET ${path} (${res.status})`, await res.text());
  }

  // The persisted history (snapshots and alerts) as stored.
  const dataSource: DataSource = sample.app.get(getDataSourceToken());
  for (const table of ['performance_snapshots', 'performance_alerts']) {
    outputs.set(`table ${table}`, JSON.stringify(await dataSource.query(`SELECT * FROM ${table}`)));
  }

  // The searches' slow requests with the statements they ran (fingerprinted, so without the markers).
  const searchRequests: SlowRequestDetail[] = [];
  for (const id of searchIds) {
    const res = await call(`/performance/requests/${encodeURIComponent(id)}`, { headers: sample.admin });
    expect(res.status, `${db}: requests/${id}`).toBe(200);
    searchRequests.push((await res.json()) as SlowRequestDetail);
  }

  // The CLI: the full report (JSON and Markdown), the daily check, and the database advice it prints as tables.
  for (const args of [['report'], ['report', '--format', 'markdown'], ['check'], ['optimize-db'], ['recommendations']]) {
    const run = await runCli(['--url', sample.api, '--token', SAMPLE_ADMIN_TOKEN, ...args]);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).not.toBe(null);
    outputs.set(`cli ${args.join(' ')} (exit ${run.code})`, `${run.stdout}\n${run.stderr}`);
  }
  outputs.set('logs', logger.lines.join('\n'));
  return { outputs, statuses, searchRequests };
}

function leaks(collected: Collected): { where: string; excerpt: string }[] {
  return [...collected.outputs].flatMap(([where, text]) => findMarkers(where, text));
}

/** A database of this suite's own on the shared server: the stored documents never touch what other suites count. */
const OWN_DATABASE = 'nestjs_perf_bound_values';

async function ownDatabaseUrl(db: (typeof TEST_DATABASES)[number]): Promise<string> {
  if (db.name === 'sqlite') return db.url;
  const server = await new DataSource(db.name === 'postgres' ? { type: 'postgres', url: db.url } : { type: 'mysql', url: db.url }).initialize();
  try {
    if (db.name === 'mysql') await server.query(`CREATE DATABASE IF NOT EXISTS ${OWN_DATABASE}`);
    else if (!((await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [OWN_DATABASE])) as unknown[]).length) {
      await server.query(`CREATE DATABASE ${OWN_DATABASE}`);
    }
  } finally {
    await server.destroy();
  }
  const url = new URL(db.url);
  url.pathname = `/${OWN_DATABASE}`;
  return url.href;
}

interface Run {
  readonly db: (typeof TEST_DATABASES)[number];
  readonly adapter: AdapterName;
}

function suite({ db, adapter }: Run): void {
  describe.each([false, true])(`${adapter}, logParameters: %s`, (logParameters) => {
    let sample: RunningSample;
    let collected: Collected;
    const logger = new RecordingLogger();
    const consoleLines: string[] = [];

    beforeAll(async () => {
      // Whatever the library writes to the console is a log too.
      for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleLines.push(format(...args)));
      }
      sample = await startSample(adapter, {
        databaseUrl: await ownDatabaseUrl(db),
        seedDocuments: 3000,
        logger,
        env: {
          DB_LOG_PARAMETERS: String(logParameters),
          // Every statement is a slow one: the slow-query log sees the markers' statements.
          DB_SLOW_QUERY_THRESHOLD_MS: '0',
          DB_SLOW_QUERY_LOG_SIZE: '1000',
          // Plans execute the statements, with their values.
          DB_EXPLAIN_ANALYZE: 'true',
          DB_N1_HEADER: 'true',
          PERFORMANCE_HISTORY_STORE: 'typeorm',
        },
      });
      const dataSource: DataSource = sample.app.get(getDataSourceToken());
      if (db.name === 'postgres') {
        const [preload] = (await dataSource.query('SHOW shared_preload_libraries')) as { shared_preload_libraries: string }[];
        if (preload?.shared_preload_libraries.includes('pg_stat_statements')) await dataSource.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      }
      collected = await exercise(sample, logger, db.name);
      collected.outputs.set('console', consoleLines.join('\n'));
    }, 240_000);

    afterAll(async () => {
      vi.restoreAllMocks();
      if (!sample) return;
      // The next run starts from the seed alone.
      const dataSource: DataSource = sample.app.get(getDataSourceToken());
      await dataSource.query(`DELETE FROM documents WHERE title = ${db.name === 'postgres' ? '$1' : '?'}`, [MARKER]).catch(() => undefined);
      await sample.close();
    });

    it('answered every admin GET route', () => {
      expect(Object.keys(collected.statuses).length).toBeGreaterThan(20);
      const failed = Object.entries(collected.statuses).filter(([, status]) => status >= 500);
      expect(failed).toEqual([]);
      for (const route of MUST_ANSWER) {
        const answered = Object.entries(collected.statuses).filter(([r]) => r === route || r.startsWith(`${route}?`));
        expect(answered.length, `${route} was read`).toBeGreaterThan(0);
        expect(
          answered.filter(([, status]) => status !== 200),
          `${route} answered`,
        ).toEqual([]);
      }
      const requests = Object.entries(collected.statuses).filter(([r]) => r.startsWith('requests/'));
      expect(requests.length, 'slow requests were read').toBeGreaterThan(0);
      expect(requests.filter(([, status]) => status !== 200)).toEqual([]);
      const histories = Object.keys(collected.statuses).filter((r) => r.startsWith('metrics/history?') && r.includes('instance='));
      expect(histories.length, 'metrics/history of an instance was read').toBeGreaterThan(0);
    });

    it("lists the searches' statements in their slow requests, as fingerprints", () => {
      const statements = collected.searchRequests.flatMap((r) => r.statements);
      expect(statements.length).toBeGreaterThan(0);
      expect(statements.some((s) => /category/i.test(s.statement))).toBe(true);
    });

    if (!logParameters) {
      it('shows no bound value in any admin answer, plan, advice, report, log or persisted history', () => {
        expect(leaks(collected)).toEqual([]);
      });

      it('explained every statement of a kind that has a plan, without its values', () => {
        const answers = [...collected.outputs].filter(([where]) => where.startsWith('GET query-plan?'));
        // pg_stat_statements is per database, shared with suites running beside this one: a statement of theirs with
        // more than 1,664 select-list entries has no generic plan in PostgreSQL, and the answer says so.
        const refused = answers.filter(
          ([where, text]) =>
            !where.endsWith('(200)') &&
            !text.includes('only SELECT, INSERT, UPDATE and DELETE') &&
            !text.includes('target lists can have at most 1664 entries'),
        );
        expect(refused).toEqual([]);
        const plans = answers.filter(([where]) => where.endsWith('(200)'));
        expect(plans.length).toBeGreaterThan(10);
        if (db.name === 'postgres') {
          // A generic plan: the conditions name the parameters.
          expect(plans.map(([, text]) => text).join('\n')).toMatch(/\(category\)::text = \$\d/);
        }
      });
    } else {
      it('shows the bound values where logParameters allows (so the check above can fail)', () => {
        const where = new Set(leaks(collected).map((l) => l.where));
        expect(where).toContain('GET query-performance?limit=1000 (200)');
        expect([...where].some((w) => w.startsWith('cli report'))).toBe(true);
      });
    }
  });
}

for (const db of TEST_DATABASES) {
  describeWithService(db.service, db.available, `bound values stay in the process (${db.name})`, () => suite({ db, adapter: 'express' }));
}
// The database paths do not depend on the adapter: one Fastify run on SQLite.
describe('bound values stay in the process (sqlite, fastify)', () => suite({ db: TEST_DATABASES[0], adapter: 'fastify' }));
