import { Controller, Get, HttpException, Query } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '../documents/document.schemas';

const intParam = (min: number, max: number) => z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.int().min(min).max(max));

/** `?simulate=ok|error|slow&delayMs=`: what the quote should do, to rehearse an incident. */
const quoteQuery = z.strictObject({
  simulate: z.enum(['ok', 'error', 'slow']).default('ok'),
  delayMs: intParam(0, 5000).default(400),
});

/**
 * A checkout quote that can be told to fail (503) or to answer slowly, so
 * the `checkout` SLO of the sample (see app.module.ts) can be watched
 * spending its error budget: `GET /performance/slos`, the `slo-burn-rate`
 * alert, `nestjs-performance slos`.
 */
@Controller('checkout')
export class CheckoutController {
  @Get('quote')
  async quote(@Query(new ZodPipe(quoteQuery)) query: z.infer<typeof quoteQuery>): Promise<{ total: number; currency: string }> {
    if (query.simulate === 'error') throw new HttpException('the payment provider did not answer', 503);
    if (query.simulate === 'slow') await new Promise((resolve) => setTimeout(resolve, query.delayMs));
    return { total: 42.5, currency: 'EUR' };
  }
}
