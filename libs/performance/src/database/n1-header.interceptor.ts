import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { type Observable, tap } from 'rxjs';
import { markOwn } from '../core/context/own-hooks';
import { RequestContext } from '../core/context/request-context';
import type { N1Detector } from './n1-detector.service';

interface HeaderTarget {
  headersSent?: boolean;
  sent?: boolean;
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

/**
 * Adds `X-DB-N1: <fingerprint>[, <fingerprint>…]` to responses of handlers
 * that ran an N+1 pattern. Installed only with `database.n1Header: true`.
 */
export class N1HeaderInterceptor implements NestInterceptor {
  constructor(private readonly detector: N1Detector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap({
        next: () => this.announce(context),
        error: () => this.announce(context),
      }),
    );
  }

  private announce(context: ExecutionContext): void {
    const ctx = RequestContext.current();
    if (!ctx) return;
    const findings = this.detector.findingsOf(ctx);
    if (!findings.length) return;
    const res = context.switchToHttp().getResponse<HeaderTarget>();
    if (res.headersSent || res.sent) return;
    const value = findings.join(', ');
    // Fastify's reply has header(); Express's response has setHeader().
    if (typeof res.header === 'function') res.header('X-DB-N1', value);
    else res.setHeader?.('X-DB-N1', value);
  }
}

// Tells the response cache's early-HIT check that this global interceptor is the module's own.
markOwn(N1HeaderInterceptor.prototype);
