import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChatMessage, Document, Workspace } from '../entities';

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/** The analytics overview: aggregates over every document and chat message. */
export interface AnalyticsOverview {
  generatedAt: string;
  totals: { documents: number; views: number; avgWordCount: number };
  byWorkspace: { workspaceId: number; name: string; documents: number; views: number; avgWordCount: number }[];
  byStatus: { status: string; documents: number }[];
  byCategory: { category: string; documents: number; views: number }[];
  chat: { messages: number; tokens: number; avgAssistantLatencyMs: number };
}

@Injectable()
export class AnalyticsService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Scans every document and message (four aggregate statements): the slow
   * route that the response cache keeps in namespace `analytics`.
   */
  async overview(): Promise<AnalyticsOverview> {
    const docs = () => this.dataSource.getRepository(Document).createQueryBuilder('d');
    const [byWorkspace, byStatus, byCategory, chat] = await Promise.all([
      docs()
        .innerJoin(Workspace, 'w', 'w.id = d.workspaceId')
        .select('w.id', 'workspaceId')
        .addSelect('w.name', 'name')
        .addSelect('COUNT(d.id)', 'documents')
        .addSelect('SUM(d.views)', 'views')
        .addSelect('AVG(d.wordCount)', 'avgWordCount')
        .groupBy('w.id')
        .addGroupBy('w.name')
        .orderBy('w.id', 'ASC')
        .getRawMany<Record<string, unknown>>(),
      docs()
        .select('d.status', 'status')
        .addSelect('COUNT(*)', 'documents')
        .groupBy('d.status')
        .orderBy('d.status', 'ASC')
        .getRawMany<Record<string, unknown>>(),
      docs()
        .select('d.category', 'category')
        .addSelect('COUNT(*)', 'documents')
        .addSelect('SUM(d.views)', 'views')
        .groupBy('d.category')
        .orderBy('d.category', 'ASC')
        .getRawMany<Record<string, unknown>>(),
      this.dataSource
        .getRepository(ChatMessage)
        .createQueryBuilder('m')
        .select('COUNT(*)', 'messages')
        .addSelect('SUM(m.tokens)', 'tokens')
        .addSelect("AVG(CASE WHEN m.role = 'assistant' THEN m.latencyMs END)", 'avgLatency')
        .getRawOne<Record<string, unknown>>(),
    ]);
    const workspaces = byWorkspace.map((r) => ({
      workspaceId: num(r.workspaceId),
      name: String(r.name),
      documents: num(r.documents),
      views: num(r.views),
      avgWordCount: Math.round(num(r.avgWordCount) * 10) / 10,
    }));
    const documents = workspaces.reduce((s, w) => s + w.documents, 0);
    return {
      generatedAt: new Date().toISOString(),
      totals: {
        documents,
        views: workspaces.reduce((s, w) => s + w.views, 0),
        avgWordCount: documents ? Math.round((workspaces.reduce((s, w) => s + w.avgWordCount * w.documents, 0) / documents) * 10) / 10 : 0,
      },
      byWorkspace: workspaces,
      byStatus: byStatus.map((r) => ({ status: String(r.status), documents: num(r.documents) })),
      byCategory: byCategory.map((r) => ({ category: String(r.category), documents: num(r.documents), views: num(r.views) })),
      chat: {
        messages: num(chat?.messages),
        tokens: num(chat?.tokens),
        avgAssistantLatencyMs: Math.round(num(chat?.avgLatency)),
      },
    };
  }
}
