import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredAdminRoutes } from './support/admin-routes';

// docs/endpoints.md is the endpoint reference users read: it must list exactly the admin routes the
// controllers declare, each with exactly the query parameters the route takes.

/** `get metrics/history` → its query parameter names, read from the controllers. */
function declaredRoutes(): Map<string, string[]> {
  return new Map(declaredAdminRoutes().map((r) => [`${r.method} ${r.path}`, r.query]));
}

/** The admin rows of docs/endpoints.md: `| \`GET metrics/history?hours=24\` |`, the first cell of each. */
function documentedRoutes(): Map<string, string[]> {
  const page = readFileSync(join(__dirname, '..', 'docs', 'endpoints.md'), 'utf8');
  const routes = new Map<string, string[]>();
  for (const line of page.split('\n')) {
    const row = /^\| `(GET|POST|PUT|PATCH|DELETE) ([^/`][^`]*)`([^|]*)\|/.exec(line);
    if (!row) continue;
    const [, method, target, rest] = row;
    const path = target!.split('?')[0]!;
    // Every parameter the cell names: `?a=1&b=`, and alternatives written after it (`or \`?all=true\``).
    const query = [...`${target}${rest}`.matchAll(/[?&]([A-Za-z][\w-]*)=/g)].map((m) => m[1]!);
    routes.set(`${method!.toLowerCase()} ${path}`, [...new Set(query)].sort());
  }
  return routes;
}

describe('docs/endpoints.md, the endpoint reference', () => {
  const declared = declaredRoutes();
  const documented = documentedRoutes();

  it('lists every admin route, and no route that does not exist', () => {
    expect(declared.size).toBeGreaterThan(20);
    expect([...documented.keys()].sort()).toEqual([...declared.keys()].sort());
  });

  it('names exactly the query parameters each route takes', () => {
    const mismatches = [...declared].filter(([key, query]) => documented.has(key) && documented.get(key)!.join(',') !== query.join(','));
    expect(mismatches.map(([key, query]) => `${key}: takes ${query.join(', ') || 'none'}, documented ${documented.get(key)!.join(', ') || 'none'}`)).toEqual(
      [],
    );
  });
});

describe('the documentation pages', () => {
  const ROOT = join(__dirname, '..');
  const pages = [
    'README.md',
    'libs/performance/README.md',
    'bench/README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const slug = (heading: string) =>
    heading
      .toLowerCase()
      .replace(/<[^>]+>/g, '')
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-');

  it('link only to pages and headings that exist', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(link!)) continue;
        const [file, anchor] = link!.split('#');
        const target = file ? join(ROOT, dirname(page), file) : join(ROOT, page);
        if (!existsSync(target)) {
          broken.push(`${page}: ${link} (no such file)`);
        } else if (anchor && target.endsWith('.md')) {
          const headings = [...readFileSync(target, 'utf8').matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]!));
          if (!headings.includes(anchor)) broken.push(`${page}: ${link} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('keep the root README short', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThan(200);
  });
});
