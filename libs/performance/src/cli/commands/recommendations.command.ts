import { Command } from 'commander';
import { contextOf, print } from '../cli-context';
import { field, listIn, renderTable, type Column } from '../table-renderer';

/** Table columns of a recommendation list. */
export const RECOMMENDATION_COLUMNS: readonly Column<unknown>[] = [
  { heading: 'id', value: (r) => field(r, 'id'), max: 40 },
  { heading: 'category', value: (r) => field(r, 'category') },
  { heading: 'severity', value: (r) => field(r, 'severity') },
  { heading: 'title', value: (r) => field(r, 'title') ?? field(r, 'description') ?? field(r, 'action'), max: 70 },
];

/** The recommendation list of a `recommendations` body. */
export function recommendationsIn(body: unknown): unknown[] {
  return listIn(body, 'recommendations', 'items');
}

/** `recommendations`: what the app's advisor suggests, most severe first as the app orders them. */
export function recommendationsCommand(): Command {
  return new Command('recommendations').description('list the optimization recommendations of the app').action(async (_options: unknown, command: Command) => {
    const ctx = contextOf(command);
    const body = await ctx.client.get('recommendations');
    print(ctx, body, () => renderTable(recommendationsIn(body), RECOMMENDATION_COLUMNS));
  });
}
