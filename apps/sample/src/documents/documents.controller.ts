import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { InvalidateCache } from 'nestjs-performance';
import { DocumentsService } from './documents.service';
import { type CreateDocumentInput, createDocumentSchema, listDocumentsQuery, searchDocumentsQuery, ZodPipe } from './document.schemas';
import type { z } from 'zod';

@Controller('documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  /**
   * `?limit=20&workspaceId=`: the plain list, cached by the service (namespace
   * `documents`). `?include=author&strategy=naive|join`: the N+1 demo and its
   * fix, never cached.
   */
  @Get()
  async list(@Query(new ZodPipe(listDocumentsQuery)) query: z.infer<typeof listDocumentsQuery>) {
    const items = await this.documents.list({
      limit: query.limit,
      workspaceId: query.workspaceId,
      includeAuthor: query.include === 'author',
      strategy: query.strategy,
    });
    return { items, count: items.length };
  }

  /** `?category=&status=&minViews=`: an unindexed filter for the index advisor. */
  @Get('search')
  async search(@Query(new ZodPipe(searchDocumentsQuery)) query: z.infer<typeof searchDocumentsQuery>) {
    const items = await this.documents.search(query);
    return { items, count: items.length };
  }

  @Get(':id')
  findOne(@Param('id', ParseIntPipe) id: number) {
    return this.documents.findOne(id);
  }

  @Post()
  @HttpCode(201)
  @InvalidateCache('documents', 'analytics', 'workspaces')
  create(@Body(new ZodPipe(createDocumentSchema)) body: CreateDocumentInput) {
    return this.documents.create(body);
  }
}
