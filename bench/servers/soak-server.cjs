// bench/soak.mjs's server: the sample app itself (SQLite, cache, metrics, history on, as
// configured by the environment bench/soak.mjs passes), listening on 127.0.0.1 only.
// DATABASE_URL, ADAPTER, CACHE_*, PERFORMANCE_* as the sample reads them; PORT (0 = any).
// Prints "ready <port>" when listening. Needs `npm run build`.
'use strict';
const { createSampleApp } = require('../../dist/apps/sample/sample-app.js');

async function main() {
  const { app } = await createSampleApp({ logger: ['error', 'warn'] });
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  process.stdout.write(`ready ${app.getHttpServer().address().port}\n`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void app.close().finally(() => process.exit(0)));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
