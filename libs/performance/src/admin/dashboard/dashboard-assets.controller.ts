import { Controller, Get, Headers, NotFoundException, Param, Res, StreamableFile } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AdminAuthGuard } from '../admin-auth.guard';
import { DashboardAssets } from './dashboard-assets.service';

const ONE_YEAR = 'public, max-age=31536000, immutable';

/**
 * `GET {adminPath}/dashboard/assets/:file`: the dashboard's script and
 * styles (its own, and uPlot's from the installed package). Unguarded, like
 * any static file: they hold no data and no secrets. Only a fixed allow-list
 * of names is served, and nothing at all while the admin API is switched off.
 * Not part of the API: no route here declares an `@AdminOperation`, so the
 * OpenAPI documents leave them out.
 */
@Controller('dashboard/assets')
export class DashboardAssetsController {
  constructor(
    private readonly assets: DashboardAssets,
    private readonly guard: AdminAuthGuard,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get(':file')
  serve(
    @Param('file') file: string,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: unknown,
  ): unknown {
    if (!this.guard.enabled) throw new NotFoundException();
    const asset = this.assets.get(file);
    if (!asset) throw new NotFoundException(`no dashboard asset called ${JSON.stringify(file).slice(0, 80)}`);
    const adapter = this.adapterHost.httpAdapter;
    const etag = `"${asset.hash}"`;
    adapter.setHeader(response, 'Cache-Control', ONE_YEAR);
    adapter.setHeader(response, 'ETag', etag);
    adapter.setHeader(response, 'Vary', 'Accept-Encoding');
    adapter.setHeader(response, 'X-Content-Type-Options', 'nosniff');
    adapter.setHeader(response, 'Cross-Origin-Resource-Policy', 'same-origin');
    if (ifNoneMatch !== undefined && ifNoneMatch.split(/\s*,\s*/).includes(etag)) {
      return adapter.reply(response, undefined, 304);
    }
    // Precompressed once in memory; most browsers take brotli.
    const accepted = (acceptEncoding ?? '').toLowerCase();
    const [body, encoding] = /\bbr\b/.test(accepted) ? [asset.brotli, 'br'] : /\bgzip\b/.test(accepted) ? [asset.gzip, 'gzip'] : [asset.body, undefined];
    adapter.setHeader(response, 'Content-Type', asset.contentType);
    if (encoding) adapter.setHeader(response, 'Content-Encoding', encoding);
    return adapter.reply(response, new StreamableFile(body, { type: asset.contentType, length: body.length }), 200);
  }
}
