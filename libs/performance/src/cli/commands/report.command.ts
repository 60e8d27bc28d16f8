import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { fetchSections } from '../admin-sections';
import { CliError, EXIT } from '../cli-error';
import { contextOf, finish, print } from '../cli-context';
import { renderTable } from '../table-renderer';

/** The admin endpoints a report collects, by section name. */
export const REPORT_SECTIONS: Readonly<Record<string, string>> = {
  health: 'health-overview',
  metrics: 'metrics/current',
  kpis: 'kpis',
  alerts: 'alerts?hours=24',
  recommendations: 'recommendations',
  bottlenecks: 'bottlenecks',
  capacity: 'capacity?days=30',
  queries: 'query-performance',
  indexes: 'suggest-indexes',
  optimizations: 'optimizations',
  connectionPool: 'connection-pool',
  cache: 'cache-stats',
  loadTest: 'load-test/status',
};

/**
 * `report [--output file]`: every admin endpoint in one JSON document. An
 * endpoint that fails (5xx) does not stop it: the report holds the others,
 * names the failed ones in `failed`, and the command exits 5 after writing it.
 */
export function reportCommand(): Command {
  return new Command('report')
    .description('collect every admin endpoint into one JSON report (stdout, or --output file)')
    .option('--output <file>', 'write the report to this file instead of stdout')
    .action(async (options: { output?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { bodies, unavailable, failed } = await fetchSections(ctx.client, REPORT_SECTIONS, { keepGoing: true });
      const failedNames = Object.keys(failed);
      const report = {
        generatedAt: new Date().toISOString(),
        baseUrl: ctx.client.target.baseUrl.href,
        sections: bodies,
        unavailable,
        ...(failedNames.length ? { failed } : {}),
      };
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (failedNames.length) {
        ctx.err(`warning: the report is partial: ${failedNames.map((n) => `${n} (${failed[n]})`).join('; ')}`);
        finish(EXIT.APP_ERROR);
      }
      if (options.output === undefined) {
        ctx.out(json);
        return;
      }
      try {
        await writeFile(options.output, json);
      } catch (error) {
        throw new CliError(
          `cannot write --output ${options.output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Choose a writable path`,
          EXIT.USAGE,
        );
      }
      const rows = Object.keys(REPORT_SECTIONS).map((name) => ({
        name,
        state: name in bodies ? 'included' : (unavailable[name] ?? `failed: ${failed[name]}`),
      }));
      print(
        ctx,
        { output: options.output, included: Object.keys(bodies), unavailable, ...(failedNames.length ? { failed } : {}) },
        () =>
          `Report written to ${options.output}\n${renderTable(rows, [
            { heading: 'section', value: (r) => r.name },
            { heading: 'state', value: (r) => r.state, max: 90 },
          ])}`,
      );
    });
}
