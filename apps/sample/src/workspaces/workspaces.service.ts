import { Injectable, NotFoundException } from '@nestjs/common';
import { Cached, WarmCache } from 'nestjs-performance';
import { DataSource } from 'typeorm';
import { ChatSession, Document, User, Workspace } from '../entities';

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/** One workspace in the directory. */
export interface WorkspaceListItem {
  id: number;
  name: string;
  plan: string;
  documents: number;
}

/** Totals of one workspace, with the time they were computed. */
export interface WorkspaceSummary {
  workspaceId: number;
  name: string;
  documents: number;
  views: number;
  /** When the aggregate really ran: equal on every answer served from the cache. */
  computedAt: string;
}

/**
 * Workspace aggregates, cached at the method level (namespace `workspaces`,
 * cleared by document writes): every caller of a service method shares the
 * cached result, whichever controller, job or resolver asks.
 */
@Injectable()
export class WorkspacesService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Every workspace with its document count (one statement). Kept warm: filled
   * before the app serves, refreshed shortly before it expires.
   */
  @Cached({ ttl: 300, namespace: 'workspaces' })
  @WarmCache()
  async directory(): Promise<WorkspaceListItem[]> {
    const rows = await this.dataSource
      .getRepository(Workspace)
      .createQueryBuilder('w')
      .leftJoin(Document, 'd', 'd.workspaceId = w.id')
      .select('w.id', 'id')
      .addSelect('w.name', 'name')
      .addSelect('w.plan', 'plan')
      .addSelect('COUNT(d.id)', 'documents')
      .groupBy('w.id')
      .addGroupBy('w.name')
      .addGroupBy('w.plan')
      .orderBy('w.id', 'ASC')
      .getRawMany<Record<string, unknown>>();
    return rows.map((r) => ({ id: num(r.id), name: String(r.name), plan: String(r.plan), documents: num(r.documents) }));
  }

  /** Document count and views of one workspace (one statement); concurrent callers share one run. */
  @Cached({ ttl: 300, namespace: 'workspaces' })
  async summary(workspaceId: number): Promise<WorkspaceSummary> {
    const row = await this.dataSource
      .getRepository(Workspace)
      .createQueryBuilder('w')
      .leftJoin(Document, 'd', 'd.workspaceId = w.id')
      .select('w.id', 'id')
      .addSelect('w.name', 'name')
      .addSelect('COUNT(d.id)', 'documents')
      .addSelect('SUM(d.views)', 'views')
      .where('w.id = :workspaceId', { workspaceId })
      .groupBy('w.id')
      .addGroupBy('w.name')
      .getRawOne<Record<string, unknown>>();
    if (!row) throw new NotFoundException(`workspace ${workspaceId} does not exist`);
    return { workspaceId, name: String(row.name), documents: num(row.documents), views: num(row.views), computedAt: new Date().toISOString() };
  }

  /**
   * The ten users of a workspace with the most chat sessions (one statement):
   * a join on `chat_sessions.userId`, which has no index, grouped and sorted
   * by an aggregate. The index advisor suggests the join column's index, and
   * the plan shows the join reading every session, a temporary table and a sort.
   */
  async activeUsers(workspaceId: number): Promise<{ id: number; name: string; sessions: number }[]> {
    const rows = await this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .leftJoin(ChatSession, 's', 's.userId = u.id')
      .select('u.id', 'id')
      .addSelect('u.name', 'name')
      .addSelect('COUNT(s.id)', 'sessions')
      .where('u.workspaceId = :workspaceId', { workspaceId })
      .groupBy('u.id')
      .addGroupBy('u.name')
      .orderBy('sessions', 'DESC')
      .addOrderBy('u.id', 'ASC')
      .limit(10)
      .getRawMany<Record<string, unknown>>();
    return rows.map((r) => ({ id: num(r.id), name: String(r.name), sessions: num(r.sessions) }));
  }

  /**
   * Documents per status in one workspace, through TypeORM's own query result
   * cache (`.cache(true)`: reused for QUERY_CACHE_DURATION_MS, not cleared by
   * writes); the module counts its hits and misses in cache-stats
   * (namespace `typeorm.default`).
   */
  async documentsByStatus(workspaceId: number): Promise<{ status: string; documents: number }[]> {
    const rows = await this.dataSource
      .getRepository(Document)
      .createQueryBuilder('d')
      .select('d.status', 'status')
      .addSelect('COUNT(*)', 'documents')
      .where('d.workspaceId = :workspaceId', { workspaceId })
      .groupBy('d.status')
      .orderBy('d.status', 'ASC')
      .cache(true)
      .getRawMany<Record<string, unknown>>();
    return rows.map((r) => ({ status: String(r.status), documents: num(r.documents) }));
  }
}
