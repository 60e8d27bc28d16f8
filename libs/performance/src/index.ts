export { PerformanceModule } from './performance.module';
export { PERFORMANCE_OPTIONS } from './performance.constants';
export {
  PERFORMANCE_HEADER_NAMES,
  type PerformanceHeaderName,
  type PerformanceModuleOptions,
} from './options/performance-options.interface';
export { resolvePerformanceOptions, type ResolvedPerformanceOptions } from './options/performance-options.schema';
export { performanceOptionsFromEnv } from './options/performance-options.env';
export { PERFORMANCE_ERRORS, PerformanceError, type PerformanceErrorCode } from './errors/performance.errors';
export { RequestContext, type CacheStatus } from './context/request-context';
export { REQUEST_ID_PATTERN } from './context/request-id';
export { requestContextOf } from './context/request-tracker.service';
export { StatusEndpoint, type StatusBody } from './health/status.endpoint';
export { PerformanceLogger } from './logging/performance.logger';
export type { PerformanceModuleExtras } from './performance.module-definition';
export { AdminAuthGuard } from './admin/admin-auth.guard';
export { PerformanceEvents, type QueryEvent, type CacheEvent } from './context/performance-events';
