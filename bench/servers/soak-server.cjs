// bench/soak.mjs's server: the sample app itself (SQLite, cache, metrics, history on, as
// configured by the environment bench/soak.mjs passes), listening on 127.0.0.1 only.
// DATABASE_URL, ADAPTER, CACHE_*, PERFORMANCE_* as the sample reads them; PORT (0 = any).
// Prints "ready <port>" when listening. Needs `npm run build`.
'use strict';
const { listen, serve } = require('./bench-app.cjs');
const { createSampleApp } = require('../../dist/apps/sample/sample-app.js');

async function main() {
  const { app } = await createSampleApp({ logger: ['error', 'warn'] });
  await listen(app);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void app.close().finally(() => process.exit(0)));
}
// It closes the app itself on signals (below), so the sampler's history is flushed.
serve(main, { exitOnSignals: false });
