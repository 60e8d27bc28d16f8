import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Cached, Timed } from 'nestjs-performance';
import type { Repository } from 'typeorm';
import { Document, User } from '../entities';
import type { CreateDocumentInput } from './document.schemas';

/** What a list returns for each document (no content: lists stay light). */
export interface DocumentSummary {
  id: number;
  workspaceId: number;
  title: string;
  status: string;
  category: string;
  wordCount: number;
  views: number;
  /** ISO 8601 (a string, so a cached list is the same value as a fresh one). */
  createdAt: string;
  author?: { id: number; name: string; email: string } | null;
}

const SUMMARY_COLUMNS = ['id', 'workspaceId', 'authorId', 'title', 'status', 'category', 'wordCount', 'views', 'createdAt'] as const;

function summarize(doc: Document, author?: User | null): DocumentSummary {
  const summary: DocumentSummary = {
    id: doc.id,
    workspaceId: doc.workspaceId,
    title: doc.title,
    status: doc.status,
    category: doc.category,
    wordCount: doc.wordCount,
    views: doc.views,
    createdAt: new Date(doc.createdAt).toISOString(),
  };
  if (author !== undefined) summary.author = author ? { id: author.id, name: author.name, email: author.email } : null;
  return summary;
}

@Injectable()
export class DocumentsService {
  constructor(
    @InjectRepository(Document) private readonly documents: Repository<Document>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  /** One document by id: exactly one SQL statement. Timed (an unknown id counts as an error). */
  @Timed()
  async findOne(id: number): Promise<Document> {
    const doc = await this.documents.findOneBy({ id });
    if (!doc) throw new NotFoundException(`document ${id} does not exist`);
    return doc;
  }

  /**
   * A page of documents. Without `includeAuthor` it is the plain list, cached
   * (see {@link page}). With it, nothing is cached, so the demo shows its
   * statements on every request: the `naive` strategy loads each author with
   * its own statement (the N+1 demo: 1 + N statements); `join` loads them in
   * the same statement (1 statement).
   */
  async list(options: { limit: number; workspaceId?: number; includeAuthor: boolean; strategy: 'naive' | 'join' }): Promise<DocumentSummary[]> {
    const { limit, workspaceId, includeAuthor, strategy } = options;
    if (!includeAuthor) return this.page(limit, workspaceId ?? null);
    const qb = this.pageQuery(limit, workspaceId ?? null);
    if (strategy === 'join') {
      qb.leftJoin('d.author', 'author').addSelect(['author.id', 'author.name', 'author.email']);
      return (await qb.getMany()).map((d) => summarize(d, d.author ?? null));
    }
    const docs = await qb.getMany();
    const items: DocumentSummary[] = [];
    for (const doc of docs) {
      // Deliberately one statement per document: this is the N+1 the toolkit detects.
      const author = doc.authorId === null ? null : await this.users.findOneBy({ id: doc.authorId });
      items.push(summarize(doc, author));
    }
    return items;
  }

  /**
   * The plain list (one statement on a miss), cached for 60 s in namespace
   * `documents`, per limit and workspace; `POST /documents` clears it.
   */
  @Cached({ ttl: 60, namespace: 'documents' })
  async page(limit: number, workspaceId: number | null): Promise<DocumentSummary[]> {
    return (await this.pageQuery(limit, workspaceId).getMany()).map((d) => summarize(d));
  }

  private pageQuery(limit: number, workspaceId: number | null) {
    const qb = this.documents
      .createQueryBuilder('d')
      .select(SUMMARY_COLUMNS.map((c) => `d.${c}`))
      .orderBy('d.id', 'ASC')
      .limit(limit);
    if (workspaceId !== null) qb.where('d.workspaceId = :workspaceId', { workspaceId });
    return qb;
  }

  /**
   * Filters on columns that have no index (category, status, views): a
   * sequential scan on a large table, which the index advisor catches.
   */
  async search(filter: { category?: string; status?: string; minViews?: number; limit: number }) {
    const qb = this.documents
      .createQueryBuilder('d')
      .select(SUMMARY_COLUMNS.map((c) => `d.${c}`))
      .orderBy('d.views', 'DESC')
      .limit(filter.limit);
    if (filter.category !== undefined) qb.andWhere('d.category = :category', { category: filter.category });
    if (filter.status !== undefined) qb.andWhere('d.status = :status', { status: filter.status });
    if (filter.minViews !== undefined) qb.andWhere('d.views >= :minViews', { minViews: filter.minViews });
    return (await qb.getMany()).map((d) => summarize(d));
  }

  /** Creates a document: one INSERT (plus what the driver needs to read generated columns). */
  async create(input: CreateDocumentInput): Promise<Document> {
    const doc = this.documents.create({
      workspaceId: input.workspaceId,
      authorId: input.authorId ?? null,
      title: input.title,
      content: input.content,
      status: input.status ?? 'draft',
      category: input.category ?? 'engineering',
      wordCount: input.content.split(/\s+/).filter(Boolean).length,
    });
    return this.documents.save(doc);
  }
}
