import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredAdminRoutes } from './support/admin-routes';
import { startSample, type RunningSample } from './support/sample-app';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; description?: string; schema?: Record<string, unknown> }[];
  responses: Record<string, unknown>;
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
});
