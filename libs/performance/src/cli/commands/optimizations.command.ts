import { Command } from 'commander';
import { contextOf, print } from '../cli-context';
import { field, listIn, renderTable, type Column } from '../table-renderer';

/** Mean time of an optimization's statements, weighted by their calls, before (`before`) or since (`after`); null without calls. */
export function meanOfStatements(optimization: unknown, when: 'before' | 'after'): number | null {
  let calls = 0;
  let total = 0;
  for (const statement of listIn(field(optimization, 'statements'))) {
    const figures = field(statement, when);
    const n = Number(field(figures, 'calls'));
    const mean = Number(field(figures, 'meanMs'));
    if (!Number.isFinite(n) || !Number.isFinite(mean) || n <= 0) continue;
    calls += n;
    total += n * mean;
  }
  return calls ? Math.round((total / calls) * 100) / 100 : null;
}

/** Table columns of an optimization list. */
export const OPTIMIZATION_COLUMNS: readonly Column<unknown>[] = [
  { heading: 'applied at', value: (o) => field(o, 'appliedAt') },
  { heading: 'action', value: (o) => field(o, 'action') },
  { heading: 'result', value: (o) => field(o, 'result') },
  { heading: 'title', value: (o) => field(o, 'title'), max: 50 },
  { heading: 'sql', value: (o) => field(o, 'sql'), max: 70 },
  { heading: 'before ms', value: (o) => meanOfStatements(o, 'before') },
  { heading: 'after ms', value: (o) => meanOfStatements(o, 'after') },
];

/** `optimizations`: what optimize/:id applied (or failed to) on the app, newest first. */
export function optimizationsCommand(): Command {
  return new Command('optimizations')
    .description('list the optimizations the app applied (or failed to apply), newest first, with their SQL and the time before and since')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const body = await ctx.client.get('optimizations');
      print(ctx, body, () => renderTable(listIn(body, 'optimizations'), OPTIMIZATION_COLUMNS));
    });
}
