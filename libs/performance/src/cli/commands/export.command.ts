import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { contextOf, type CliContext } from '../cli-context';
import { CliError, EXIT } from '../cli-error';
import { grafanaDashboard } from '../export/grafana-dashboard';
import { prometheusRules } from '../export/prometheus-rules';
import { slosOf, type SloExport } from '../export/slo-rules';
import { AdminRequestError } from '../admin-client';
import { parseSelector, type ExportConfig } from '../export/thresholds';

interface ExportOptions {
  output?: string;
  selector?: string;
}

const DURATION = /^[1-9][0-9]{0,3}[smh]$/;

function selectorOf(raw: string | undefined): string {
  try {
    return parseSelector(raw);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.USAGE);
  }
}

/** Reads the app's thresholds from `dashboard/config`; fails naming what is missing. */
async function configOf(ctx: CliContext): Promise<ExportConfig> {
  const body = await ctx.client.get<{ thresholds?: unknown; alertForSeconds?: unknown }>('dashboard/config');
  const thresholds = body?.thresholds;
  if (!thresholds || typeof thresholds !== 'object' || Array.isArray(thresholds)) {
    throw new CliError('dashboard/config answered without a thresholds object: is --url an app with nestjs-performance?', EXIT.APP_ERROR);
  }
  const forSeconds = body.alertForSeconds;
  return {
    thresholds: thresholds as ExportConfig['thresholds'],
    ...(typeof forSeconds === 'number' && Number.isFinite(forSeconds) && forSeconds >= 0 ? { alertForSeconds: forSeconds } : {}),
  };
}

/** The app's SLOs (`GET slos`); none when it declares none (404). */
async function slosOfApp(ctx: CliContext): Promise<SloExport[]> {
  try {
    return slosOf(await ctx.client.get('slos'));
  } catch (error) {
    if (error instanceof AdminRequestError && error.status === 404) return [];
    throw error;
  }
}

async function emit(ctx: CliContext, text: string, output: string | undefined, what: string): Promise<void> {
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(output, text);
  } catch (error) {
    throw new CliError(`cannot write --output ${output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Choose a writable path`, EXIT.USAGE);
  }
  ctx.err(`${what} written to ${output}`);
}

/**
 * `export grafana | prometheus-rules [--output file] [--selector matchers]`:
 * a Grafana dashboard or Prometheus alerting rules for the module's metrics,
 * with the thresholds of the running app (`dashboard/config`).
 */
export function exportCommand(): Command {
  const command = new Command('export').description('write a Grafana dashboard or Prometheus alerting rules for the module metrics (thresholds from the app)');
  command
    .command('grafana')
    .description('a Grafana dashboard JSON: HTTP by route and status, database, cache, event loop, methods, jobs, alerts')
    .exitOverride()
    .option('--output <file>', 'write to this file instead of stdout')
    .option('--selector <matchers>', 'PromQL label matchers added to every query, e.g. job="api"')
    .option('--title <title>', 'the dashboard title', 'nestjs-performance')
    .action(async (options: ExportOptions & { title: string }, sub: Command) => {
      const selector = selectorOf(options.selector);
      const ctx = contextOf(sub);
      const dashboard = grafanaDashboard(await configOf(ctx), { selector, title: options.title, slos: await slosOfApp(ctx) });
      await emit(ctx, `${JSON.stringify(dashboard, null, 2)}\n`, options.output, 'Grafana dashboard');
    });
  command
    .command('prometheus-rules')
    .description("Prometheus alerting rules (YAML) from the app's alert thresholds, and SLO burn-rate rules for its SLOs")
    .exitOverride()
    .option('--output <file>', 'write to this file instead of stdout')
    .option('--selector <matchers>', 'PromQL label matchers added to every query, e.g. job="api"')
    .option('--for <duration>', "how long a threshold must be crossed before the alert fires (1s-9999h); default: the app's alerts.forSeconds, else 5m")
    .action(async (options: ExportOptions & { for?: string }, sub: Command) => {
      const selector = selectorOf(options.selector);
      if (options.for !== undefined && !DURATION.test(options.for)) {
        throw new CliError(`--for must be a duration such as 30s, 5m or 1h (got ${JSON.stringify(options.for)})`, EXIT.USAGE);
      }
      const ctx = contextOf(sub);
      const config = await configOf(ctx);
      const rules = prometheusRules(config, {
        selector,
        source: ctx.client.target.baseUrl.href,
        // The app's own hold, so Prometheus fires when the module would.
        forDuration: options.for ?? (config.alertForSeconds === undefined ? '5m' : `${Math.round(config.alertForSeconds)}s`),
        slos: await slosOfApp(ctx),
      });
      await emit(ctx, rules, options.output, 'Prometheus rules');
    });
  return command;
}
