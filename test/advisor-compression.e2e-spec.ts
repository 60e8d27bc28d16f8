import { gzipSync } from 'node:zlib';
import { Controller, Get, Module, Res } from '@nestjs/common';
import { PerformanceModule } from 'nestjs-performance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

interface Recommendation {
  id: string;
  severity: string;
  title: string;
  description: string;
  evidence: Record<string, number | string>;
  action: { type: string; steps: string[] };
}

const TOKEN = 'compression-admin-token-0123456789';
const BIG = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, text: 'latency throughput cache index query pool' })) });

/** The same large JSON, once plain and once gzip-encoded by the handler (as a compression middleware would). */
@Controller('payload')
class PayloadController {
  @Get('plain')
  plain(@Res() res: { header(k: string, v: string): unknown; send(b: unknown): unknown }) {
    res.header('content-type', 'application/json');
    res.send(Buffer.from(BIG));
  }

  @Get('gzip')
  gzip(@Res() res: { header(k: string, v: string): unknown; send(b: unknown): unknown }) {
    res.header('content-type', 'application/json');
    res.header('content-encoding', 'gzip');
    res.send(gzipSync(BIG));
  }
}

@Module({ imports: [PerformanceModule.forRoot({ admin: { token: TOKEN }, advisor: { compressionMinBytes: 2048 } })], controllers: [PayloadController] })
class PayloadModule {}

const uncompressed = (recommendations: Recommendation[]) => recommendations.filter((r) => r.id.startsWith('uncompressed-responses-'));

describe.each(ADAPTERS)('advice on uncompressed responses (%s)', (adapter) => {
  describe('on the sample: large document lists are named with their bytes, small answers are not', () => {
    let sample: RunningSample;
    beforeAll(async () => {
      sample = await startSample(adapter, { seedDocuments: 200 });
    });
    afterAll(async () => {
      await sample?.close();
    });

    it('names GET /api/v1/documents with the bytes it sent uncompressed, and how to compress on Express and Fastify', async () => {
      let bytes = 0;
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`${sample.api}/documents?limit=100`, { headers: { 'accept-encoding': 'gzip' } });
        const body = await res.arrayBuffer();
        expect(res.headers.get('content-encoding')).toBeNull();
        expect(Number(res.headers.get('content-length'))).toBe(body.byteLength);
        bytes += body.byteLength;
      }
      for (let i = 0; i < 12; i++) await (await fetch(`${sample.api}/hello`)).arrayBuffer();
      const body = (await (await fetch(`${sample.api}/performance/recommendations`, { headers: sample.admin })).json()) as {
        recommendations: Recommendation[];
      };
      const found = uncompressed(body.recommendations);
      expect(found.map((r) => r.title)).toEqual(['Compress the responses of GET /api/v1/documents']);
      expect(found[0]!.evidence).toMatchObject({ route: '/api/v1/documents', largeUncompressed: 12, uncompressedBytes: bytes, compressed: 0, minBytes: 1024 });
      expect(found[0]!.action.steps.join('\n')).toMatch(/app\.use\(compression\(\)\)[\s\S]*@fastify\/compress/);
    });
  });

  describe('on an app with advisor.compressionMinBytes 2048: gzip-encoded answers do not count', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp(PayloadModule, adapter);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('counts the plain route, not the gzip one', async () => {
      for (let i = 0; i < 10; i++) {
        await (await fetch(`${app.url}/payload/plain`)).arrayBuffer();
        const zipped = await fetch(`${app.url}/payload/gzip`);
        await zipped.arrayBuffer();
        expect(zipped.headers.get('content-encoding')).toBe('gzip');
      }
      const body = (await (await fetch(`${app.url}/performance/recommendations`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
        recommendations: Recommendation[];
      };
      const found = uncompressed(body.recommendations);
      expect(found.map((r) => r.evidence.route)).toEqual(['/payload/plain']);
      expect(found[0]!.evidence).toMatchObject({ largeUncompressed: 10, uncompressedBytes: 10 * Buffer.byteLength(BIG), minBytes: 2048 });
      expect(found[0]!.description).toContain('10 of its 10 responses were 2 KiB or more');
    });
  });
});
