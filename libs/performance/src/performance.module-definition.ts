import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PerformanceModuleOptions } from './options/performance-options.interface';

export const {
  ConfigurableModuleClass: ConfigurablePerformanceModule,
  MODULE_OPTIONS_TOKEN: PERFORMANCE_MODULE_OPTIONS,
  OPTIONS_TYPE: PERFORMANCE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PERFORMANCE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PerformanceModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
