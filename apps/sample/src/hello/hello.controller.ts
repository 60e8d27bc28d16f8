import { Controller, Get } from '@nestjs/common';

/** The overhead baseline: no database, no cache, the smallest body. */
@Controller('hello')
export class HelloController {
  @Get()
  hello(): { ok: true } {
    return { ok: true };
  }
}
