import { Inject, Injectable, RequestMethod, VERSION_NEUTRAL, VersioningType } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';

/** The admin path below the global prefix (`performance`), as the admin module was registered with. */
export const ADMIN_PATH = Symbol('nestjs-performance:admin-path');

/** Joins path segments into `/a/b`, without empty segments or doubled slashes. */
function joinPath(...segments: string[]): string {
  const path = segments
    .flatMap((s) => s.split('/'))
    .filter(Boolean)
    .join('/');
  return `/${path}`;
}

/**
 * Where the admin API is served, taken from configuration only: the app's
 * global prefix (unless it excludes the admin routes), the URI version its
 * versioning gives unversioned controllers, and the admin path. Never from a
 * request: a request line can carry any host and any casing
 * (`GET http://evil.example/API/V1/PERFORMANCE/dashboard`), and the dashboard
 * page and the OpenAPI document are the same for every client.
 */
@Injectable()
export class AdminLocation {
  private resolved: { readonly apiBase: string; readonly adminBase: string } | undefined;

  constructor(
    @Inject(ADMIN_PATH) private readonly adminPath: string,
    private readonly config: ApplicationConfig,
  ) {}

  /** The path the admin paths are relative to: `/api/v1` (global prefix and URI version), `/` without either. */
  get apiBase(): string {
    return this.resolve().apiBase;
  }

  /** The admin API's own path: `/api/v1/performance`. */
  get adminBase(): string {
    return this.resolve().adminBase;
  }

  // Resolved on first use, when a request comes: the app has set its global prefix and versioning by then.
  private resolve(): { apiBase: string; adminBase: string } {
    if (this.resolved) return this.resolved;
    const version = this.versionSegment();
    const unprefixed = joinPath(version, this.adminPath, 'dashboard');
    const excluded = (this.config.getGlobalPrefixOptions().exclude ?? []).some(
      (route) => (route.requestMethod === RequestMethod.ALL || route.requestMethod === RequestMethod.GET) && route.pathRegex?.test(unprefixed),
    );
    const apiBase = joinPath(excluded ? '' : this.config.getGlobalPrefix(), version);
    this.resolved = { apiBase, adminBase: joinPath(apiBase, this.adminPath) };
    return this.resolved;
  }

  /** `v1` when URI versioning gives controllers without a version of their own the default version 1; '' otherwise. */
  private versionSegment(): string {
    const versioning = this.config.getVersioning();
    if (versioning?.type !== VersioningType.URI || versioning.defaultVersion === undefined) return '';
    // With several default versions the routes exist under each; the first is as good as any.
    const version = Array.isArray(versioning.defaultVersion) ? versioning.defaultVersion[0] : versioning.defaultVersion;
    if (version === undefined || version === VERSION_NEUTRAL) return '';
    const prefix = versioning.prefix === false ? '' : (versioning.prefix ?? 'v');
    return `${prefix}${String(version)}`;
  }
}
