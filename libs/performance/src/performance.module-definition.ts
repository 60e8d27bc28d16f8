import { ConfigurableModuleBuilder } from '@nestjs/common';
import { PerformanceAdminModule } from './admin/performance-admin.module';
import type { PerformanceModuleExtras, PerformanceModuleOptions } from './core/options/performance.options';
import { adminPathOf } from './core/options/resolved.options';

/** Injection token of the extras given to forRoot or forRootAsync, checked with the options at start-up. */
export const PERFORMANCE_MODULE_EXTRAS = Symbol('PERFORMANCE_MODULE_EXTRAS');

export const {
  ConfigurableModuleClass: ConfigurablePerformanceModule,
  MODULE_OPTIONS_TOKEN: PERFORMANCE_MODULE_OPTIONS,
  OPTIONS_TYPE: PERFORMANCE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PERFORMANCE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PerformanceModuleOptions>()
  .setClassMethodName('forRoot')
  // The key names the extras; its default is the option definition's (see adminPathOf).
  .setExtras<PerformanceModuleExtras>({ adminPath: undefined }, (definition, extras) => {
    // A malformed adminPath is reported when Nest starts, with the other options' problems (see PERFORMANCE_OPTIONS).
    const adminPath = adminPathOf(extras);
    return {
      ...definition,
      providers: [...(definition.providers ?? []), { provide: PERFORMANCE_MODULE_EXTRAS, useValue: { adminPath: extras.adminPath } }],
      // Global: every feature service is injectable anywhere, and the admin module sees them.
      global: true,
      imports: [...(definition.imports ?? []), PerformanceAdminModule.register(adminPath)],
    };
  })
  .build();
