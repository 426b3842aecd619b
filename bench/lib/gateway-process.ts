/**
 * Targets (c) and (d): the real gateway (startGateway, the shipped jackpot-rgs descriptor) in its
 * own process, in front of the stub wallet, with the memory or the Redis store.
 *
 * Logging is the production default, level `info`: every money operation writes its audit line
 * (CONTRACT §5.8) through the gateway's own logger to stdout, which the bench points at /dev/null —
 * the cost of building and writing each line is paid, only the disk is not. `--gateway-log warn`
 * turns the audit lines off to show what they cost.
 *
 *   node dist/bench/lib/gateway-process.js '{"walletUrl":…,"store":"memory://","prefix":…}'
 */
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { createSchemaChecker, loadSchemas } from '../../gateway/config/schema-check.js';
import { createLogger } from '../../gateway/log.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startGateway, type RuntimeConfig } from '../../gateway/server/gateway.js';
import { childMain } from './child-main.js';

export interface GatewayProcessOptions {
  walletUrl: string;
  /** `memory://` or a Redis URL. */
  store: string;
  prefix: string;
  /** Kept short in the bench so keys left on a shared Redis expire on their own. */
  ttlS: number;
  logLevel: RuntimeConfig['log']['level'];
  walletConnections: number;
  secret: string;
}

/**
 * `BENCH_GC_LOG=MS`: every garbage-collection pause of at least MS milliseconds goes to stderr
 * (kind and duration), to tell GC pauses from other stalls in the latency tail.
 */
function watchGcPauses(minMs: number): void {
  const KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-callbacks' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = ((e as { detail?: { kind?: number } | null }).detail)?.kind ?? 0;
      if (e.duration >= minMs) process.stderr.write(`[gateway gc] ${KINDS[kind] ?? kind} ${e.duration.toFixed(2)} ms\n`);
    }
  }).observe({ entryTypes: ['gc'] });
}

await childMain(async () => {
  if (process.env.BENCH_GC_LOG) watchGcPauses(Number(process.env.BENCH_GC_LOG));
  const o = JSON.parse(process.argv[2] ?? '{}') as GatewayProcessOptions;
  const config: RuntimeConfig = {
    server: { host: '127.0.0.1', port: 0, body_limit_bytes: 65536, request_timeout_ms: 10_000 },
    admin: { host: '127.0.0.1', port: 0 },
    store: { url: o.store, prefix: o.prefix, idempotency_ttl_s: o.ttlS, command_timeout_ms: 1000, await_timeout_ms: 2000, on_unavailable: { reads: 'pass' } },
    wallet: { url: o.walletUrl, timeout_ms: 3000, connections: o.walletConnections, retry: { budget_ms: 10_000, initial_backoff_ms: 50, max_backoff_ms: 1000 } },
    providers: { dir: path.join(PACKAGE_ROOT, 'providers'), enabled: ['jackpot-rgs'] },
    log: { level: o.logLevel },
    currencies: {},
  };
  const handle = await startGateway({
    config,
    env: { JACKPOT_RGS_HMAC_SECRET: o.secret },
    checker: createSchemaChecker(await loadSchemas()),
    log: createLogger(o.logLevel),
  });
  // A store that cannot be reached must fail the start, not every request of the run.
  await handle.store.ping();
  return { url: handle.publicUrl, extra: { admin: handle.adminUrl, store: handle.store.kind }, close: () => handle.close() };
});
