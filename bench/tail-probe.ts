/**
 * Scratch (not committed): where does the half-load tail come from? Client-side latency vs the
 * gateway's own request-duration histogram at a fixed rate.
 */
import { BenchChild, pin } from './lib/child.js';
import { openLoop, openPool } from './lib/load.js';
import { benchPrefix, startDedicatedRedis } from './lib/redis.js';
import { BENCH_SECRET, createTraffic } from './lib/traffic.js';
import type { GatewayProcessOptions } from './lib/gateway-process.js';

const rate = Number(process.argv[2] ?? 3000);
const redis = await startDedicatedRedis();
pin(process.pid, '0');
pin(redis.pid, '0');
const wallet = await BenchChild.start('wallet', new URL('./lib/wallet-process.js', import.meta.url), []);
wallet.pin('0');
const args: GatewayProcessOptions = { walletUrl: wallet.url, store: process.argv[3] === 'memory' ? 'memory://' : redis.url, prefix: benchPrefix(), ttlS: 600, logLevel: 'info', walletConnections: 64, secret: BENCH_SECRET };
const gw = await BenchChild.start('gateway', new URL('./lib/gateway-process.js', import.meta.url), [JSON.stringify(args)]);
gw.pin('1');
const traffic = createTraffic({ flavor: 'jackpot' });
const pool = openPool(gw.url, 64);
await openLoop({ url: gw.url, traffic, rate, duration: 3, connections: 64, pool });
const before = await (await fetch(`${gw.extra.admin as string}/metrics`)).text();
const r = await openLoop({ url: gw.url, traffic, rate, duration: 10, connections: 64, pool });
const after = await (await fetch(`${gw.extra.admin as string}/metrics`)).text();
const buckets = (text: string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const l of text.split('\n')) {
    const x = /^gateway_request_duration_ms_bucket\{provider="jackpot-rgs",route="(debit|credit)",le="([^"]+)"\} (\d+)/.exec(l);
    if (x) m.set(x[2]!, (m.get(x[2]!) ?? 0) + Number(x[3]));
  }
  return m;
};
const b0 = buckets(before);
const b1 = buckets(after);
const total = (b1.get('+Inf') ?? 0) - (b0.get('+Inf') ?? 0);
console.log(`rate ${rate}: client p50 ${r.latency.p50} p90 ${r.latency.p90} p99 ${r.latency.p99} max ${r.latency.max} ms; errors ${r.transportErrors}`);
for (const le of ['1', '2', '5', '10', '25', '50']) {
  const n = (b1.get(le) ?? 0) - (b0.get(le) ?? 0);
  console.log(`  gateway-side: ≤ ${le} ms: ${((100 * n) / total).toFixed(2)}% (${total - n} requests slower)`);
}
await pool.close();
await gw.stop();
await wallet.stop();
await redis.stop();
process.exit(0);
