import { Inject, Injectable } from '@nestjs/common';
import { RequestTracker } from '../core/context/request-tracker.service';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { ProcessMemory } from '../core/process-memory';
import { createHeadersWriter } from './headers-writer';

/**
 * The headers feature: an observer of the request tracker, like metrics and
 * tracing. At start-up it hands the tracker the writer of the enabled
 * headers (X-Response-Time, X-Request-ID, X-Cache, X-DB-*, X-Memory-Usage,
 * Server-Timing); with the module disabled or every header off it registers
 * nothing, and Node's response prototype stays untouched.
 */
@Injectable()
export class ResponseHeaders {
  constructor(@Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions, tracker: RequestTracker) {
    const write = options.enabled ? createHeadersWriter(options.headers, new ProcessMemory()) : null;
    if (write) tracker.writeHeadersWith(write);
  }
}
