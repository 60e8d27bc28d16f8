// First: the OpenTelemetry SDK must be registered before Nest and the HTTP server load.
import './tracing';
import { Logger } from '@nestjs/common';
import { createSampleApp, GLOBAL_PREFIX } from './sample-app';

async function main(): Promise<void> {
  const { app, config } = await createSampleApp();
  await app.listen(config.port, '0.0.0.0');
  const base = `http://localhost:${config.port}`;
  const logger = new Logger('Sample');
  const database = config.databaseUrl.replace(/\/\/[^@]*@/, '//***@');
  logger.log(`nestjs-performance sample (${config.adapter}, ${database}) listening:`);
  for (const line of [
    `  hello        ${base}/${GLOBAL_PREFIX}/hello`,
    `  document     ${base}/${GLOBAL_PREFIX}/documents/1`,
    `  N+1 demo     ${base}/${GLOBAL_PREFIX}/documents?limit=20&include=author&strategy=naive`,
    `  fixed        ${base}/${GLOBAL_PREFIX}/documents?limit=20&include=author&strategy=join`,
    `  search       ${base}/${GLOBAL_PREFIX}/documents/search?category=legal&status=published`,
    `  list         ${base}/${GLOBAL_PREFIX}/documents?limit=20  (method cache)`,
    `  analytics    ${base}/${GLOBAL_PREFIX}/analytics/overview`,
    `  workspaces   ${base}/${GLOBAL_PREFIX}/workspaces  ${base}/${GLOBAL_PREFIX}/workspaces/1/summary  (method cache, warmed)`,
    `  query cache  ${base}/${GLOBAL_PREFIX}/workspaces/1/documents-by-status`,
    `  SLO          ${base}/${GLOBAL_PREFIX}/checkout/quote  (?simulate=error|slow: watch GET performance/slos)`,
    `  admin API    ${base}/${GLOBAL_PREFIX}/performance/...  (Authorization: Bearer <token>)`,
    `  dashboard    ${base}/${GLOBAL_PREFIX}/performance/dashboard`,
    `  status       ${base}/status`,
    `  metrics      ${base}/metrics`,
    `  health       ${base}/health  ${base}/health/live  ${base}/health/ready`,
  ]) {
    logger.log(line);
  }
  if (config.adminTokenGenerated) {
    logger.warn(`PERFORMANCE_ADMIN_TOKEN is not set; generated for this run: ${config.adminToken}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
