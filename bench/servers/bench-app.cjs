// What every bench server shares with lib/compare.mjs: exit on SIGINT/SIGTERM (so a
// `--cpu-prof` run writes its profile), listen on 127.0.0.1 at PORT, and print
// "ready <port>" once listening.
'use strict';

/**
 * Runs a server's async main, exiting loudly on failure and, unless the server
 * handles signals itself (`exitOnSignals: false`), at once on SIGINT/SIGTERM.
 */
function serve(main, { exitOnSignals = true } = {}) {
  if (exitOnSignals) for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/** Listens at PORT (0: any) and tells lib/compare.mjs the port. */
async function listen(app) {
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  process.stdout.write(`ready ${app.getHttpServer().address().port}\n`);
}

module.exports = { serve, listen };
