import { ConfigurableModuleBuilder } from '@nestjs/common';
import { PerformanceAdminModule } from './admin/performance-admin.module';
import { PerformanceError } from './core/performance-errors';
import type { PerformanceModuleExtras, PerformanceModuleOptions } from './core/options/performance.options';

const ADMIN_PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

export const {
  ConfigurableModuleClass: ConfigurablePerformanceModule,
  MODULE_OPTIONS_TOKEN: PERFORMANCE_MODULE_OPTIONS,
  OPTIONS_TYPE: PERFORMANCE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PERFORMANCE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PerformanceModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<PerformanceModuleExtras>({ adminPath: 'performance' }, (definition, extras) => {
    const adminPath = (extras.adminPath ?? 'performance').replace(/^\/+|\/+$/g, '');
    if (!ADMIN_PATH.test(adminPath)) {
      throw new PerformanceError(
        'PERF_ERR_INVALID_OPTIONS',
        `adminPath must be a route path of letters, digits, . _ ~ - and / (got ${JSON.stringify(extras.adminPath)})`,
      );
    }
    return {
      ...definition,
      // Global: every feature service is injectable anywhere, and the admin module sees them.
      global: true,
      imports: [...(definition.imports ?? []), PerformanceAdminModule.register(adminPath)],
    };
  })
  .build();
