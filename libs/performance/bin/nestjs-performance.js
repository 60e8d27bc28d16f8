#!/usr/bin/env node
'use strict';
// The command-line client. This file exists before the build so that npm links the
// command at install time; the client itself is compiled into dist/.
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    process.stderr.write('error: nestjs-performance is not built: run `npm run build` first\n');
    process.exit(1);
  }
  throw error;
}
void cli.main(process.argv.slice(2));
