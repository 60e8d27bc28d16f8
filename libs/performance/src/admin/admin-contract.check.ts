import type { z } from 'zod';
import type { HealthOverviewResponse } from './health.controller';
import type { JobsStatusBody } from '../jobs/job-status';
import type { MetricsHistory } from '../monitor/history-downsampler';
import type { OptimizationResult } from '../advisor/performance-advisor.service';
import type { AppliedOptimization } from '../advisor/optimization-log';
import type { PoolUsage } from '../database/pool-monitor.service';
import type { IndexAdvice } from '../database/advisor/index-advisor.service';
import type { PendingAlert, PerformanceAlert } from '../core/schemas/performance-alert';
import type { FleetView } from '../monitor/fleet';
import type { SlowRequestDetail } from '../monitor/request-stats.service';
import type { CacheClearBody, CacheStatsBody } from './cache.controller';
import type { QueryPerformanceBody } from './database.controller';
import type { LiveBody } from './live-stream.service';
import type { RoutesBody } from './live.controller';
import type { CurrentMetrics, DashboardConfig, RecommendationsBody } from './monitoring.controller';
import type { DashboardBody } from './dashboard.controller';
import type { SlosBody } from '../slo/slo-monitor.service';
import type { ADMIN_CONTRACT, AdminContractEndpoint } from './admin-contract';

/*
 * Compile-time only (nothing imports this file): the body each controller
 * returns has every field the admin contract declares for its endpoint, with
 * the declared type. Kept apart from the contract so that the controllers can
 * import the OpenAPI service, which reads the contract, without a cycle.
 */
type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
type Has<Actual, Declared> = [Actual] extends [DeepReadonly<Declared>] ? true : { readonly mismatch: Declared };
type Body<E extends AdminContractEndpoint> = z.input<(typeof ADMIN_CONTRACT)[E]>;
const holds = <T extends true>(): T => true as T;
holds<Has<DashboardConfig, Body<'get dashboard/config'>>>();
holds<Has<DashboardBody, Body<'get dashboard'>>>();
holds<Has<CurrentMetrics, Body<'get metrics/current'>>>();
holds<Has<MetricsHistory, Body<'get metrics/history'>>>();
holds<Has<LiveBody, Body<'get live'>>>();
holds<Has<RoutesBody, Body<'get routes'>>>();
holds<Has<SlowRequestDetail, Body<'get requests/{id}'>>>();
holds<Has<HealthOverviewResponse, Body<'get health-overview'>>>();
holds<Has<JobsStatusBody, Body<'get jobs/status'>>>();
holds<Has<{ hours: number; firing: number; alerts: PerformanceAlert[]; pending: PendingAlert[] }, Body<'get alerts'>>>();
holds<Has<RecommendationsBody, Body<'get recommendations'>>>();
holds<Has<OptimizationResult, Body<'post optimize/{id}'>>>();
holds<Has<FleetView, Body<'get fleet'>>>();
holds<Has<QueryPerformanceBody, Body<'get query-performance'>>>();
holds<Has<{ databases: IndexAdvice[] }, Body<'get suggest-indexes'>>>();
holds<Has<{ pools: PoolUsage[] }, Body<'get connection-pool'>>>();
holds<Has<CacheStatsBody, Body<'get cache-stats'>>>();
holds<Has<CacheClearBody, Body<'post cache/clear'>>>();
holds<Has<{ total: number; optimizations: AppliedOptimization[] }, Body<'get optimizations'>>>();
holds<Has<SlosBody, Body<'get slos'>>>();
