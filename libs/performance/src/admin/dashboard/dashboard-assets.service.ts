import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { Injectable } from '@nestjs/common';

/** One file the dashboard page loads, read once and kept in memory. */
export interface DashboardAsset {
  readonly name: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly brotli: Buffer;
  /** First 16 hex characters of the SHA-256 of `body`: the ETag and the `?v=` of its URL. */
  readonly hash: string;
}

/** Where each allowed file comes from: the page's own folder, or the installed `uplot` package. */
const ALLOWED: Readonly<Record<string, { readonly type: string; readonly locate: () => string }>> = {
  'dashboard.js': { type: 'text/javascript; charset=utf-8', locate: () => ownAsset('dashboard.js') },
  'dashboard.css': { type: 'text/css; charset=utf-8', locate: () => ownAsset('dashboard.css') },
  'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', locate: () => uplotFile('uPlot.iife.min.js') },
  'uPlot.min.css': { type: 'text/css; charset=utf-8', locate: () => uplotFile('uPlot.min.css') },
};

/** The file names `DashboardAssets` serves, and nothing else. */
export const DASHBOARD_ASSET_NAMES: readonly string[] = Object.freeze(Object.keys(ALLOWED));

function ownAsset(file: string): string {
  // Built: dist/admin/dashboard/assets (copied by the build). From source
  // (tests, ts-node) or when the copy is missing: the package's src folder.
  const candidates = [join(__dirname, 'assets', file), join(__dirname, '..', '..', '..', 'src', 'admin', 'dashboard', 'assets', file)];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`dashboard asset ${file} is missing (looked in ${candidates.join(', ')})`);
  return found;
}

function uplotFile(file: string): string {
  try {
    return require.resolve(`uplot/dist/${file}`);
  } catch {
    throw new Error('the performance dashboard needs the "uplot" package: npm i uplot');
  }
}

/**
 * The dashboard's static files: a fixed allow-list, read from disk on first
 * use (so an app that never opens the dashboard never reads them), compressed
 * once with brotli and gzip, and kept in memory.
 */
@Injectable()
export class DashboardAssets {
  private readonly loaded = new Map<string, DashboardAsset>();

  /** The asset called `name`, or undefined when it is not on the allow-list. */
  get(name: string): DashboardAsset | undefined {
    if (!Object.prototype.hasOwnProperty.call(ALLOWED, name)) return undefined;
    let asset = this.loaded.get(name);
    if (!asset) {
      const spec = ALLOWED[name]!;
      const body = readFileSync(spec.locate());
      asset = {
        name,
        contentType: spec.type,
        body,
        gzip: gzipSync(body, { level: 9 }),
        brotli: brotliCompressSync(body, {
          params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
        }),
        hash: createHash('sha256').update(body).digest('hex').slice(0, 16),
      };
      this.loaded.set(name, asset);
    }
    return asset;
  }

  /** `name?v=<hash>`: a URL that changes whenever the file does, so it can be cached for a year. */
  versioned(name: string): string {
    const asset = this.get(name);
    return asset ? `${name}?v=${asset.hash}` : name;
  }
}
