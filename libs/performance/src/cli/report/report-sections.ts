import { runBatch } from '../../core/batch-runner';
import { AdminRequestError, type AdminClient } from '../admin-client';
import { EXIT } from '../cli-error';

/** One section of a report: its data, or why it is missing. */
export type ReportSection =
  | { readonly status: 'ok'; readonly data: unknown }
  /** The app failed to answer it (5xx, bad answer, timeout, a 400 from an older version): the error says which. */
  | { readonly status: 'error'; readonly error: string }
  /** The app does not offer it (404: the feature is off, or an older version). */
  | { readonly status: 'unavailable'; readonly error: string };

/** A report as `report` writes it (JSON), and as `--compare` reads a previous one. */
export interface PerformanceReport {
  readonly generatedAt: string;
  readonly baseUrl: string;
  /** Window of alerts, history and logs, hours. */
  readonly hours: number;
  /** True when a section is `error`. */
  readonly partial: boolean;
  readonly sections: Readonly<Record<string, ReportSection>>;
}

/** The admin endpoint of each section, by section name, for a window of `hours`. */
export function reportSectionPaths(hours: number): Readonly<Record<string, string>> {
  return {
    health: 'health-overview',
    metrics: 'metrics/current',
    kpis: 'kpis',
    alerts: `alerts?hours=${hours}`,
    recommendations: 'recommendations',
    bottlenecks: 'bottlenecks',
    capacity: 'capacity?days=30',
    routes: 'routes',
    queries: 'query-performance',
    databaseStats: 'database-stats',
    indexes: 'suggest-indexes',
    optimizations: 'optimizations',
    connectionPool: 'connection-pool',
    jobs: 'jobs/status',
    history: `metrics/history?hours=${hours}`,
    cache: 'cache-stats',
    cacheWarming: 'cache-warming',
    methods: 'methods',
    logs: `logs/counts?hours=${hours}`,
    slos: 'slos',
    loadTest: 'load-test/status',
  };
}

/**
 * GETs every section (at most 4 at once) and marks each `ok`, `error` or
 * `unavailable`: one failing section never stops the others. Only when no
 * section answered does it throw the first failure, so a wrong URL or token
 * still exits 3 or 4 rather than writing an empty report.
 */
export async function collectSections(client: AdminClient, paths: Readonly<Record<string, string>>): Promise<Record<string, ReportSection>> {
  const entries = Object.entries(paths);
  const { outcomes } = await runBatch(entries, ([, path]) => client.get(path), { concurrency: 4 });
  const sections: Record<string, ReportSection> = {};
  let first: unknown;
  for (const outcome of outcomes) {
    const [name] = outcome.item;
    if (outcome.ok) {
      sections[name] = { status: 'ok', data: outcome.value };
      continue;
    }
    const error = outcome.error;
    first ??= error;
    if (error instanceof AdminRequestError && error.status === 404) {
      sections[name] = { status: 'unavailable', error: `not available: ${client.urlOf(outcome.item[1]).pathname} answered 404` };
    } else {
      sections[name] = { status: 'error', error: error instanceof Error ? error.message : String(error) };
    }
  }
  if (!Object.values(sections).some((s) => s.status === 'ok')) {
    // Nothing answered: the URL, the token or the app is wrong, not one section.
    throw first instanceof AdminRequestError ? first : new AdminRequestError(String(first), EXIT.APP_ERROR, 0, '');
  }
  return sections;
}

/** The data of a section when it is `ok`. */
export function dataOf(report: Pick<PerformanceReport, 'sections'> | undefined, name: string): unknown {
  const section = report?.sections[name];
  return section?.status === 'ok' ? section.data : undefined;
}
