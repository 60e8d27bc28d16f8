import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
  Optional,
  UnauthorizedException,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { PERFORMANCE_OPTIONS } from '../performance.constants';
import type { ResolvedPerformanceOptions } from '../options/performance-options.schema';

/** Hash first, so the comparison takes the same time whatever the lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Protects every admin endpoint. With `admin.token`, a request needs
 * `Authorization: Bearer <token>` (compared in constant time). With
 * `admin.guard`, the app's own guard decides. With neither, the admin API
 * answers 404 as if it were not mounted: it is never open by default.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer | undefined;
  private appGuard: CanActivate | undefined;

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    @Optional() private readonly moduleRef?: ModuleRef,
  ) {
    this.expected = options.admin.token ? digest(options.admin.token) : undefined;
  }

  /** True when a credential is configured, i.e. the admin API is mounted. */
  get enabled(): boolean {
    return this.options.enabled && (this.expected !== undefined || this.options.admin.guard !== undefined);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.enabled) throw new NotFoundException();
    const guard = await this.resolveAppGuard();
    if (guard) {
      const allowed = await guard.canActivate(context);
      if (allowed === true) return true;
      if (!this.expected) throw new UnauthorizedException('the admin guard refused this request');
    }
    if (this.expected && this.verifyBearer(context)) return true;
    throw new UnauthorizedException('admin endpoints need "Authorization: Bearer <admin token>"');
  }

  /** Checks a raw Authorization header value against the admin token. */
  verifyAuthorization(header: string | string[] | undefined): boolean {
    if (!this.expected || typeof header !== 'string') return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!), this.expected);
  }

  private verifyBearer(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    return this.verifyAuthorization(request.headers.authorization);
  }

  private async resolveAppGuard(): Promise<CanActivate | undefined> {
    const configured = this.options.admin.guard;
    if (!configured || this.appGuard) return this.appGuard;
    if (typeof configured !== 'function') return (this.appGuard = configured);
    // A guard class: take the app's instance if it is a provider, else build one with injection.
    try {
      this.appGuard = this.moduleRef?.get<CanActivate>(configured, { strict: false });
    } catch {
      // Not a provider of the app: build one with the app's injector.
      this.appGuard = await this.moduleRef?.create(configured);
    }
    return this.appGuard;
  }
}
