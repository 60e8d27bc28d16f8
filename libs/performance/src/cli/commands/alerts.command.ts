import { Command } from 'commander';
import { EXIT } from '../cli-error';
import { contextOf, finish, integerFlag, print } from '../cli-context';
import { field, listIn, renderTable } from '../table-renderer';

/** True for an alert that is critical and still open (not resolved or cleared). */
export function isOpenCritical(alert: unknown): boolean {
  const status = field(alert, 'status');
  const open = status === undefined ? field(alert, 'resolvedAt') == null : status === 'firing' || status === 'active' || status === 'open';
  return field(alert, 'severity') === 'critical' && open;
}

/** `alerts [--hours N] [--clear]`: alerts of the window; exit 1 while a critical alert is firing. */
export function alertsCommand(): Command {
  return new Command('alerts')
    .description('alerts of the last hours (exit 1 while a critical alert is firing); --clear clears them first')
    .option('--hours <n>', 'window, 1-720 hours', integerFlag('--hours', 1, 720), 24)
    .option('--clear', 'clear the alerts (POST alerts/clear) before listing')
    .action(async (options: { hours: number; clear?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const cleared = options.clear ? (await ctx.client.post('alerts/clear')).body : undefined;
      const body = await ctx.client.get(`alerts?hours=${options.hours}`);
      const alerts = listIn(body, 'alerts', 'items');
      const critical = alerts.some(isOpenCritical);
      print(ctx, options.clear ? { cleared, ...(body && typeof body === 'object' && !Array.isArray(body) ? body : { alerts }) } : body, () => {
        const table = renderTable(alerts, [
          { heading: 'severity', value: (a) => field(a, 'severity') },
          { heading: 'status', value: (a) => field(a, 'status') },
          { heading: 'rule', value: (a) => field(a, 'rule') ?? field(a, 'metric') ?? field(a, 'name') },
          { heading: 'value', value: (a) => field(a, 'value') },
          { heading: 'count', value: (a) => field(a, 'count') },
          { heading: 'fired', value: (a) => field(a, 'firedAt') },
          { heading: 'duration', value: (a) => (typeof field(a, 'durationSeconds') === 'number' ? `${String(field(a, 'durationSeconds'))} s` : undefined) },
          { heading: 'flapping', value: (a) => (field(a, 'flapping') === true ? `yes (${String(field(a, 'transitions'))} changes)` : undefined) },
          { heading: 'last seen', value: (a) => field(a, 'lastSeen') ?? field(a, 'timestamp') },
          { heading: 'message', value: (a) => field(a, 'message'), max: 70 },
        ]);
        return `${options.clear ? 'Alerts cleared.\n' : ''}Alerts of the last ${options.hours} h${critical ? ' (CRITICAL firing)' : ''}\n${table}`;
      });
      finish(critical ? EXIT.CHECK_FAILED : EXIT.OK);
    });
}
