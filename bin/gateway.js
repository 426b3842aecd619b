#!/usr/bin/env node
// Thin launcher: the CLI is compiled from gateway/cli/main.ts into dist/ by `npm ci` (prepare).
import { main } from '../dist/gateway/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
