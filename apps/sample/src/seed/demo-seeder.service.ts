import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager, type ObjectLiteral, type EntityTarget } from 'typeorm';
import { SAMPLE_CONFIG } from '../config/sample-config.token';
import type { SampleConfig } from '../config/sample-config';
import { ChatMessage, ChatSession, Document, User, Workspace } from '../entities';
import { Inject } from '@nestjs/common';

export const CATEGORIES = ['engineering', 'sales', 'support', 'legal', 'finance', 'marketing', 'hr', 'research'];
export const STATUSES = ['draft', 'review', 'published', 'archived'];
const PLANS = ['free', 'team', 'business', 'enterprise', 'team'];
const WORDS =
  'latency throughput cache index query pool replica shard queue worker cluster metric trace span budget release rollout incident review design'.split(' ');

/** A small deterministic generator, so every fresh database holds the same demo data. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeds demo data on first start (an empty `documents` table): 5 workspaces,
 * 200 users, SEED_DOCUMENTS documents (10,000 by default), 2,000 chat sessions
 * (10 per user) and 5,000 messages, inserted in chunks inside one transaction. Runs at
 * module init, so start-up work of the bootstrap phase (cache warming) sees
 * the data.
 */
@Injectable()
export class DemoSeeder implements OnModuleInit {
  private readonly logger = new Logger('DemoSeeder');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if ((await this.dataSource.getRepository(Workspace).count()) > 0) return;
    const started = Date.now();
    await this.dataSource.transaction((manager) => this.seed(manager, this.config.seedDocuments));
    this.logger.log(`seeded ${this.config.seedDocuments} documents in ${Date.now() - started} ms`);
  }

  private async seed(manager: EntityManager, documents: number): Promise<void> {
    const random = mulberry32(42);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

    const workspaces = Array.from({ length: 5 }, (_, i) => ({ name: `Workspace ${i + 1}`, plan: PLANS[i]! }));
    await this.insertChunked(manager, Workspace, workspaces);

    const users = Array.from({ length: 200 }, (_, i) => ({
      workspaceId: (i % 5) + 1,
      name: `User ${i + 1}`,
      email: `user${i + 1}@example.test`,
    }));
    await this.insertChunked(manager, User, users);

    const docs = Array.from({ length: documents }, (_, i) => {
      const words = 40 + Math.floor(random() * 400);
      return {
        workspaceId: (i % 5) + 1,
        authorId: (i % 200) + 1,
        title: `${sentence(3)} #${i + 1}`,
        content: sentence(30),
        status: pick(STATUSES),
        category: pick(CATEGORIES),
        wordCount: words,
        views: Math.floor(random() * 5000),
      };
    });
    await this.insertChunked(manager, Document, docs);

    const sessions = Array.from({ length: 2000 }, (_, i) => ({
      workspaceId: (i % 5) + 1,
      userId: (i % 200) + 1,
      title: `Chat about ${sentence(2)}`,
    }));
    await this.insertChunked(manager, ChatSession, sessions);

    const messages = Array.from({ length: 5000 }, (_, i) => {
      const assistant = i % 2 === 1;
      return {
        // Question and answer pairs, spread over every session (each gets one or two).
        sessionId: (Math.floor(i / 2) % sessions.length) + 1,
        role: assistant ? 'assistant' : 'user',
        content: sentence(12),
        tokens: 10 + Math.floor(random() * 500),
        latencyMs: assistant ? 200 + Math.floor(random() * 3000) : 0,
      };
    });
    await this.insertChunked(manager, ChatMessage, messages);
  }

  private async insertChunked<T extends ObjectLiteral>(manager: EntityManager, entity: EntityTarget<T>, rows: object[], chunk = 500): Promise<void> {
    for (let i = 0; i < rows.length; i += chunk) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(entity)
        .values(rows.slice(i, i + chunk))
        .updateEntity(false)
        .execute();
    }
  }
}
