/**
 * What every phase of the bench shares: where processes run (CPU 1 for the process under test,
 * CPU 0 for the rest), the wallet, the list of the bench's own pids, and starting a gateway child.
 */
import { BenchChild } from './child.js';
import type { GatewayProcessOptions } from './gateway-process.js';
import type { BenchOptions, TargetId } from './options.js';
import { BENCH_SECRET } from './traffic.js';

export const CPU_SUT = '1';
export const CPU_AUX = '0';
/** TTL of the bench's idempotency records: keys left on a shared Redis expire on their own. */
export const BENCH_TTL_S = 3600;

export const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface Rig {
  o: BenchOptions;
  wallet: BenchChild;
  pinned: boolean;
  /** Every process of the bench, for the foreign-CPU figure. */
  pids: number[];
}

/** Puts the wallet where the target needs it: alone on CPU 1 when it is the target, else CPU 0. */
export function placeWallet(rig: Rig, id: TargetId): void {
  if (rig.pinned) rig.wallet.pin(id === 'a' ? CPU_SUT : CPU_AUX);
}

/** A gateway process (bench/lib/gateway-process.ts) in front of `walletUrl`. */
export function startGateway(name: string, walletUrl: string, store: string, prefix: string, o: BenchOptions): Promise<BenchChild> {
  const args: GatewayProcessOptions = { walletUrl, store, prefix, ttlS: BENCH_TTL_S, logLevel: o.gatewayLog, walletConnections: o.walletConnections, secret: BENCH_SECRET };
  const execArgv = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/u).filter(Boolean);
  return BenchChild.start(name, new URL('./gateway-process.js', import.meta.url), [JSON.stringify(args)], { execArgv });
}
