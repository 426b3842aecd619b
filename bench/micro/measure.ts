/**
 * The timing loop of the micro-benchmarks (the same method as amount-json.bench.ts): a warm-up so
 * V8 has optimised the code, then N timed calls split into 5 rounds, the fastest round reported —
 * on a shared machine noise only ever adds time. Async cases are awaited one after another, so
 * their figure includes one promise resolution (~0.1 µs).
 */
export interface MicroResult {
  name: string;
  iterations: number;
  opsPerSec: number;
  nsPerOp: number;
}

const ROUNDS = 5;
// Results go here so V8 cannot drop the work as dead code.
let sink: unknown;

export function measure(name: string, iterations: number, fn: () => unknown): MicroResult {
  const warmup = Math.max(1000, Math.floor(iterations / 10));
  for (let i = 0; i < warmup; i++) sink = fn();
  const perRound = Math.max(1, Math.floor(iterations / ROUNDS));
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) sink = fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / perRound);
  }
  return { name, iterations: perRound * ROUNDS, opsPerSec: Math.round(1e9 / best), nsPerOp: best };
}

export async function measureAsync(name: string, iterations: number, fn: () => Promise<unknown>): Promise<MicroResult> {
  const warmup = Math.max(1000, Math.floor(iterations / 10));
  for (let i = 0; i < warmup; i++) sink = await fn();
  const perRound = Math.max(1, Math.floor(iterations / ROUNDS));
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) sink = await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / perRound);
  }
  return { name, iterations: perRound * ROUNDS, opsPerSec: Math.round(1e9 / best), nsPerOp: best };
}

export function formatResult(r: MicroResult): string {
  return `${r.name.padEnd(52)} ${r.opsPerSec.toLocaleString('en-US').padStart(12)} ops/s ${r.nsPerOp.toFixed(0).padStart(7)} ns/op`;
}

/** Keeps `sink` observable (and the linter quiet). */
export function drain(): unknown {
  return sink;
}
