import type { HealthPart } from '../core/judgment/metric-catalogue';
import type { HealthPartScore, HealthScore, JudgmentSource, SnapshotJudgment } from '../core/judgment/judgment';
import type { HealthChecks, HealthReport } from './health-checks.service';

/** The health overview of the admin API (`health-overview`). */
export interface HealthOverviewBody {
  /** The health score of the latest snapshot, 0-100 (one decimal); null when nothing it weighs was measured. */
  readonly score: HealthScore['score'];
  /** `healthy` (every metric good), `degraded` (one in warning), `unhealthy` (one critical). */
  readonly status: HealthScore['status'];
  /** Each part: its score (its worst metric), weight and metrics with their levels. */
  readonly parts: Readonly<Record<HealthPart, HealthPartScore>>;
  /** Time of the snapshot the score is from: the time of its data. */
  readonly timestamp: string;
  readonly dataAt: string;
  /** The window that snapshot covers. */
  readonly window: SnapshotJudgment['window'];
  /** The health checks, run now (each with its details). */
  readonly checks: HealthReport;
  /** When the checks ran. */
  readonly checkedAt: string;
}

/**
 * The health overview of the admin API (`health-overview`): the one health
 * score, computed with each snapshot from `thresholds` and `health.weights`
 * (the dashboard's `performance_score`, `analyze` and `report` read the same),
 * with the health checks run now beside it.
 */
export class HealthOverview {
  constructor(
    private readonly checks: HealthChecks,
    private readonly judgments: JudgmentSource,
  ) {}

  /** The latest snapshot's score and the checks, run now. */
  async read(): Promise<HealthOverviewBody> {
    const [judgment, checks] = await Promise.all([this.judgments.currentJudgment(), this.checks.check('all')]);
    const { score, status, parts } = judgment.health;
    return { score, status, parts, timestamp: judgment.dataAt, dataAt: judgment.dataAt, window: judgment.window, checks, checkedAt: new Date().toISOString() };
  }
}
