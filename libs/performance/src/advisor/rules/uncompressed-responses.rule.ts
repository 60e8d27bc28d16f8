import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';
import type { ResponseSizes } from '../response-sizes';

/** Large uncompressed responses a route must have sent before it is named. */
const MIN_RESPONSES = 10;
/** Mean size (bytes) from which the recommendation is medium rather than low. */
const MEDIUM_FROM_BYTES = 64 * 1024;

const kib = (bytes: number) => `${Math.round(bytes / 102.4) / 10} KiB`;

/**
 * `uncompressed-responses` (medium from a 64 KiB mean, else low): a route
 * sent at least 10 responses of `advisor.compressionMinBytes` or more without
 * `Content-Encoding`. JSON and HTML usually shrink to a fifth or less with
 * gzip; the action says how to turn compression on for Express and Fastify
 * (or at the proxy in front of the app).
 */
export class UncompressedResponsesRule implements AdvisorRule {
  readonly name = 'uncompressed-responses';

  constructor(
    private readonly sizes: ResponseSizes,
    private readonly minBytes: number,
  ) {}

  evaluate(): Recommendation[] {
    const out: Recommendation[] = [];
    for (const r of this.sizes.list()) {
      if (r.largeUncompressed < MIN_RESPONSES) continue;
      const meanBytes = Math.round(r.largeUncompressedBytes / r.largeUncompressed);
      out.push({
        id: recommendationId('uncompressed-responses', r.method, r.route),
        category: 'api',
        severity: meanBytes >= MEDIUM_FROM_BYTES ? 'medium' : 'low',
        title: `Compress the responses of ${r.method} ${r.route}`,
        description:
          `${r.largeUncompressed} of its ${r.responses} responses were ${kib(this.minBytes)} or more (mean ${kib(meanBytes)}, largest ${kib(r.maxUncompressedBytes)}) ` +
          `and went out without Content-Encoding: ${kib(r.largeUncompressedBytes)} sent uncompressed`,
        evidence: {
          method: r.method,
          route: r.route,
          responses: r.responses,
          compressed: r.compressed,
          largeUncompressed: r.largeUncompressed,
          uncompressedBytes: r.largeUncompressedBytes,
          meanBytes,
          maxBytes: r.maxUncompressedBytes,
          minBytes: this.minBytes,
        },
        action: {
          type: 'manual',
          automatic: false,
          summary: 'compress responses (gzip or brotli) in the app or at the proxy in front of it',
          steps: [
            "Express: npm i compression, then app.use(compression()) in main.ts (import compression from 'compression')",
            "Fastify: npm i @fastify/compress, then await app.register(compression) in main.ts (import compression from '@fastify/compress')",
            'Or let the reverse proxy compress (nginx: gzip on; gzip_types application/json;), and check that clients send Accept-Encoding',
          ],
        },
      });
    }
    return out;
  }
}
