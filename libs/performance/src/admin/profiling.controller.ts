import type { ServerResponse } from 'node:http';
import {
  BadRequestException,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Optional,
  Post,
  Query,
  Res,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import type { CpuProfile, CpuProfileSummary } from '../profiling/cpu-profile-summary';
import { ProcessProfiler, ProfileAbortedError, ProfilerBusyError } from '../profiling/process-profiler.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';
import { integerParam } from './admin-query';

/** Body of `POST profiling/cpu?format=json`: the summary and the profile in one document. */
export interface CpuProfileResponse {
  summary: CpuProfileSummary;
  profile: CpuProfile;
}

const stamp = (iso: string) => iso.replace(/[:.]/g, '-');

/** The Node response of an Express response or a Fastify reply. */
const nodeResponse = (res: unknown) => ((res as { raw?: ServerResponse }).raw ?? res) as ServerResponse;

/**
 * Calls `gone` once when the connection of `res` closes before the response
 * was sent in full, at once when that has happened already. Returns a
 * function that stops listening.
 */
function onClientGone(res: unknown, gone: () => void): () => void {
  const raw = nodeResponse(res);
  if (raw.writableFinished) return () => undefined;
  // 'close' of the request fires once its body is read; the response's fires when the connection ends.
  if (raw.destroyed) {
    gone();
    return () => undefined;
  }
  const onClose = () => {
    if (!raw.writableFinished) gone();
  };
  raw.once('close', onClose);
  return () => raw.off('close', onClose);
}

/**
 * On-demand profiling of the running process (only when `profiling.enabled`;
 * 404 otherwise, as if not mounted), one profile or snapshot at a time (409
 * while one runs, or while a heap snapshot is still being downloaded):
 *
 * - `POST profiling/cpu?seconds=N` (1 to `profiling.maxSeconds`, default 10):
 *   records a CPU profile and answers it as a `.cpuprofile` download that
 *   Chrome DevTools opens (Performance panel, or `chrome://inspect`'s
 *   "Open dedicated DevTools for Node"). `&format=json` answers
 *   `{ summary, profile }` instead. A client that disconnects stops the
 *   profile there and then.
 * - `GET profiling/summary`: the top functions by self time of the latest CPU profile.
 * - `POST profiling/heap`: a `.heapsnapshot` download (Memory panel). The
 *   snapshot holds every string in the process, secrets included.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class ProfilingAdminController {
  constructor(@Optional() @Inject(ProcessProfiler) private readonly profiler: ProcessProfiler | null) {}

  @Post('profiling/cpu')
  @HttpCode(200)
  @AdminOperation({
    summary: 'Records a CPU profile for some seconds: a .cpuprofile download, or JSON with its summary',
    query: [
      { name: 'format', description: 'cpuprofile (download, default) or json (summary and profile)', schema: { type: 'string', enum: ['cpuprofile', 'json'] } },
      {
        name: 'seconds',
        description: '1 to profiling.maxSeconds, default 10 (or maxSeconds when lower)',
        schema: { type: 'integer', minimum: 1, default: 10 },
      },
    ],
    responses: { 400: 'seconds out of range or unknown format', 409: 'a profile or heap snapshot is already being taken' },
  })
  async cpu(
    @Query('seconds') rawSeconds: unknown,
    @Query('format') format: unknown,
    @Res({ passthrough: true }) res: unknown,
  ): Promise<StreamableFile | CpuProfileResponse> {
    const profiler = this.required();
    const seconds = integerParam('seconds', rawSeconds, { min: 1, max: profiler.maxSeconds, default: Math.min(10, profiler.maxSeconds) });
    if (format !== undefined && format !== 'json' && format !== 'cpuprofile') {
      throw new BadRequestException(`format must be json or cpuprofile (got ${JSON.stringify(format)})`);
    }
    const client = new AbortController();
    const stopListening = onClientGone(res, () => client.abort());
    const { profile, summary } = await this.guarded(() => profiler.recordCpuProfile(seconds, client.signal)).finally(stopListening);
    if (format === 'json') return { summary, profile };
    return new StreamableFile(Buffer.from(JSON.stringify(profile)), {
      type: 'application/json',
      disposition: `attachment; filename="cpu-${stamp(summary.startedAt)}.cpuprofile"`,
    });
  }

  @Get('profiling/summary')
  @AdminOperation({
    summary: 'Summary of the latest CPU profile: hottest functions and their self time',
    responses: { 404: 'no profile recorded yet, or profiling is switched off' },
  })
  summary(): CpuProfileSummary {
    const summary = this.required().latestSummary;
    if (!summary) throw new NotFoundException('no CPU profile recorded yet: POST profiling/cpu?seconds=N first');
    return summary;
  }

  @Post('profiling/heap')
  @HttpCode(200)
  @AdminOperation({
    summary: 'Takes a heap snapshot and streams it as a .heapsnapshot download',
    responses: { 404: 'heap snapshots or profiling are switched off', 409: 'a profile or heap snapshot is already being taken' },
  })
  async heap(@Res({ passthrough: true }) res: unknown): Promise<StreamableFile> {
    const profiler = this.required();
    if (!profiler.heapSnapshotsAllowed) throw new NotFoundException('heap snapshots are switched off (profiling.heapSnapshots: false)');
    const { stream, bytes } = await this.guarded(() => profiler.takeHeapSnapshot());
    // The profiler stays busy and the file stays on disk until this stream closes: close it with the connection,
    // whatever becomes of the response (a client gone during the snapshot, an error answered instead).
    const raw = nodeResponse(res);
    if (raw.destroyed) stream.destroy();
    else raw.once('close', () => stream.destroy());
    return new StreamableFile(stream, {
      type: 'application/json',
      length: bytes,
      disposition: `attachment; filename="heap-${stamp(new Date().toISOString())}.heapsnapshot"`,
    });
  }

  private required(): ProcessProfiler {
    if (!this.profiler) throw new NotFoundException('profiling is switched off (profiling.enabled: false)');
    return this.profiler;
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ProfilerBusyError) throw new ConflictException(error.message);
      // Nobody reads this answer: the connection is gone. An HTTP error keeps it out of the error log.
      if (error instanceof ProfileAbortedError) throw new HttpException(error.message, 499);
      throw error;
    }
  }
}
