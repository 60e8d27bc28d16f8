import { Command } from 'commander';
import { runBatch } from '../../core/batch-runner';
import { fetchSections } from '../admin-sections';
import { CliError, EXIT } from '../cli-error';
import { contextOf, finish, print, type CliContext } from '../cli-context';
import { field, listIn, renderTable } from '../table-renderer';
import { RECOMMENDATION_COLUMNS, recommendationsIn } from './recommendations.command';

/** What happened to one recommendation: planned (dry run), applied, manual (409) or failed. */
export interface OptimizationOutcome {
  readonly id: string;
  readonly category: string;
  readonly outcome: 'planned' | 'applied' | 'manual' | 'failed';
  /** The app's answer: what it did, the manual steps, or the error. */
  readonly detail: unknown;
}

/** Same pattern as the admin API's ids, checked before anything is sent. */
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Plans or applies the recommendations of `categories` (all when empty), one
 * at a time so schema changes never overlap; each failure is captured and the
 * rest still run.
 */
async function optimize(ctx: CliContext, recommendations: readonly unknown[], apply: boolean): Promise<OptimizationOutcome[]> {
  const items = recommendations.filter((r) => typeof field(r, 'id') === 'string' && ID_PATTERN.test(field(r, 'id') as string));
  if (!apply) {
    return items.map((r) => {
      const action = field(r, 'action');
      const how = field(action, 'automatic') === false ? 'manual steps' : 'would apply';
      return {
        id: field(r, 'id') as string,
        category: String(field(r, 'category') ?? ''),
        outcome: 'planned',
        detail: `${how}: ${String(field(action, 'summary') ?? field(r, 'title') ?? '')}`,
      };
    });
  }
  const { outcomes } = await runBatch(items, (r) => ctx.client.post(`optimize/${encodeURIComponent(field(r, 'id') as string)}`, undefined, [409]), {
    concurrency: 1,
  });
  return outcomes.map((o) => {
    const id = field(o.item, 'id') as string;
    const category = String(field(o.item, 'category') ?? '');
    if (!o.ok) return { id, category, outcome: 'failed', detail: o.error instanceof Error ? o.error.message : String(o.error) };
    return { id, category, outcome: o.value.status === 409 ? 'manual' : 'applied', detail: o.value.body };
  });
}

function renderOutcomes(outcomes: readonly OptimizationOutcome[], apply: boolean): string {
  const table = renderTable(outcomes, [
    { heading: 'id', value: (o) => o.id, max: 40 },
    { heading: 'category', value: (o) => o.category },
    { heading: 'outcome', value: (o) => o.outcome },
    { heading: 'detail', value: (o) => (typeof o.detail === 'object' && o.detail !== null ? (field(o.detail, 'message') ?? o.detail) : o.detail), max: 70 },
  ]);
  return apply ? table : `${table}\n\ndry run: nothing was changed. Pass --apply-changes to apply these.`;
}

function finishOptimize(outcomes: readonly OptimizationOutcome[]): void {
  finish(outcomes.some((o) => o.outcome === 'failed') ? EXIT.CHECK_FAILED : EXIT.OK);
}

/** Recommendations of the categories, or the 404 thrown again when applying needs them. */
function pick(body: unknown, categories: readonly string[]): unknown[] {
  return recommendationsIn(body).filter((r) => categories.length === 0 || categories.includes(String(field(r, 'category'))));
}

/** `optimize-db [--apply-changes]`: index suggestions, N+1 and slow statements, and the database recommendations. */
export function optimizeDbCommand(): Command {
  return new Command('optimize-db')
    .description('database advice (indexes, N+1, slow statements); dry run unless --apply-changes')
    .option('--apply-changes', 'apply the database recommendations the app can apply safely')
    .action(async (options: { applyChanges?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const apply = options.applyChanges === true;
      const { bodies, unavailable } = await fetchSections(ctx.client, {
        indexes: 'suggest-indexes',
        queries: 'query-performance?limit=10',
        recommendations: 'recommendations',
      });
      if (apply && !('recommendations' in bodies)) await ctx.client.get('recommendations');
      const outcomes = await optimize(ctx, pick(bodies.recommendations, ['database']), apply);
      print(ctx, { apply, ...bodies, outcomes, unavailable }, () => {
        const blocks: string[] = [];
        const suggestions = listIn(bodies.indexes, 'databases').flatMap((d) => listIn(d, 'suggestions'));
        if ('indexes' in bodies) {
          blocks.push(
            `Index suggestions\n${renderTable(suggestions, [
              { heading: 'table', value: (s) => field(s, 'table') },
              { heading: 'columns', value: (s) => field(s, 'columns') },
              { heading: 'statement', value: (s) => field(s, 'createIndex') ?? field(s, 'sql'), max: 90 },
            ])}`,
          );
        }
        if ('queries' in bodies) {
          const statements = listIn(bodies.queries, 'statements');
          const n1 = field(field(bodies.queries, 'n1'), 'count');
          const slow = field(field(bodies.queries, 'slowQueries'), 'count');
          blocks.push(
            `Statements (most total time first; ${String(n1 ?? 0)} N+1 findings, ${String(slow ?? 0)} slow)\n${renderTable(statements, [
              { heading: 'calls', value: (s) => field(s, 'calls') },
              { heading: 'mean ms', value: (s) => field(s, 'meanMs') },
              { heading: 'total ms', value: (s) => field(s, 'totalMs') },
              { heading: 'statement', value: (s) => field(s, 'statement') ?? field(s, 'sql'), max: 80 },
            ])}`,
          );
        }
        if ('recommendations' in bodies) blocks.push(`Database recommendations\n${renderOutcomes(outcomes, apply)}`);
        for (const [name, why] of Object.entries(unavailable)) blocks.push(`${name}: ${why}`);
        return blocks.join('\n\n');
      });
      finishOptimize(outcomes);
    });
}

/** Renders a `cache-stats` body: one row for all namespaces, then one per namespace. */
export function renderCacheStats(body: unknown): string {
  const namespaces = field(body, 'namespaces');
  const rows: [string, unknown][] = [['(all)', field(body, 'totals')]];
  if (namespaces && typeof namespaces === 'object') rows.push(...Object.entries(namespaces));
  return renderTable(rows, [
    { heading: 'namespace', value: ([name]) => name },
    { heading: 'hits', value: ([, c]) => field(c, 'hits') },
    { heading: 'misses', value: ([, c]) => field(c, 'misses') },
    { heading: 'stale', value: ([, c]) => field(c, 'stale') },
    { heading: 'bypasses', value: ([, c]) => field(c, 'bypasses') },
    { heading: 'hit rate %', value: ([, c]) => (typeof field(c, 'hitRate') === 'number' ? (field(c, 'hitRate') as number) * 100 : undefined) },
  ]);
}

/** `optimize-cache [--clear-cache] [--namespace N] [--apply-changes]`: cache statistics, cache recommendations, clearing. */
export function optimizeCacheCommand(): Command {
  return new Command('optimize-cache')
    .description('cache hit rates and advice; --clear-cache clears the response cache (one namespace with --namespace)')
    .option('--clear-cache', 'clear the response cache (every namespace unless --namespace)')
    .option('--namespace <name>', 'the namespace to clear')
    .option('--apply-changes', 'apply the cache recommendations the app can apply safely')
    .action(async (options: { clearCache?: boolean; namespace?: string; applyChanges?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      if (options.namespace !== undefined && !ID_PATTERN.test(options.namespace)) {
        throw new CliError(`--namespace must be 1-128 letters, digits, . _ : - (got ${JSON.stringify(options.namespace)})`, EXIT.USAGE);
      }
      if (options.namespace !== undefined && !options.clearCache) {
        throw new CliError('--namespace only says what --clear-cache clears: add --clear-cache', EXIT.USAGE);
      }
      const apply = options.applyChanges === true;
      let cleared: unknown;
      if (options.clearCache) {
        const query = options.namespace === undefined ? '?all=true' : `?namespace=${encodeURIComponent(options.namespace)}`;
        cleared = (await ctx.client.post(`cache/clear${query}`)).body;
      }
      const { bodies, unavailable } = await fetchSections(ctx.client, { cache: 'cache-stats', recommendations: 'recommendations' });
      if (apply && !('recommendations' in bodies)) await ctx.client.get('recommendations');
      const outcomes = await optimize(ctx, pick(bodies.recommendations, ['cache']), apply);
      print(ctx, { apply, ...(options.clearCache ? { cleared } : {}), ...bodies, outcomes, unavailable }, () => {
        const blocks: string[] = [];
        if (options.clearCache)
          blocks.push(`Cleared ${options.namespace === undefined ? 'every namespace' : `namespace ${options.namespace}`}: ${JSON.stringify(cleared)}`);
        if ('cache' in bodies) blocks.push(`Cache (hit rate per namespace)\n${renderCacheStats(bodies.cache)}`);
        if ('recommendations' in bodies) blocks.push(`Cache recommendations\n${renderOutcomes(outcomes, apply)}`);
        for (const [name, why] of Object.entries(unavailable)) blocks.push(`${name}: ${why}`);
        return blocks.join('\n\n');
      });
      finishOptimize(outcomes);
    });
}

/** `optimize-all [--apply-changes]`: every recommendation, planned or applied. */
export function optimizeAllCommand(): Command {
  return new Command('optimize-all')
    .description('every recommendation of the app; dry run unless --apply-changes')
    .option('--apply-changes', 'apply what the app can apply safely (the rest is listed with its manual steps)')
    .action(async (options: { applyChanges?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const apply = options.applyChanges === true;
      const body = await ctx.client.get('recommendations');
      const outcomes = await optimize(ctx, pick(body, []), apply);
      print(ctx, { apply, outcomes }, () => `${renderTable(recommendationsIn(body), RECOMMENDATION_COLUMNS)}\n\n${renderOutcomes(outcomes, apply)}`);
      finishOptimize(outcomes);
    });
}
