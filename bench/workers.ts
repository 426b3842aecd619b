/**
 * `npm run bench:workers`: the bar as an operator would check it — the whole machine, no
 * pinning, the real `gateway serve` (one process, then `server.workers` processes) with the Redis
 * store, against the same load sent to the wallet directly.
 *
 * Every process (load generator, stub wallet, redis-server, gateway tree) may run on any CPU, as
 * in a deployment: so the figure depends on how many cores the machine has and what the load
 * generator and the wallet cost, which is exactly what the pinned `npm run bench` factors out.
 * Rounds alternate the targets (a, w=1, w=N, a, …) so a neighbour's burst spreads over all of them;
 * req/s is the best round.
 *
 *   npm run bench:workers -- --workers 1,2 --rounds 3 --duration 8
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../gateway/paths.js';
import { BenchChild } from './lib/child.js';
import { processCpuUs } from './lib/cpu.js';
import { machineInfo } from './lib/harness.js';
import { closedLoop, type LoadResult } from './lib/load.js';
import { commandFlags, num, UsageError } from './lib/options.js';
import { benchPrefix, deleteByPrefix, hasRedisServer, redactRedisUrl, startDedicatedRedis, type DedicatedRedis } from './lib/redis.js';
import { BENCH_SECRET, createTraffic, type Traffic } from './lib/traffic.js';

const USAGE = `npm run bench:workers -- [flags]
  --workers LIST      gateway process counts to measure (default 1,<nproc>)
  --rounds N          rounds over the targets; req/s = best round (default 3)
  --duration S        seconds per measured run (default 8)
  --warmup S          unmeasured seconds before each run (default 2)
  --connections N     load generator connections, pipelining 1 (default 32)
  --redis URL         Redis to use (default: a dedicated redis-server started here)
  --out FILE          JSON report (default bench/results/workers-latest.json; '' for none)`;

interface Row {
  target: string;
  workers: number | null;
  rps: number;
  roundsRps: number[];
  p50: number;
  p99: number;
  errors: number;
  /** CPU of the process(es) under test, % of one core, in the best round. */
  cpu: number;
  loadgenCpu: number;
}

interface Gateway {
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

/** `gateway serve` with `workers` processes; resolves once it says it listens. */
async function startServe(dir: string, workers: number, storeUrl: string, prefix: string, walletUrl: string): Promise<Gateway> {
  const file = path.join(dir, `gateway-${workers}.config.yaml`);
  writeFileSync(
    file,
    stringify({
      server: { host: '127.0.0.1', port: 0, workers },
      admin: { host: '127.0.0.1', port: 0 },
      store: { url: storeUrl, prefix, idempotency_ttl_s: 3600 },
      wallet: { url: walletUrl, connections: 64 },
      providers: { dir: path.join(PACKAGE_ROOT, 'providers'), enabled: ['jackpot-rgs'] },
      log: { level: 'info' },
    }),
  );
  // Audit lines go to a file, as a log shipper would read them; not through this process.
  const logFile = path.join(dir, `gateway-${workers}.log`);
  const fd = openSync(logFile, 'w');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GATEWAY_')) env[k] = v;
  const child: ChildProcess = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gateway.js'), 'serve', '--config', file], {
    cwd: dir,
    env: { ...env, JACKPOT_RGS_HMAC_SECRET: BENCH_SECRET },
    stdio: ['ignore', fd, 'inherit'],
  });
  closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const until = Date.now() + 60_000;
  for (;;) {
    const text = readFileSync(logFile, 'utf8');
    const m = /"msg":"gateway listening","public":"([^"]+)"/.exec(text);
    if (m) {
      const pids = [child.pid!, ...[...text.matchAll(/"msg":"worker serving","worker":\d+,"pid":(\d+)/g)].map((x) => Number(x[1]))];
      return {
        url: m[1]!,
        pids,
        stop: async () => {
          child.kill('SIGTERM');
          await Promise.race([exited, sleep(20_000).then(() => child.kill('SIGKILL'))]);
        },
      };
    }
    if (child.exitCode !== null || Date.now() > until) throw new Error(`gateway (workers ${workers}) did not start:\n${text}`);
    await sleep(50);
  }
}

async function measure(url: string, traffic: Traffic, o: { connections: number; duration: number; warmup: number }, pids: number[]): Promise<LoadResult & { cpu: number }> {
  if (o.warmup > 0) await closedLoop({ url, traffic, connections: o.connections, duration: o.warmup });
  traffic.reset();
  const cpu0 = pids.map((p) => processCpuUs(p) ?? 0);
  const t0 = performance.now();
  const r = await closedLoop({ url, traffic, connections: o.connections, duration: o.duration });
  const wallUs = (performance.now() - t0) * 1000;
  const used = pids.reduce((s, p, i) => s + ((processCpuUs(p) ?? 0) - cpu0[i]!), 0);
  return { ...r, cpu: Math.round((used / wallUs) * 1000) / 10 };
}

async function main(): Promise<number> {
  const flags = commandFlags(process.argv.slice(2), ['workers', 'rounds', 'duration', 'warmup', 'connections', 'redis', 'out'], USAGE);
  if (!flags) return 0;
  const env = process.env;
  const machine = machineInfo();
  const workerCounts = (flags.get('workers') ?? `1,${machine.nproc}`).split(',').map(Number).filter((n, i, a) => Number.isInteger(n) && n >= 1 && a.indexOf(n) === i);
  if (workerCounts.length === 0) throw new UsageError('--workers takes a list of process counts, e.g. 1,2');
  const rounds = num(flags, env, 'rounds', 3, 1);
  const load = { duration: num(flags, env, 'duration', 8, 1), warmup: num(flags, env, 'warmup', 2, 0), connections: num(flags, env, 'connections', 32, 1) };
  const out = flags.has('out') ? flags.get('out')! : 'bench/results/workers-latest.json';

  let redis: DedicatedRedis | undefined;
  let storeUrl = flags.get('redis');
  if (!storeUrl) {
    if (!hasRedisServer()) throw new UsageError('needs --redis URL or a redis-server binary');
    redis = await startDedicatedRedis();
    storeUrl = redis.url;
  }
  const prefix = benchPrefix();
  const dir = mkdtempSync(path.join(tmpdir(), 'gwbench-workers-'));
  const children: BenchChild[] = [];
  const gateways = new Map<number, Gateway>();
  const results = new Map<string, { workers: number | null; runs: (LoadResult & { cpu: number })[] }>();
  try {
    const wallet = await BenchChild.start('wallet', new URL('./lib/wallet-process.js', import.meta.url), []);
    children.push(wallet);
    for (const n of workerCounts) gateways.set(n, await startServe(dir, n, storeUrl, prefix, wallet.url));
    console.log(`bench:workers — unpinned, ${machine.nproc} CPUs; (a) wallet direct, then gateway serve with ${workerCounts.join(', ')} process(es); Redis ${redactRedisUrl(storeUrl)}`);
    const targets: { id: string; workers: number | null; url: string; traffic: Traffic; pids: number[] }[] = [
      { id: '(a) wallet direct', workers: null, url: wallet.url, traffic: createTraffic({ flavor: 'canonical' }), pids: [wallet.pid] },
      ...workerCounts.map((n) => ({ id: `(d) gateway serve, workers ${n}`, workers: n, url: gateways.get(n)!.url, traffic: createTraffic({ flavor: 'jackpot' }), pids: gateways.get(n)!.pids })),
    ];
    for (let r = 1; r <= rounds; r++) {
      for (const t of targets) {
        const res = await measure(t.url, t.traffic, load, t.pids);
        const errs = res.traffic.non2xx + res.traffic.badBody + res.transportErrors;
        console.log(`  round ${r} ${t.id}: ${res.rps} req/s, p99 ${res.latency.p99} ms, errors ${errs}, CPU under test ${res.cpu}%, loadgen ${res.loadgenCpu}%`);
        const entry = results.get(t.id) ?? { workers: t.workers, runs: [] };
        entry.runs.push(res);
        results.set(t.id, entry);
      }
    }
  } finally {
    await Promise.allSettled([...gateways.values()].map((g) => g.stop()));
    await Promise.allSettled(children.map((c) => c.stop()));
    await deleteByPrefix(storeUrl, prefix).catch(() => 0);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const rows: Row[] = [...results].map(([target, { workers, runs }]) => {
    const best = runs.reduce((b, x) => (x.rps > b.rps ? x : b));
    return {
      target,
      workers,
      rps: best.rps,
      roundsRps: runs.map((x) => x.rps),
      p50: best.latency.p50,
      p99: best.latency.p99,
      errors: runs.reduce((s, x) => s + x.traffic.non2xx + x.traffic.badBody + x.transportErrors, 0),
      cpu: best.cpu,
      loadgenCpu: best.loadgenCpu,
    };
  });
  const a = rows[0]!;
  console.log('\n| target | req/s (best) | rounds | p50 ms | p99 ms | errors | CPU under test | CPU loadgen | vs (a) |');
  console.log('|:--|--:|:--|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(`| ${r.target} | ${r.rps} | ${r.roundsRps.join(', ')} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.cpu}% | ${r.loadgenCpu}% | ${r === a ? '—' : (r.rps / a.rps).toFixed(2)} |`);
  }
  if (out) {
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ schema: 1, when: new Date().toISOString(), machine, settings: { ...load, rounds, workers: workerCounts, pinned: false }, rows }, null, 2) + '\n');
    console.log(`\nJSON report: ${out}`);
  }
  return rows.some((r) => r.errors > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof UsageError ? e.message : e);
    process.exit(2);
  },
);
