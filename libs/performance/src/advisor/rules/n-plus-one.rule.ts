import type { N1Detector } from '../../database/n1-detector.service';
import { UNMATCHED } from '../../monitor/request-stats.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** `n-plus-one` (high): a route ran the same statement once per row; one finding per route and statement. */
export class NPlusOneRule implements AdvisorRule {
  readonly name = 'n-plus-one';

  constructor(private readonly n1: N1Detector) {}

  evaluate(): Recommendation[] {
    const groups = new Map<string, { route: string; fingerprint: string; statement: string; requests: number; maxCount: number }>();
    for (const f of this.n1.list()) {
      const route = f.route ?? UNMATCHED;
      const key = `${route}\u0000${f.fingerprint}`;
      const g = groups.get(key) ?? { route, fingerprint: f.fingerprint, statement: f.statement, requests: 0, maxCount: 0 };
      g.requests++;
      g.maxCount = Math.max(g.maxCount, f.count);
      groups.set(key, g);
    }
    return [...groups.values()].map((g) => ({
      id: recommendationId('n-plus-one', g.route, g.fingerprint),
      category: 'database',
      severity: 'high',
      title: `N+1 queries on ${g.route}`,
      description: `One request ran the same statement up to ${g.maxCount} times`,
      evidence: { route: g.route, fingerprint: g.fingerprint, statement: g.statement, requests: g.requests, maxStatementsPerRequest: g.maxCount },
      action: {
        type: 'manual',
        automatic: false,
        summary: 'load the related rows in one statement',
        steps: [
          'Load the relation with a join (relations / leftJoinAndSelect) instead of one query per row',
          'or fetch the related rows by id in chunks with queryInChunks()',
        ],
      },
    }));
  }
}
