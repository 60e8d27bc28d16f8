import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredAdminRoutes } from './support/admin-routes';
import { startSample, type RunningSample } from './support/sample-app';

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

/** Whether a field path of the dashboard (`routes[].status.2xx`, `checks.details{}`) is in a response schema. */
function hasPath(schema: Schema | undefined, parts: readonly string[]): boolean {
  if (!schema) return false;
  if (parts.length === 0) return true;
  const alternatives = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (alternatives.some((s) => hasPath(s, parts))) return true;
  const [head, ...rest] = parts;
  if (head === '[]') return schema.type === 'array' && hasPath(schema.items, rest);
  if (head === '{}') return typeof schema.additionalProperties === 'object' && hasPath(schema.additionalProperties, rest);
  return schema.properties !== undefined && Object.hasOwn(schema.properties, head!) && hasPath(schema.properties[head!], rest);
}

/** `a[].b{}.c` as segments: a, [], b, {}, c. */
const segments = (path: string): string[] => path.split('.').flatMap((p) => p.match(/[^[\]{}]+|\[\]|\{\}/g) ?? []);

/** The READS table of the dashboard script: the fields it reads, per endpoint. */
function dashboardReads(): { reads: Record<string, string[]>; errorReads: string[]; called: string[] } {
  const source = readFileSync(join(__dirname, '..', 'libs', 'performance', 'src', 'admin', 'dashboard', 'assets', 'dashboard.js'), 'utf8');
  const start = source.indexOf('var READS = {');
  const end = source.indexOf('\n  };\n', start);
  expect(start, 'dashboard.js declares READS').toBeGreaterThan(0);
  const reads = new Function(`return ${source.slice(start + 'var READS = '.length, end + 4)}`)() as Record<string, string[]>;
  const errorReads = new Function(`return ${/var ERROR_READS = (\[[^\]]*\]);/.exec(source)![1]}`)() as string[];
  // Every endpoint named in a call (api('get …', …), ENDPOINTS entries): each must have its READS.
  const called = [...new Set([...source.matchAll(/'((?:get|post) [a-z0-9/{}._-]+)'/g)].map((m) => m[1]!))];
  return { reads, errorReads, called };
}

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; description?: string; schema?: Record<string, unknown> }[];
  responses: Record<string, { content?: { 'application/json'?: { schema?: Schema } } }>;
}

/** Every admin route as OpenAPI names it (`get /performance/jobs/{name}`), with its query parameters. */
function declaredRoutes(): { key: string; query: string[] }[] {
  return declaredAdminRoutes().map((r) => ({ key: `${r.method} /performance/${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`, query: r.query }));
}

describe('OpenAPI document of the admin API', () => {
  let sample: RunningSample;
  let operations: Map<string, Operation>;
  let doc: { paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 10 });
    const res = await fetch(`${sample.api}/performance/openapi.json`, { headers: sample.admin });
    expect(res.status).toBe(200);
    doc = (await res.json()) as { paths: Record<string, Record<string, Operation>> };
    operations = new Map();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) operations.set(`${method} ${path}`, op);
    }
  });
  afterAll(() => sample?.close());

  it('lists exactly the admin routes of the controllers, the open dashboard assets aside', () => {
    const expected = declaredRoutes()
      .map((r) => r.key)
      .filter((k) => !k.includes('/dashboard/assets/') && !k.endsWith('/openapi.json'));
    expect([...operations.keys()].sort()).toEqual(expected.sort());
    expect(expected).toEqual(expect.arrayContaining(['get /performance/query-plan', 'get /performance/jobs/{name}', 'post /performance/profiling/cpu']));
  });

  it('gives every admin operation a tag, a summary, the bearer scheme and its 401', () => {
    const missing: string[] = [];
    for (const [key, op] of operations) {
      if (!op.tags?.includes('performance')) missing.push(`${key}: tag`);
      if (!op.summary || op.summary.length < 10) missing.push(`${key}: summary`);
      if (!op.security?.some((s) => 'bearer' in s)) missing.push(`${key}: bearer`);
      if (!op.responses['401']) missing.push(`${key}: 401`);
    }
    expect(missing).toEqual([]);
  });

  it("lists the admin operations in the app's own Swagger document exactly as openapi.json states them", () => {
    // With @nestjs/swagger installed, the module describes its routes to it: an app's SwaggerModule sees them too.
    const own = SwaggerModule.createDocument(sample.app, new DocumentBuilder().build());
    const admin = Object.fromEntries(
      Object.entries(own.paths)
        .filter(([path]) => path.startsWith('/api/v1/performance/'))
        .map(([path, methods]) => [path.slice('/api/v1'.length), methods]),
    );
    expect(admin).toEqual(doc.paths);
  });

  it('documents each query parameter a handler reads, with its range or pattern, and the 400 it can answer', () => {
    const wrong: string[] = [];
    for (const route of declaredRoutes()) {
      const op = operations.get(route.key);
      if (!op) continue;
      const documented = (op.parameters ?? []).filter((p) => p.in === 'query');
      if (
        documented
          .map((p) => p.name)
          .sort()
          .join() !== route.query.join()
      )
        wrong.push(`${route.key}: documents [${documented.map((p) => p.name)}], reads [${route.query}]`);
      for (const p of documented) {
        const s = p.schema ?? {};
        if (!p.description || !('minimum' in s || 'pattern' in s || 'enum' in s)) wrong.push(`${route.key}: ${p.name} has no description or range`);
      }
      if (route.query.length > 0 && !op.responses['400']) wrong.push(`${route.key}: 400`);
    }
    expect(wrong).toEqual([]);
  });

  it('states in its response schemas every field the dashboard reads (the READS table of dashboard.js), and the page calls nothing undeclared', () => {
    const { reads, errorReads, called } = dashboardReads();
    const schemaOf = (endpoint: string): Schema | undefined => {
      const [method, path] = endpoint.split(' ');
      const op = operations.get(`${method} /performance/${path}`);
      const success = Object.entries(op?.responses ?? {}).find(([status]) => /^2/.test(status));
      return success?.[1].content?.['application/json']?.schema;
    };
    // The resolver itself tells a declared path from one that is not.
    expect(hasPath(schemaOf('get routes'), segments('routes[].status.2xx'))).toBe(true);
    expect(hasPath(schemaOf('get routes'), segments('routes[].hits'))).toBe(false);
    expect(hasPath(schemaOf('get routes'), segments('routes.method'))).toBe(false);

    const missing: string[] = [];
    for (const endpoint of called) if (!reads[endpoint]) missing.push(`${endpoint}: called, but not in READS`);
    for (const [endpoint, paths] of Object.entries(reads)) {
      const schema = schemaOf(endpoint);
      if (!schema) {
        missing.push(`${endpoint}: no response schema in openapi.json`);
        continue;
      }
      for (const path of paths) if (!hasPath(schema, segments(path))) missing.push(`${endpoint}: ${path}`);
    }
    const errorSchema = operations.get('get /performance/alerts')!.responses['400']?.content?.['application/json']?.schema;
    for (const path of errorReads) if (!hasPath(errorSchema, segments(path))) missing.push(`error body: ${path}`);
    expect(missing).toEqual([]);
    expect(Object.keys(reads).length).toBeGreaterThanOrEqual(15);
  });
});
