import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';
import { WorkspacesService } from './workspaces.service';

/** Workspace aggregates: method caching (`@Cached`, `@WarmCache`) and TypeORM's query cache. */
@Controller('workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  /** Every workspace with its document count; warmed at start, so even the first request runs no SQL. */
  @Get()
  directory() {
    return this.workspaces.directory();
  }

  /** Totals of one workspace, cached per workspace in namespace `workspaces`. */
  @Get(':id/summary')
  summary(@Param('id', ParseIntPipe) id: number) {
    return this.workspaces.summary(id);
  }

  /** The ten users with the most chat sessions: a join on an unindexed column, for the index and plan advisors. */
  @Get(':id/active-users')
  async activeUsers(@Param('id', ParseIntPipe) id: number) {
    const items = await this.workspaces.activeUsers(id);
    return { items };
  }

  /** Documents per status, from TypeORM's query result cache while it is fresh. */
  @Get(':id/documents-by-status')
  async documentsByStatus(@Param('id', ParseIntPipe) id: number) {
    const items = await this.workspaces.documentsByStatus(id);
    return { items };
  }
}
