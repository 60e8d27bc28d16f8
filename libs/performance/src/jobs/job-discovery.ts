import { MetadataScanner } from '@nestjs/core';
import type { AppDiscovery } from '../core/discovery/app-discovery.service';
import { findScheduleOf, type JobSchedule } from './job-schedule';
import { JOB_RECORDER, trackedJobOf, type JobRunRecorder, type TrackedJobDefinition } from './track-job.decorator';

/** Lists own and inherited methods (Nest's own scanner, which caches per prototype). */
const METADATA_SCANNER = new MetadataScanner();

/**
 * Finds every `@TrackJob` method of the app's providers and controllers:
 * `found` is called for each, in the order Nest holds them, with the
 * schedule its `@nestjs/schedule` decorator declares and a function that
 * calls it on its instance (as the scheduler would); each instance with a
 * tracked method then records its runs with `recorder` (unless it has a
 * recorder of its own already).
 */
export function discoverTrackedJobs(
  discovery: AppDiscovery,
  recorder: JobRunRecorder,
  found: (job: TrackedJobDefinition, schedule: JobSchedule | undefined, start: () => unknown) => void,
): void {
  for (const { instance: provided } of discovery.instances({ controllers: true })) {
    const instance = provided as Record<PropertyKey, unknown>;
    let tracked = false;
    for (const key of METADATA_SCANNER.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const method = instance[key];
      const job = trackedJobOf(method);
      if (!job) continue;
      tracked = true;
      found(job, findScheduleOf(method), () => (instance[key] as () => unknown).call(instance));
    }
    if (tracked && !Object.prototype.hasOwnProperty.call(instance, JOB_RECORDER)) {
      Object.defineProperty(instance, JOB_RECORDER, { value: recorder, enumerable: false, configurable: true });
    }
  }
}
