/**
 * Micro-benchmark of the per-request JSON and amount work: parseJson against JSON.parse on a
 * typical ~250-byte callback body, parseAmount, renderAmount and stringifyJson.
 *
 * No dependencies: process.hrtime.bigint, a warm-up so V8 has optimised the code, then N
 * timed iterations in 5 rounds, best round reported. Numbers are indicative (one process, one
 * core, possibly a shared machine); compare ratios rather than absolutes.
 *
 *   node dist/bench/micro/amount-json.bench.js [iterations]
 */
import { pathToFileURL } from 'node:url';
import { parseAmount } from '../../gateway/amount/parse-amount.js';
import { renderAmount } from '../../gateway/amount/render-amount.js';
import { JsonNumber } from '../../gateway/json/json-number.js';
import { parseJson } from '../../gateway/json/parse-json.js';
import { stringifyJson } from '../../gateway/json/stringify-json.js';

export interface BenchResult {
  name: string;
  iterations: number;
  opsPerSec: number;
  nsPerOp: number;
}

export interface BenchOptions {
  /** Timed iterations per case. Default 200 000. */
  iterations?: number;
  /** Where result lines go. Default console.log; pass `() => {}` to stay quiet. */
  log?: (line: string) => void;
}

/** A provider callback as it arrives: ids, a JSON-number amount, currency, flags. */
export const CALLBACK_BODY =
  '{"requestId":"9f1c2b7e-4a1d-4c55-9a0e-2f3b6c8d1e47","playerId":"player-000123","sessionId":"sess-7f3a9c21",' +
  '"gameId":"vs20olympgate","roundId":"r-88123411","transactionId":"tx-4412-99812","amount":10.50,' +
  '"currency":"EUR","timestamp":1732190000,"bonus":false}';

// Results go here so V8 cannot drop the work as dead code.
let sink = 0;

const ROUNDS = 5;

/**
 * Warm-up (so V8 has optimised `fn`), then `iterations` timed calls split into ROUNDS rounds;
 * the fastest round is reported, because on a shared machine noise only ever adds time.
 */
function measure(name: string, iterations: number, fn: () => unknown): BenchResult {
  const warmup = Math.max(1000, Math.floor(iterations / 10));
  for (let i = 0; i < warmup; i++) if (fn() === sink) sink++;
  const perRound = Math.max(1, Math.floor(iterations / ROUNDS));
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) if (fn() === sink) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - start) / perRound);
  }
  return { name, iterations: perRound * ROUNDS, opsPerSec: Math.round(1e9 / best), nsPerOp: best };
}

/**
 * Runs every case and returns the results (also printed through `log`).
 *
 * @example
 * const results = await run({ iterations: 50_000, log: () => {} });
 */
export async function run(options: BenchOptions = {}): Promise<BenchResult[]> {
  const n = options.iterations ?? 200_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const bodyBuffer = Buffer.from(CALLBACK_BODY, 'utf8');
  const amount = new JsonNumber('10.50');
  const response = {
    balance: renderAmount('489.5', { format: 'number' }),
    currency: 'EUR',
    transactionId: 'w-1234567',
    status: 'OK',
    bonusBalance: renderAmount('0', { format: 'string', decimals: 2 }),
  };
  const plainResponse = { balance: 489.5, currency: 'EUR', transactionId: 'w-1234567', status: 'OK', bonusBalance: '0.00' };

  const results = [
    measure('JSON.parse(string)            [baseline]', n, () => JSON.parse(CALLBACK_BODY)),
    measure('parseJson(string)', n, () => parseJson(CALLBACK_BODY)),
    measure('JSON.parse(buffer.toString()) [baseline]', n, () => JSON.parse(bodyBuffer.toString('utf8'))),
    measure('parseJson(buffer)', n, () => parseJson(bodyBuffer)),
    measure('parseAmount number 10.50', n, () => parseAmount(amount, { format: 'number' }, 2)),
    measure('parseAmount string "10.50"', n, () => parseAmount('10.50', { format: 'string' }, 2)),
    measure('parseAmount integer 1050 scale 2', n, () => parseAmount('1050', { format: 'integer', scale: 2 }, 2)),
    measure('renderAmount string decimals 2', n, () => renderAmount('489.5', { format: 'string', decimals: 2 })),
    measure('renderAmount number', n, () => renderAmount('489.5', { format: 'number' })),
    measure('renderAmount integer scale 2', n, () => renderAmount('489.5', { format: 'integer', scale: 2 })),
    measure('JSON.stringify(response)      [baseline]', n, () => JSON.stringify(plainResponse)),
    measure('stringifyJson(response)', n, () => stringifyJson(response)),
  ];
  log(`amount-json micro-benchmark (node ${process.version}, ${n} iterations, body ${bodyBuffer.length} B)`);
  for (const r of results) {
    log(`${r.name.padEnd(44)} ${r.opsPerSec.toLocaleString('en-US').padStart(12)} ops/s ${r.nsPerOp.toFixed(0).padStart(7)} ns/op`);
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const iterations = process.argv[2] === undefined ? undefined : Number.parseInt(process.argv[2], 10);
  await run(iterations === undefined ? {} : { iterations });
}
