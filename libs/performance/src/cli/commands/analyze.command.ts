import { Command } from 'commander';
import { fetchSections } from '../admin-sections';
import { EXIT } from '../cli-error';
import { contextOf, finish, integerFlag, print } from '../cli-context';
import { cell, field, listIn, renderPairs, renderTable, scalarColumns } from '../table-renderer';

/** True when a `kpis` body has a failing KPI. */
export function kpisFailing(kpis: unknown): boolean {
  if (field(kpis, 'passing') === false) return true;
  return listIn(kpis, 'kpis').some((k) => field(k, 'status') === 'fail' || field(k, 'passed') === false);
}

/** Renders a `kpis` body as a table: each KPI's target (its good level), critical level, value, status and level. */
export function renderKpis(kpis: unknown): string {
  const unit = (k: unknown) => {
    const u = field(k, 'unit');
    return typeof u === 'string' && u ? ` ${u}` : '';
  };
  return renderTable(listIn(kpis, 'kpis'), [
    { heading: 'kpi', value: (k) => field(k, 'name') },
    { heading: 'target', value: (k) => `${cell(field(k, 'comparison'))} ${cell(field(k, 'target'))}${unit(k)}` },
    { heading: 'critical', value: (k) => (field(k, 'critical') === null ? '-' : `${cell(field(k, 'critical'))}${unit(k)}`) },
    { heading: 'current', value: (k) => field(k, 'current') },
    { heading: 'status', value: (k) => field(k, 'status') },
    { heading: 'level', value: (k) => field(k, 'level') ?? '-' },
  ]);
}

/** `data at <time> (<n> s window)` of a body with `dataAt` and `window`, or undefined without them. */
function dataLine(body: unknown): string | undefined {
  const at = field(body, 'dataAt');
  if (typeof at !== 'string') return undefined;
  const seconds = field(field(body, 'window'), 'seconds');
  return typeof seconds === 'number' ? `${at} (${seconds} s window)` : at;
}

/** Renders a `health-overview` body as one line per part. */
export function renderHealth(health: unknown): string {
  const parts = field(health, 'parts');
  const pairs: [string, unknown][] = [['score', `${cell(field(health, 'score'))}/100 ${cell(field(health, 'status'))}`]];
  const data = dataLine(health);
  if (data) pairs.push(['data at', data]);
  if (parts && typeof parts === 'object') {
    for (const [name, part] of Object.entries(parts)) pairs.push([name, `${cell(field(part, 'score'))} (weight ${cell(field(part, 'weight'))})`]);
  }
  return renderPairs(pairs);
}

/**
 * `analyze --hours 24`: health score, KPIs, bottlenecks and a history
 * summary. The verdict is the app's own judgment (`thresholds`): exit 1 when
 * a KPI fails (a metric in warning or critical) or the health is unhealthy.
 */
export function analyzeCommand(): Command {
  return new Command('analyze')
    .description(
      'summary of health, KPIs and bottlenecks over the last hours (exit 1 when a KPI fails, that is a metric past its good level, or health is unhealthy)',
    )
    .option('--hours <n>', 'history window, 1-720 hours', integerFlag('--hours', 1, 720), 24)
    .action(async (options: { hours: number }, command: Command) => {
      const ctx = contextOf(command);
      const { bodies, unavailable } = await fetchSections(ctx.client, {
        health: 'health-overview',
        kpis: 'kpis',
        bottlenecks: 'bottlenecks',
        history: `metrics/history?hours=${options.hours}`,
      });
      const failing = 'kpis' in bodies && kpisFailing(bodies.kpis);
      const unhealthy = field(bodies.health, 'status') === 'unhealthy';
      print(ctx, { hours: options.hours, ...bodies, unavailable }, () => {
        const blocks: string[] = [];
        if ('health' in bodies) blocks.push(`Health\n${renderHealth(bodies.health)}`);
        if ('kpis' in bodies) {
          const data = dataLine(bodies.kpis);
          blocks.push(`KPIs: ${failing ? 'FAILING' : 'passing'}${data ? ` (data at ${data})` : ''}\n${renderKpis(bodies.kpis)}`);
        }
        if ('bottlenecks' in bodies) {
          const rows = listIn(bodies.bottlenecks, 'bottlenecks', 'items');
          blocks.push(`Bottlenecks\n${renderTable(rows, scalarColumns(rows))}`);
        }
        if ('history' in bodies) {
          const points = listIn(bodies.history, 'points', 'snapshots', 'history');
          blocks.push(`History (${options.hours} h): ${points.length} points`);
        }
        for (const [name, why] of Object.entries(unavailable)) blocks.push(`${name}: ${why}`);
        return blocks.join('\n\n');
      });
      finish(failing || unhealthy ? EXIT.CHECK_FAILED : EXIT.OK);
    });
}
