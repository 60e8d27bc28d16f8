import { Command } from 'commander';
import { AdminRequestError } from '../admin-client';
import { CliError, EXIT } from '../cli-error';
import { contextOf, finish, print } from '../cli-context';
import { field, listIn, renderTable } from '../table-renderer';

const NAME = /^[A-Za-z0-9._:-]{1,128}$/;
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * The state of one objective as the burn-rate alerts judge it (fast: 1h and
 * 5m above 14.4; slow: 6h and 30m above 6), or `exhausted` once the budget
 * is overspent.
 */
export function objectiveState(objective: unknown): 'exhausted' | 'fast burn' | 'slow burn' | 'ok' | 'no data' {
  const budget = field(objective, 'errorBudget');
  const burn = field(objective, 'burnRates');
  const remaining = num(field(budget, 'remainingPercent'));
  if (remaining === null) return 'no data';
  const above = (window: string, rate: number) => (num(field(burn, window)) ?? 0) > rate;
  if (above('1h', 14.4) && above('5m', 14.4)) return 'fast burn';
  if (above('6h', 6) && above('30m', 6)) return 'slow burn';
  return remaining < 0 ? 'exhausted' : 'ok';
}

/** `slos [--name N]`: each SLO's SLI, error budget left and burn rates; exit 1 while a budget is spent or burning fast. */
export function slosCommand(): Command {
  return new Command('slos')
    .description('SLOs: achieved SLI, error budget left and burn rates (exit 1 when a budget is overspent or burning fast)')
    .option('--name <name>', 'only this SLO')
    .action(async (options: { name?: string }, command: Command) => {
      if (options.name !== undefined && !NAME.test(options.name)) {
        throw new CliError(`--name must be 1-128 letters, digits, . _ : - (got ${JSON.stringify(options.name)})`, EXIT.USAGE);
      }
      const ctx = contextOf(command);
      const body = await ctx.client.get(options.name === undefined ? 'slos' : `slos?name=${encodeURIComponent(options.name)}`).catch((error: unknown) => {
        // The app's own 404s: an unknown --name, or no SLO declared. Any other 404 is a wrong --url.
        const own =
          error instanceof AdminRequestError && error.status === 404
            ? /no SLO (?:is named|is declared)[^]*?(?=: no such admin endpoint)/.exec(error.message)
            : null;
        throw own ? new CliError(own[0], EXIT.USAGE) : error;
      });
      const rows = listIn(body, 'slos').flatMap((slo) => listIn(slo, 'objectives').map((o) => ({ slo, o, state: objectiveState(o) })));
      const failing = rows.some((r) => r.state === 'exhausted' || r.state === 'fast burn');
      print(ctx, body, () => {
        const table = renderTable(rows, [
          { heading: 'slo', value: (r) => field(r.slo, 'name') },
          {
            heading: 'objective',
            value: (r) =>
              field(r.o, 'objective') === 'latency'
                ? `${String(field(r.o, 'targetPercent'))}% <= ${String(field(r.o, 'thresholdMs'))} ms`
                : `${String(field(r.o, 'targetPercent'))}% ok`,
          },
          { heading: 'window', value: (r) => `${String(field(r.slo, 'windowDays'))}d` },
          { heading: 'requests', value: (r) => field(r.o, 'requests') },
          { heading: 'bad', value: (r) => field(r.o, 'badRequests') },
          { heading: 'sli %', value: (r) => field(r.o, 'sliPercent') },
          { heading: 'budget left %', value: (r) => field(field(r.o, 'errorBudget'), 'remainingPercent') },
          { heading: 'left (req)', value: (r) => field(field(r.o, 'errorBudget'), 'remainingRequests') },
          ...['5m', '1h', '6h', '3d'].map((w) => ({ heading: `burn ${w}`, value: (r: (typeof rows)[number]) => field(field(r.o, 'burnRates'), w) })),
          { heading: 'state', value: (r) => r.state },
        ]);
        return `SLOs${failing ? ' (an error budget is overspent or burning fast)' : ''}\n${table}`;
      });
      finish(failing ? EXIT.CHECK_FAILED : EXIT.OK);
    });
}
