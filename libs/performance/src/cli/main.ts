#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT } from './cli-error';
import { DEFAULT_URL, finish, integerFlag } from './cli-context';
import { alertsCommand } from './commands/alerts.command';
import { analyzeCommand } from './commands/analyze.command';
import { checkCommand } from './commands/check.command';
import { exportCommand } from './commands/export.command';
import { loadCommand } from './commands/load.command';
import { optimizationsCommand } from './commands/optimizations.command';
import { optimizeAllCommand, optimizeCacheCommand, optimizeDbCommand } from './commands/optimize.command';
import { recommendationsCommand } from './commands/recommendations.command';
import { reportCommand } from './commands/report.command';
import { slosCommand } from './commands/slos.command';

const EXIT_CODES_HELP = `
Exit codes:
  0  ran and every check passed
  1  a KPI fails, a critical alert is firing, a load test missed its KPIs, an optimization failed, or an SLO's error budget is overspent or burning fast
  2  bad command line (unknown command or flag, bad value, refused load target, input the app rejected)
  3  the app could not be reached (refused, unknown host, timeout, no admin API at --url: 404)
  4  no admin token, or the app refused it (401/403)
  5  the app failed (5xx) or answered something that is not its admin API
  6  check: a job failed its last run, is overdue, or has a job alert firing
  7  check: an alert is firing (warning or worse; --alert-severity)
  8  check: disk or memory: a resource check of the app is down, disk above --max-disk-percent, or RSS grew above --max-memory-growth
  9  check: errors were logged through Nest's Logger (more than --max-errors-logged)
  (check exits with the code of the first failing class in this order: 1 KPIs, 6, 7, 8, 9)

Examples:
  nestjs-performance analyze --url http://localhost:3000/api/v1 --token $TOKEN
  PERFORMANCE_URL=http://localhost:3000/api/v1 PERFORMANCE_ADMIN_TOKEN=... nestjs-performance alerts --json
  nestjs-performance load -e /hello -e /documents/1 -c 10 -d 10
  nestjs-performance load -e /hello --sweep 1,5,10,25,50,100 -d 10
  nestjs-performance check --hours 24 || echo "daily check failed with $?"
  nestjs-performance report --format markdown --compare yesterday.json --output report.md
  nestjs-performance export grafana --output dashboard.json
  nestjs-performance export prometheus-rules --selector 'job="api"' --output rules.yml
  nestjs-performance slos --name checkout`;

/** Builds the program: global options, commands, and commander's errors mapped to exit code 2. */
export function buildProgram(): Command {
  const program = new Command('nestjs-performance')
    .description('Command-line client of the nestjs-performance admin API, and a load tester')
    .version(readVersion(), '-v, --version')
    .addOption(new Option('--url <url>', "the app's base URL, global prefix included").env('PERFORMANCE_URL').default(DEFAULT_URL))
    .addOption(new Option('--token <token>', 'admin bearer token').env('PERFORMANCE_ADMIN_TOKEN'))
    .addOption(new Option('--admin-path <path>', "the app's admin path below --url").env('PERFORMANCE_ADMIN_PATH').default('performance'))
    .addOption(new Option('--timeout <seconds>', 'per-request timeout, 1-600 s').argParser(integerFlag('--timeout', 1, 600)).default(10))
    .option('--json', 'machine-readable JSON on stdout instead of tables')
    .showHelpAfterError('(run nestjs-performance --help, or nestjs-performance <command> --help, for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  for (const command of [
    analyzeCommand(),
    checkCommand(),
    recommendationsCommand(),
    optimizeDbCommand(),
    optimizeCacheCommand(),
    optimizeAllCommand(),
    optimizationsCommand(),
    reportCommand(),
    alertsCommand(),
    loadCommand(),
    exportCommand(),
    slosCommand(),
  ]) {
    program.addCommand(command.exitOverride().showHelpAfterError(`(run nestjs-performance ${command.name()} --help for usage)`));
  }
  return program;
}

function readVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file outside the compiled sources
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Runs the CLI with the given arguments (without `node` and the script). */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp();
    finish(EXIT.USAGE);
    return;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message; help and --version exit 0.
      finish(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
      return;
    }
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      finish(error.exitCode);
      return;
    }
    process.stderr.write(`error: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    finish(EXIT.APP_ERROR);
  }
}

if (require.main === module) void main(process.argv.slice(2));
