import { readFile, writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { CliError, EXIT } from '../cli-error';
import { contextOf, finish, integerFlag, print } from '../cli-context';
import { compareReports, type ReportComparison } from '../report/report-compare';
import { renderMarkdownReport } from '../report/report-markdown';
import { collectSections, reportSectionPaths, type PerformanceReport } from '../report/report-sections';
import { renderTable } from '../table-renderer';

/** The admin endpoints a report collects (24 h window), by section name. */
export const REPORT_SECTIONS: Readonly<Record<string, string>> = reportSectionPaths(24);

interface ReportFlags {
  output?: string;
  format: 'json' | 'markdown';
  hours: number;
  compare?: string;
}

/** Reads a report `report` wrote before (JSON); usage error (exit 2) naming the file otherwise. */
async function readPrevious(file: string): Promise<PerformanceReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --compare ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, EXIT.USAGE);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`--compare ${file} is not JSON: pass a report written by nestjs-performance report (the default JSON format)`, EXIT.USAGE);
  }
  const report = parsed as Partial<PerformanceReport>;
  const sections = report?.sections;
  if (
    typeof report?.generatedAt !== 'string' ||
    !sections ||
    typeof sections !== 'object' ||
    !Object.values(sections).every((s) => s && typeof s === 'object' && 'status' in s)
  ) {
    throw new CliError(`--compare ${file} is not a report written by nestjs-performance report (JSON with generatedAt and sections)`, EXIT.USAGE);
  }
  return report as PerformanceReport;
}

/**
 * `report`: every section of the admin API in one document, each marked
 * `ok` with its data, `error` with why, or `unavailable` (feature off): one
 * failing section never stops the report. JSON by default, `--format
 * markdown` for people; `--compare <previous.json>` says what changed. Exits
 * 5 after writing when a section failed.
 */
export function reportCommand(): Command {
  return new Command('report')
    .description(
      'every admin section in one report, each marked ok or with its error (JSON, or --format markdown for people); --compare a previous JSON report',
    )
    .option('--output <file>', 'write the report to this file instead of stdout')
    .addOption(new Option('--format <format>', 'json (for machines and --compare) or markdown (for people)').choices(['json', 'markdown']).default('json'))
    .option('--hours <n>', 'window of alerts, history and errors logged, 1-720 hours', integerFlag('--hours', 1, 720), 24)
    .option('--compare <previous.json>', 'a report written before (JSON): the report says what changed since')
    .addOption(new Option('--previous <previous.json>', 'same as --compare').hideHelp())
    .action(async (flags: ReportFlags & { previous?: string }, command: Command) => {
      const ctx = contextOf(command);
      const compareWith = flags.compare ?? flags.previous;
      // Before asking the app: a bad previous report is a usage error.
      const previous = compareWith === undefined ? undefined : await readPrevious(compareWith);
      const sections = await collectSections(ctx.client, reportSectionPaths(flags.hours));
      const failed = Object.entries(sections).filter(([, s]) => s.status === 'error');
      const base: PerformanceReport = {
        generatedAt: new Date().toISOString(),
        baseUrl: ctx.client.target.baseUrl.href,
        hours: flags.hours,
        partial: failed.length > 0,
        sections,
      };
      const comparison: ReportComparison | undefined = previous ? compareReports(previous, base) : undefined;
      const report = comparison ? { ...base, comparison } : base;
      const text = flags.format === 'markdown' ? renderMarkdownReport(base, comparison) : `${JSON.stringify(report, null, 2)}\n`;
      if (failed.length) {
        ctx.err(`warning: the report is partial: ${failed.map(([n, s]) => `${n} (${s.status === 'error' ? s.error : ''})`).join('; ')}`);
        finish(EXIT.APP_ERROR);
      }
      if (flags.output === undefined) {
        ctx.out(text);
        return;
      }
      try {
        await writeFile(flags.output, text);
      } catch (error) {
        throw new CliError(
          `cannot write --output ${flags.output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Choose a writable path`,
          EXIT.USAGE,
        );
      }
      const rows = Object.entries(sections).map(([name, s]) => ({ name, state: s.status === 'ok' ? 'ok' : `${s.status}: ${s.error}` }));
      print(
        ctx,
        { output: flags.output, format: flags.format, sections: Object.fromEntries(rows.map((r) => [r.name, r.state])) },
        () =>
          `Report written to ${flags.output}\n${renderTable(rows, [
            { heading: 'section', value: (r) => r.name },
            { heading: 'state', value: (r) => r.state, max: 110 },
          ])}`,
      );
    });
}
