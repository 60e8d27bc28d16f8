import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AdminLocation } from '../admin-location.service';
import { DashboardAssets } from './dashboard-assets.service';

/**
 * The Content-Security-Policy of the dashboard page: everything from the app
 * itself, no inline script or style, no framing, no form posts elsewhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The asset file names the page loads, served by `DashboardAssetsController`. */
const PAGE_ASSETS = {
  uplotCss: 'uPlot.min.css',
  css: 'dashboard.css',
  uplotJs: 'uPlot.iife.min.js',
  js: 'dashboard.js',
} as const;

/** Headers of the page: strict CSP, no caching of the shell (by browsers or shared caches), no sniffing. */
const PAGE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Content-Type', 'text/html; charset=utf-8'],
  ['Content-Security-Policy', DASHBOARD_CSP],
  ['Cache-Control', 'no-store'],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
];

/** Escapes a value placed in an HTML attribute. */
function attribute(value: string): string {
  return value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The dashboard page: a static HTML shell with no data and no secrets. The
 * page's own script asks for the admin token (or reads it from the URL
 * fragment), keeps it in sessionStorage and calls the admin API with a bearer
 * header. Used by `GET {adminPath}/dashboard` for browsers that ask for HTML.
 */
@Injectable()
export class DashboardPage {
  private page: string | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly assets: DashboardAssets,
    private readonly location: AdminLocation,
  ) {}

  /**
   * The HTML of the shell, the same for every request: the API calls go to
   * the admin path (`data-api="/api/v1/performance"`) and the assets load from
   * `{admin path}/dashboard/assets/`, both from configuration, so neither the
   * host nor the casing of a request line ever reaches the page.
   */
  html(): string {
    this.page ??= this.build(this.location.adminBase);
    return this.page;
  }

  private build(adminBase: string): string {
    const asset = (file: string) => attribute(`${adminBase}/dashboard/assets/${this.assets.versioned(file)}`);
    const api = attribute(adminBase);
    return `<!doctype html>
<html lang="en" data-api="${api}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Performance dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset(PAGE_ASSETS.uplotCss)}">
<link rel="stylesheet" href="${asset(PAGE_ASSETS.css)}">
<script defer src="${asset(PAGE_ASSETS.uplotJs)}"></script>
<script defer src="${asset(PAGE_ASSETS.js)}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to the dashboard</a>
<header class="top">
<h1>Performance</h1>
<p class="updated"><time id="updated" aria-live="polite">Loading…</time></p>
<div class="top-actions">
<button type="button" class="btn" id="refresh">Refresh</button>
<button type="button" class="btn" id="signout" hidden>Sign out</button>
</div>
</header>
<div id="notice" class="notice" role="alert" hidden></div>
<form id="signin" class="signin" hidden>
<label for="token-input">Admin token</label>
<input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" required>
<button type="submit" class="btn btn-primary">Sign in</button>
<p class="hint">Kept in this tab only (sessionStorage) and sent as a bearer header to the admin API.</p>
</form>
<main id="main" hidden>
<section aria-labelledby="h-now">
<div class="section-head">
<h2 id="h-now">Now</h2>
<p class="quiet"><time id="now-window"></time></p>
</div>
<ul id="cards" class="cards" aria-label="Figures of the latest snapshot"></ul>
</section>
<section aria-labelledby="h-live">
<div class="section-head">
<h2 id="h-live">Live</h2>
<p class="quiet live-status"><time id="live-status">Connecting…</time></p>
</div>
<ul id="live-cards" class="cards" aria-label="Live figures"></ul>
<p id="live-summary" class="sr-only" aria-live="polite"></p>
<div id="live-charts" class="charts"></div>
</section>
<section aria-labelledby="h-routes">
<div class="section-head">
<h2 id="h-routes">Routes</h2>
<label class="filter"><span>Filter</span> <input id="routes-filter" type="search" autocomplete="off" spellcheck="false" placeholder="GET /api"></label>
</div>
<p id="routes-note" class="quiet"></p>
<div id="routes" class="table-wrap"></div>
</section>
<section aria-labelledby="h-history">
<div class="section-head">
<h2 id="h-history">History</h2>
<fieldset class="range">
<legend>Time range</legend>
<label><input type="radio" name="range" value="1" checked><span>1 h</span></label>
<label><input type="radio" name="range" value="6"><span>6 h</span></label>
<label><input type="radio" name="range" value="24"><span>24 h</span></label>
<label><input type="radio" name="range" value="168"><span>7 d</span></label>
</fieldset>
</div>
<p id="history-na" class="quiet" hidden>History is not available on this app.</p>
<p id="history-empty" class="quiet" hidden>Not enough samples yet for this range.</p>
<div id="charts" class="charts"></div>
</section>
<div class="panels">
<div class="column">
<section aria-labelledby="h-alerts"><h2 id="h-alerts">Alerts</h2><div id="alerts"></div></section>
<section aria-labelledby="h-health"><h2 id="h-health">Health checks</h2><div id="health"></div></section>
<section aria-labelledby="h-jobs"><h2 id="h-jobs">Jobs</h2><div id="jobs"></div></section>
<section aria-labelledby="h-slos"><h2 id="h-slos">SLOs</h2><div id="slos"></div></section>
<section aria-labelledby="h-sweep"><h2 id="h-sweep">Load sweep</h2><div id="sweep"></div></section>
<section aria-labelledby="h-cache"><h2 id="h-cache">Cache namespaces</h2><div id="cache"></div></section>
</div>
<div class="column">
<section aria-labelledby="h-recs"><h2 id="h-recs">Recommendations</h2><div id="recommendations"></div></section>
<section aria-labelledby="h-slow"><h2 id="h-slow">Slowest queries</h2><div id="slow-queries"></div></section>
<section aria-labelledby="h-n1"><h2 id="h-n1">N+1 findings</h2><div id="n1"></div></section>
<section aria-labelledby="h-idx"><h2 id="h-idx">Index suggestions</h2><div id="indexes"></div></section>
<section aria-labelledby="h-opt"><h2 id="h-opt">Applied optimizations</h2><div id="optimizations"></div></section>
</div>
</div>
</main>
<noscript><p>This dashboard needs JavaScript.</p></noscript>
</body>
</html>
`;
  }

  /**
   * Writes the shell to a raw Express response or Fastify reply, with a
   * strict Content-Security-Policy, through the app's HTTP adapter.
   */
  send(response: unknown): unknown {
    const adapter = this.adapterHost.httpAdapter;
    for (const [name, value] of PAGE_HEADERS) adapter.setHeader(response, name, value);
    return adapter.reply(response, this.html(), 200);
  }
}
