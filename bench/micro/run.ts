/**
 * `npm run bench:micro`: every micro-benchmark — the hot path of a jackpot-rgs debit
 * (hot-path.bench.ts) and the JSON and amount primitives (amount-json.bench.ts).
 *
 *   npm run bench:micro [-- ITERATIONS]
 */
import { run as amountJson } from './amount-json.bench.js';
import { run as hotPath } from './hot-path.bench.js';

const arg = process.argv[2];
const iterations = arg === undefined ? undefined : Number.parseInt(arg, 10);
if (iterations !== undefined && !(iterations > 0)) {
  console.error('usage: npm run bench:micro [-- ITERATIONS]');
  process.exit(2);
}
await hotPath(iterations === undefined ? {} : { iterations });
console.log('');
await amountJson(iterations === undefined ? {} : { iterations });
