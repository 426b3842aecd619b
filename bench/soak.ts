/**
 * `npm run bench:soak`: the gateway under steady load for a long time (default 5 minutes),
 * sampling its RSS, heap and event-loop delay (perf_hooks.monitorEventLoopDelay inside the gateway
 * process, read over IPC) every second, then the drift between the first and the last minute.
 * A leak shows as RSS that keeps climbing after warm-up; the bar is RSS flat within ±10%.
 *
 * The load is a fixed rate (open loop), by default half of the max throughput measured just
 * before: memory in flight grows with throughput, so at max load on a shared machine RSS follows
 * whatever the neighbours leave us, not leaks. `--max-load` soaks at max load instead.
 *
 * Default store: Redis (a dedicated redis-server this command starts), the configuration of a
 * shared deployment: the gateway then holds no per-transaction state, so its memory must be flat.
 * `--store memory` soaks the embedded store instead, whose RSS grows by design until its bound
 * (1,000,000 transaction groups) is reached.
 *
 *   npm run bench:soak -- --duration 60
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchChild, canPin, pin } from './lib/child.js';
import { machineInfo } from './lib/harness.js';
import { closedLoop, openLoop } from './lib/load.js';
import { commandFlags, num, UsageError } from './lib/options.js';
import type { EldStats } from './lib/protocol.js';
import { benchPrefix, deleteByPrefix, hasRedisServer, redactRedisUrl, startDedicatedRedis, type DedicatedRedis } from './lib/redis.js';
import { BENCH_SECRET, createTraffic } from './lib/traffic.js';
import type { GatewayProcessOptions } from './lib/gateway-process.js';

const USAGE = `npm run bench:soak -- [flags]
  --duration S        seconds of load after warm-up (default 300, at most 3600)
  --warmup S          unmeasured seconds first (default 10)
  --connections N     load generator connections, pipelining 1 (default 32)
  --rate N            fixed rate, req/s (default: half of the max measured for 5s after warm-up)
  --max-load          closed loop at max load instead of a fixed rate
  --store redis|memory  (default redis)
  --redis URL         Redis to use (default: a dedicated redis-server started here)
  --gateway-log LEVEL gateway log level, audit lines at info (default info)
  --no-pin            do not pin the gateway to CPU 1 and the rest to CPU 0
  --out FILE          JSON report (default bench/results/soak-latest.json; '' for none)`;

interface Sample {
  t: number;
  rps: number;
  rssMiB: number;
  heapMiB: number;
  eld: EldStats;
}

interface Window {
  fromS: number;
  toS: number;
  rps: number;
  rssMiB: number;
  heapMiB: number;
  eldP99: number;
  eldMax: number;
}

const MiB = 1024 * 1024;
const r1 = (v: number): number => Math.round(v * 10) / 10;
const pctDrift = (a: number, b: number): number => (a > 0 ? r1(((b - a) / a) * 100) : 0);

function windowOf(samples: readonly Sample[], from: number, to: number): Window {
  const s = samples.filter((x) => x.t > from && x.t <= to);
  const mean = (f: (x: Sample) => number): number => (s.length ? s.reduce((a, x) => a + f(x), 0) / s.length : 0);
  return {
    fromS: from,
    toS: to,
    rps: Math.round(mean((x) => x.rps)),
    rssMiB: r1(mean((x) => x.rssMiB)),
    heapMiB: r1(mean((x) => x.heapMiB)),
    eldP99: Math.round(mean((x) => x.eld.p99) * 100) / 100,
    eldMax: Math.round(Math.max(0, ...s.map((x) => x.eld.max)) * 100) / 100,
  };
}

async function main(): Promise<number> {
  const flags = commandFlags(process.argv.slice(2), ['duration', 'warmup', 'connections', 'rate', 'max-load', 'store', 'redis', 'gateway-log', 'pin', 'out'], USAGE);
  if (!flags) return 0;
  const env = process.env;
  const duration = Math.min(3600, num(flags, env, 'duration', 300, 10));
  const warmup = num(flags, env, 'warmup', 10, 0);
  const connections = num(flags, env, 'connections', 32, 1);
  const maxLoad = flags.get('max-load') === 'true';
  let rate = num(flags, env, 'rate', 0, 0);
  const storeKind = flags.get('store') ?? 'redis';
  if (storeKind !== 'redis' && storeKind !== 'memory') throw new UsageError('--store takes redis or memory');
  const logLevel = (flags.get('gateway-log') ?? 'info') as GatewayProcessOptions['logLevel'];
  const out = flags.has('out') ? flags.get('out')! : 'bench/results/soak-latest.json';
  const machine = machineInfo();
  const pinned = flags.get('pin') !== 'false' && machine.nproc >= 2 && canPin();

  let redis: DedicatedRedis | undefined;
  let storeUrl = 'memory://';
  if (storeKind === 'redis') {
    if (flags.get('redis')) storeUrl = flags.get('redis')!;
    else if (hasRedisServer()) {
      redis = await startDedicatedRedis();
      storeUrl = redis.url;
    } else throw new UsageError('--store redis needs --redis URL or a redis-server binary');
  }
  const prefix = benchPrefix();
  if (pinned) pin(process.pid, '0');
  if (redis && pinned) pin(redis.pid, '0');
  const children: BenchChild[] = [];
  try {
    const wallet = await BenchChild.start('wallet', new URL('./lib/wallet-process.js', import.meta.url), []);
    children.push(wallet);
    const args: GatewayProcessOptions = { walletUrl: wallet.url, store: storeUrl, prefix, ttlS: 3600, logLevel, walletConnections: 64, secret: BENCH_SECRET };
    const gw = await BenchChild.start('gateway', new URL('./lib/gateway-process.js', import.meta.url), [JSON.stringify(args)]);
    children.push(gw);
    if (pinned) {
      wallet.pin('0');
      gw.pin('1');
    }
    const traffic = createTraffic({ flavor: 'jackpot' });
    if (warmup > 0) await closedLoop({ url: gw.url, traffic, connections, duration: warmup });
    if (!maxLoad && rate <= 0) {
      const probe = await closedLoop({ url: gw.url, traffic, connections, duration: 5 });
      rate = Math.max(1, Math.round(probe.rps / 2));
    }
    console.log(`soak: gateway (${storeKind === 'redis' ? `redis store, ${redactRedisUrl(storeUrl)}` : 'memory store'}), ${maxLoad ? `max load, ${connections} connections` : `fixed ${rate} req/s`}, ${duration}s after ${warmup}s warm-up; sampling every second`);
    traffic.reset();
    await gw.stats(true);

    const samples: Sample[] = [];
    const answered = (): number => {
      const c = traffic.counters();
      return c.ok.debit + c.ok.credit + c.ok.duplicate + c.non2xx + c.badBody;
    };
    const t0 = Date.now();
    let running = true;
    const sampler = (async () => {
      let next = t0 + 1000;
      let last = answered();
      // Bounded: one sample a second, never more than the duration allows (+5 for stragglers).
      for (let i = 0; running && i < duration + 5; i++) {
        await sleep(Math.max(0, next - Date.now()));
        next += 1000;
        if (!running) break;
        try {
          const s = await gw.stats(true);
          const now = answered();
          samples.push({ t: Math.round((Date.now() - t0) / 1000), rps: now - last, rssMiB: r1(s.rss / MiB), heapMiB: r1(s.heapUsed / MiB), eld: s.eld });
          last = now;
        } catch {
          break;
        }
        if (samples.length % 30 === 0) {
          const x = samples[samples.length - 1]!;
          console.log(`  ${String(x.t).padStart(4)}s  ${String(x.rps).padStart(6)} req/s  RSS ${x.rssMiB} MiB  heap ${x.heapMiB} MiB  event-loop delay p99 ${x.eld.p99.toFixed(2)} ms`);
        }
      }
    })();
    const res = maxLoad
      ? await closedLoop({ url: gw.url, traffic, connections, duration })
      : await openLoop({ url: gw.url, traffic, rate, duration, connections: connections * 2 });
    running = false;
    await sampler;

    const w = Math.min(60, Math.floor(duration / 3));
    const end = samples.length > 0 ? samples[samples.length - 1]!.t : duration;
    const first = windowOf(samples, 0, w);
    const last = windowOf(samples, end - w, end);
    const tc = res.traffic;
    const errors = tc.non2xx + tc.badBody + res.transportErrors;
    const report = {
      schema: 1,
      when: new Date().toISOString(),
      machine,
      settings: { durationS: duration, warmupS: warmup, connections, load: maxLoad ? 'max (closed loop)' : `fixed ${rate} req/s (open loop)`, store: storeKind, redis: storeKind === 'redis' ? redactRedisUrl(storeUrl) : null, gatewayLog: logLevel, pinned, windowS: w },
      requests: res.requests,
      rps: res.rps,
      errors,
      errorSamples: tc.samples,
      first,
      last,
      rssDriftPct: pctDrift(first.rssMiB, last.rssMiB),
      heapDriftPct: pctDrift(first.heapMiB, last.heapMiB),
      eldP99DriftPct: pctDrift(first.eldP99, last.eldP99),
      rpsDriftPct: pctDrift(first.rps, last.rps),
      peakRssMiB: Math.max(0, ...samples.map((s) => s.rssMiB)),
      rssFlat: Math.abs(pctDrift(first.rssMiB, last.rssMiB)) <= 10,
      /** At a fixed rate: the gateway kept up in the last window (else memory in flight grew). */
      keptUp: maxLoad ? null : last.rps >= rate * 0.95,
      samples,
    };
    const row = (name: string, x: Window): string =>
      `| ${name.padEnd(22)} | ${String(x.rps).padStart(6)} | ${x.rssMiB.toFixed(1).padStart(8)} | ${x.heapMiB.toFixed(1).padStart(9)} | ${x.eldP99.toFixed(2).padStart(11)} | ${x.eldMax.toFixed(2).padStart(11)} |`;
    const sign = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
    console.log(
      [
        '',
        `Soak: ${res.requests} requests in ${res.durationS}s (${res.rps} req/s), errors ${errors}, peak RSS ${report.peakRssMiB} MiB`,
        '',
        `| window                 |  req/s | RSS MiB | heap MiB | ELD p99 ms | ELD max ms |`,
        `|:-----------------------|-------:|--------:|---------:|-----------:|-----------:|`,
        row(`first ${w}s (${first.fromS}–${first.toS}s)`, first),
        row(`last ${w}s (${last.fromS}–${last.toS}s)`, last),
        `| drift                  | ${sign(report.rpsDriftPct).padStart(6)} | ${sign(report.rssDriftPct).padStart(8)} | ${sign(report.heapDriftPct).padStart(9)} | ${sign(report.eldP99DriftPct).padStart(11)} |             |`,
        '',
        `RSS flat within ±10%: ${report.rssFlat ? 'yes' : 'NO'}${report.keptUp === false ? ' (the gateway fell behind the rate in the last window: requests in flight piled up)' : ''}`,
      ].join('\n'),
    );
    if (out) {
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
      console.log(`JSON report: ${out}`);
    }
    return errors === 0 && report.rssFlat ? 0 : 1;
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    if (storeKind === 'redis') await deleteByPrefix(storeUrl, prefix).catch(() => 0);
    await redis?.stop();
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  if (e instanceof UsageError) {
    console.error(e.message);
    process.exitCode = 2;
  } else throw e;
}
