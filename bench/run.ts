/**
 * `npm run bench`: the end-to-end bench (see lib/harness.ts for what runs where). Prints the
 * tables and writes the JSON report to bench/results/latest.json.
 *
 *   npm run build && npm run bench -- --duration 10 --connections 32
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { evaluate, runBench } from './lib/harness.js';
import { parseBenchOptions, USAGE, UsageError } from './lib/options.js';
import { renderReport } from './lib/report.js';

const SOAK_FILE = 'bench/results/soak-latest.json';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let opts;
  try {
    opts = parseBenchOptions(argv, process.env);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const report = await runBench({ ...opts, log: (l) => console.log(l) });
  // The soak is its own command; its latest result feeds the RSS check here.
  if (existsSync(SOAK_FILE)) {
    try {
      const soak = JSON.parse(readFileSync(SOAK_FILE, 'utf8')) as { rssDriftPct: number; when: string };
      report.checks = evaluate(report, soak);
      report.notes.push(`RSS drift from the soak run of ${soak.when} (${SOAK_FILE})`);
    } catch {
      /* unreadable soak file: the check stays "see bench:soak" */
    }
  }
  console.log(`\n${renderReport(report)}`);
  if (opts.out) {
    mkdirSync(path.dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n');
    console.log(`JSON report: ${opts.out}`);
  }
  return 0;
}

process.exitCode = await main();
