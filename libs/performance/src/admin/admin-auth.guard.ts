import { type CanActivate, type ExecutionContext, Inject, Injectable, NotFoundException, Optional, UnauthorizedException } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { AdminCredential } from '../core/admin-credential';
import { checkAdminInput } from './admin-query';

/**
 * Protects every admin endpoint. With `admin.token`, a request needs
 * `Authorization: Bearer <token>` (compared in constant time). With
 * `admin.guard`, the app's own guard decides. With neither, the admin API
 * answers 404 as if it were not mounted: it is never open by default.
 *
 * Every answer of an admin route, errors included, says `Cache-Control:
 * no-store`; an admitted request whose query string or body holds anything
 * the route does not take is a 400 naming it (see {@link checkAdminInput}).
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly credential: AdminCredential;
  private appGuard: CanActivate | undefined;

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    @Optional() private readonly moduleRef?: ModuleRef,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.credential = new AdminCredential(options.admin.token);
  }

  /** True when a credential is configured, i.e. the admin API is mounted. */
  get enabled(): boolean {
    return this.options.enabled && (this.credential.configured || this.options.admin.guard !== undefined);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    this.noStore(context);
    if (!this.enabled) throw new NotFoundException();
    await this.authenticate(context);
    checkAdminInput(context);
    return true;
  }

  /**
   * Sets `Cache-Control: no-store` on the response of an admin route before
   * anything can answer it, so a 401 or 400 says it as the 200 does. A
   * handler that knows better (the dashboard's static assets) sets its own.
   */
  noStore(context: ExecutionContext): void {
    const response = context.switchToHttp().getResponse<unknown>();
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter) adapter.setHeader(response, 'Cache-Control', 'no-store');
    else (response as { header?: (name: string, value: string) => unknown }).header?.('Cache-Control', 'no-store');
  }

  /** Checks a raw Authorization header value against the admin token. */
  verifyAuthorization(header: string | string[] | undefined): boolean {
    return this.credential.verifyAuthorization(header);
  }

  private async authenticate(context: ExecutionContext): Promise<void> {
    const guard = await this.resolveAppGuard();
    if (guard) {
      const allowed = await guard.canActivate(context);
      if (allowed === true) return;
      if (!this.credential.configured) throw new UnauthorizedException('the admin guard refused this request');
    }
    if (this.credential.configured && this.verifyBearer(context)) return;
    throw new UnauthorizedException('admin endpoints need "Authorization: Bearer <admin token>"');
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
