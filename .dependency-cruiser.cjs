// The layers of libs/performance/src, checked by dependency-cruiser (npm run deps, part of npm test):
//   npx depcruise --config .dependency-cruiser.cjs libs/performance/src
// Fails on any import cycle and on any import a folder's row below does not allow.
// Type-only imports count too (tsPreCompilationDeps): a type is a dependency. Specs obey the same rows.
const SRC = 'libs/performance/src';

/**
 * What each folder may import besides itself (the composition root — index.ts,
 * performance.module.ts, performance.module-definition.ts — may import anything).
 * A new folder must get a row here, or every import out of it fails.
 */
const ALLOWED = {
  core: [], // the floor: request context, events, options, ports, schemas, discovery
  headers: ['core'],
  database: ['core'],
  cache: ['core', 'database'], // cache/typeorm counts TypeORM's query cache through the database instrumentation
  metrics: ['core', 'timing'], // the @Timed() histogram
  tracing: ['core'],
  timing: ['core', 'tracing'], // @Timed() makes its span as @Traced() does
  profiling: ['core'],
  monitor: ['core'],
  health: ['core'],
  jobs: ['core', 'metrics'], // job gauges
  alerts: ['core', 'monitor', 'jobs', 'slo'], // every rule and its wiring: snapshot rules, job rules, SLO burn rates
  slo: ['core'], // SLO counts on the request path
  advisor: ['core', 'database', 'cache', 'monitor'], // reads the feature services
  baselines: ['core', 'monitor'], // learns per route from each snapshot window of the sampler
  logging: ['core', 'metrics'], // the log_messages_total counter
  admin: [
    'core',
    'headers',
    'database',
    'cache',
    'metrics',
    'tracing',
    'profiling',
    'monitor',
    'health',
    'jobs',
    'alerts',
    'advisor',
    'timing',
    'baselines',
    'logging',
    'slo',
  ],
  cli: ['core'], // a client of the admin API: the shared schemas only
};

const layerRules = Object.entries(ALLOWED).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  comment: `${folder}/ may import only ${[...allowed].join(', ') || 'itself'} (see ALLOWED in .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: `^${SRC}/${folder}/` },
  to: { path: `^${SRC}/`, pathNot: `^${SRC}/(${[folder, ...allowed].join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only ones included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unlisted-folder',
      comment: 'Every folder of the library has a row in ALLOWED.',
      severity: 'error',
      from: { path: `^${SRC}/[^/]+/`, pathNot: `^${SRC}/(${Object.keys(ALLOWED).join('|')})/` },
      to: { path: `^${SRC}/` },
    },
    ...layerRules,
    {
      name: 'cache-response-below-method-and-typeorm',
      comment: 'cache/response is what cache/method and cache/typeorm build on, never the other way.',
      severity: 'error',
      from: { path: `^${SRC}/cache/(response/|[^/]+\\.ts$)` },
      to: { path: `^${SRC}/cache/(method|typeorm)/` },
    },
    {
      name: 'library-stands-alone',
      comment: 'Nothing in the library imports the sample app, the tests or the benchmarks.',
      severity: 'error',
      from: { path: `^${SRC}/` },
      to: { path: '^(apps|test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: `^${SRC}/` },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    includeOnly: `^(${SRC}|apps|test|bench)/`,
    exclude: { path: '(^|/)(node_modules|dist)/' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
