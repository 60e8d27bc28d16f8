import { Controller, Get } from '@nestjs/common';
import { Timed } from 'nestjs-performance';

/** The overhead baseline: no database, no cache, the smallest body. */
@Controller('hello')
export class HelloController {
  @Get()
  // A sync handler, timed: calls and durations at GET /performance/methods.
  @Timed()
  hello(): { ok: true } {
    return { ok: true };
  }
}
