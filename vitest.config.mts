import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const LOAD_SUITES = ['test/reliability-concurrency.e2e-spec.ts'];

export default defineConfig({
  resolve: {
    alias: {
      'nestjs-performance': fileURLToPath(new URL('./libs/performance/src/index.ts', import.meta.url)),
    },
  },
  // Vitest's own esbuild transform drops decorator metadata, which Nest's injection needs.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
          exclude: [...LOAD_SUITES, '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Suites that load the machine on purpose (500 connections for 30 s) run after the
        // others, alone: sharing two cores with other suites would time their requests out.
        extends: true,
        test: { name: 'load', include: LOAD_SUITES, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
