/**
 * The end-to-end bench: one stub wallet, then the same load against
 *   (a) the wallet directly (canonical calls),
 *   (b) a bare Node pass-through proxy in front of it (canonical calls),
 *   (c) the gateway, memory store, (d) the gateway, Redis store (signed jackpot-rgs callbacks),
 * then latency at half of (c)'s and (d)'s max load against the wallet alone at the same rate, then
 * the Redis round trips per money request on a dedicated redis-server.
 *
 * Process placement (2 cores): every server is its own process and the load generator is this
 * one. With pinning (default when taskset works) the process under test — the wallet in (a), the
 * proxy in (b), the gateway in (c)/(d) — has CPU 1 to itself; the load generator, the wallet when
 * it is not the one under test, and a redis-server we start share CPU 0. Each target's max
 * throughput is then what one core of it sustains, which is the figure an operator sizes with.
 * The CPU share of every process is reported, so a run where CPU 0 (not the target) was the limit
 * shows itself. A Redis we did not start (REDIS_URL, :6379) is left unpinned.
 */
import { mkdirSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchChild, canPin, pin } from './child.js';
import { evaluate, type Check } from './checks.js';
import { cpuMark, foreignCpu, processCpuUs, processRss } from './cpu.js';
import { halfLoadRun, type HalfLoadResult } from './half-load.js';
import { closedLoop, latencyOf, type Latency, type LoadResult } from './load.js';
import type { BenchOptions, TargetId } from './options.js';
import type { ChildStats } from './protocol.js';
import { answersPing, benchPrefix, deleteByPrefix, hasRedisServer, localRedisPid, redactRedisUrl, startDedicatedRedis, type DedicatedRedis } from './redis.js';
import { BENCH_TTL_S, CPU_AUX, CPU_SUT, median, placeWallet, round, startGateway, type Rig } from './rig.js';
import { tripProbe, type TripResult } from './trip-probe.js';
import { createTraffic, type Traffic, type TrafficCounters } from './traffic.js';

export { evaluate, type Check } from './checks.js';
export { fmtTrips, type TripPhase, type TripResult } from './trip-probe.js';
export type { HalfLoadResult, HalfLoadSide } from './half-load.js';

export const LABELS: Record<TargetId, string> = {
  a: 'wallet direct',
  b: 'bare proxy → wallet',
  c: 'gateway (memory) → wallet',
  d: 'gateway (redis) → wallet',
};

export interface PhaseResult {
  id: TargetId;
  label: string;
  /**
   * The best round. On a shared machine other processes only ever take throughput away, so the
   * best of several interleaved rounds is the closest to the target's own capacity.
   */
  rps: number;
  medianRps: number;
  roundsRps: number[];
  /** CPU time of the process under test per answered request, µs: its cost, whatever the noise. */
  cpuUsPerRequest: number;
  requests: number;
  durationS: number;
  /** Over every answer of every round. */
  latency: Latency;
  errors: { total: number; non2xx: number; badBody: number; transport: number; samples: string[] };
  /** Peak RSS of the process under test during the measured run, MiB. */
  peakRssMiB: number;
  /** CPU share during the measured run, % of one core. */
  cpu: { sut: number; wallet?: number; loadgen: number };
  /** CPU used by processes other than the bench's during the runs, % of one core (Linux). */
  foreignCpu: number | null;
  mix: TrafficCounters['sent'];
  /** Money calls that reached the wallet during the run (duplicates never should behind the gateway). */
  walletMoneyCalls: number;
}

export interface BenchReport {
  schema: 1;
  when: string;
  machine: { nproc: number; cpuModel: string; memoryGiB: number; freeGiB: number; node: string; platform: string; loadavgAtStart: number[] };
  settings: {
    connections: number;
    pipelining: 1;
    durationS: number;
    rounds: number;
    warmupS: number;
    halfDurationS: number;
    tripRequests: number;
    pinned: boolean;
    placement: string;
    gatewayLog: string;
    walletConnections: number;
    redis: string | null;
    mix: string;
  };
  phases: Partial<Record<TargetId, PhaseResult>>;
  /** Throughput ratios of the best rounds. */
  ratios: Record<'c/a' | 'd/a' | 'c/b' | 'd/b', number | null>;
  /** The same ratios from CPU time per request of each process under test (immune to foreign load). */
  costRatios: Record<'c/a' | 'd/a' | 'c/b' | 'd/b', number | null>;
  halfLoad: HalfLoadResult[];
  redisRoundTrips: TripResult | null;
  checks: Check[];
  notes: string[];
  totalSeconds: number;
}

const MiB = 1024 * 1024;

/**
 * Samples the process's RSS every 250 ms while a run lasts; returns the peak. Read from /proc, so
 * the process under test does no work for it; over IPC where there is no /proc.
 */
function rssSampler(child: BenchChild): { stop(): Promise<number> } {
  let peak = 0;
  let stopped = false;
  const sample = async (): Promise<void> => {
    const v = processRss(child.pid) ?? (await child.stats()).rss;
    peak = Math.max(peak, v);
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        await sample();
      } catch {
        return;
      }
      await sleep(250);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await sample().catch(() => {});
      return peak;
    },
  };
}

/** CPU time of a child, µs: from /proc when there is one (no work for the child), else over IPC. */
async function cpuOf(child: BenchChild): Promise<number> {
  return processCpuUs(child.pid) ?? (await child.stats()).cpuUs;
}

const share = (beforeUs: number, afterUs: number, wallMs: number): number => round(((afterUs - beforeUs) / (wallMs * 1000)) * 100, 1);
const moneyCalls = (s: ChildStats): number => (s.counters.debit ?? 0) + (s.counters.credit ?? 0) + (s.counters.rollback ?? 0);

/** One target: its process, its traffic, what its rounds measured. */
interface Target {
  id: TargetId;
  url: string;
  sut: BenchChild;
  traffic: Traffic;
  rounds: RoundResult[];
  hist: RecordableHistogram;
}

interface RoundResult {
  rps: number;
  sutCpuUs: number;
  requests: number;
  durationS: number;
  errors: { non2xx: number; badBody: number; transport: number; samples: string[] };
  peakRss: number;
  cpu: { sut: number; wallet?: number; loadgen: number };
  foreign: number | undefined;
  mix: TrafficCounters['sent'];
  walletMoneyCalls: number;
}

/** One measured max-throughput run of a target. */
async function measureRound(rig: Rig, t: Target): Promise<RoundResult> {
  const { o, wallet } = rig;
  placeWallet(rig, t.id);
  t.traffic.reset();
  const walletBefore = await wallet.stats();
  const sutCpu0 = await cpuOf(t.sut);
  const walletCpu0 = await cpuOf(wallet);
  const mark = cpuMark(rig.pids);
  const sampler = rssSampler(t.sut);
  const t0 = performance.now();
  const r: LoadResult = await closedLoop({ url: t.url, traffic: t.traffic, connections: o.connections, duration: o.duration, into: t.hist });
  const wall = performance.now() - t0;
  const foreign = foreignCpu(mark, cpuMark(rig.pids));
  const sutCpu1 = await cpuOf(t.sut);
  const walletCpu1 = await cpuOf(wallet);
  const peak = await sampler.stop();
  await sleep(50);
  const walletAfter = await wallet.stats();
  const tc = r.traffic;
  return {
    rps: r.rps,
    sutCpuUs: sutCpu1 - sutCpu0,
    requests: r.requests,
    durationS: r.durationS,
    errors: { non2xx: tc.non2xx, badBody: tc.badBody, transport: r.transportErrors, samples: tc.samples },
    peakRss: peak,
    cpu: { sut: share(sutCpu0, sutCpu1, wall), ...(t.sut === wallet ? {} : { wallet: share(walletCpu0, walletCpu1, wall) }), loadgen: r.loadgenCpu },
    foreign,
    mix: tc.sent,
    walletMoneyCalls: moneyCalls(walletAfter) - moneyCalls(walletBefore),
  };
}

function summarise(t: Target): PhaseResult {
  const rs = t.rounds;
  const sum = (f: (r: RoundResult) => number): number => rs.reduce((s, r) => s + f(r), 0);
  const mean = (f: (r: RoundResult) => number): number => round(sum(f) / rs.length, 1);
  const foreign = rs.map((r) => r.foreign).filter((v): v is number => v !== undefined);
  const mix = { debit: sum((r) => r.mix.debit), credit: sum((r) => r.mix.credit), duplicate: sum((r) => r.mix.duplicate) };
  const samples = rs.flatMap((r) => r.errors.samples).slice(0, 5);
  const errors = { non2xx: sum((r) => r.errors.non2xx), badBody: sum((r) => r.errors.badBody), transport: sum((r) => r.errors.transport) };
  return {
    id: t.id,
    label: LABELS[t.id],
    rps: Math.max(...rs.map((r) => r.rps)),
    medianRps: Math.round(median(rs.map((r) => r.rps))),
    roundsRps: rs.map((r) => r.rps),
    cpuUsPerRequest: round(sum((r) => r.sutCpuUs) / Math.max(1, sum((r) => r.requests)), 1),
    requests: sum((r) => r.requests),
    durationS: round(sum((r) => r.durationS)),
    latency: latencyOf(t.hist),
    errors: { total: errors.non2xx + errors.badBody + errors.transport, ...errors, samples },
    peakRssMiB: round(Math.max(...rs.map((r) => r.peakRss)) / MiB, 1),
    cpu: { sut: mean((r) => r.cpu.sut), ...(rs[0]?.cpu.wallet !== undefined ? { wallet: mean((r) => r.cpu.wallet ?? 0) } : {}), loadgen: mean((r) => r.cpu.loadgen) },
    foreignCpu: foreign.length > 0 ? Math.round(foreign.reduce((x, y) => x + y, 0) / foreign.length) : null,
    mix,
    walletMoneyCalls: sum((r) => r.walletMoneyCalls),
  };
}

/**
 * Which Redis (d) uses: an explicit --redis / REDIS_URL; else, when pinning, a dedicated
 * redis-server the bench starts and pins to CPU 0 with the other helpers (a shared :6379 would
 * float onto the gateway's CPU and bill it for Redis's work); else :6379; else a dedicated one.
 */
async function resolveRedis(o: BenchOptions): Promise<{ url: string; dedicated?: DedicatedRedis } | undefined> {
  if (o.redisUrl) return { url: o.redisUrl };
  const canStart = hasRedisServer();
  if (!(o.pin && canStart) && (await answersPing(6379))) return { url: 'redis://127.0.0.1:6379' };
  if (!canStart) return undefined;
  const dedicated = await startDedicatedRedis();
  return { url: dedicated.url, dedicated };
}

function ratio(x: PhaseResult | undefined, y: PhaseResult | undefined): number | null {
  return x && y && y.rps > 0 ? round(x.rps / y.rps, 3) : null;
}

/** x/y by CPU cost: how many of x's requests one core serves per request of y's. */
function costRatio(x: PhaseResult | undefined, y: PhaseResult | undefined): number | null {
  return x && y && x.cpuUsPerRequest > 0 ? round(y.cpuUsPerRequest / x.cpuUsPerRequest, 3) : null;
}

export function machineInfo(): BenchReport['machine'] {
  const c = cpus();
  return {
    nproc: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    freeGiB: round(freemem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavgAtStart: loadavg().map((v) => round(v, 2)),
  };
}

/**
 * Runs the whole bench and returns the report (printing progress through `o.log`).
 *
 * @example const report = await runBench({ ...DEFAULTS, redisUrl: undefined, profileDir: undefined, log: console.log })
 */
export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const machine = machineInfo();
  const notes: string[] = [];
  const pinned = o.pin && machine.nproc >= 2 && canPin();
  if (o.pin && !pinned) notes.push('pinning requested but not possible here (needs 2+ CPUs and taskset): processes ran unpinned');
  if (pinned) pin(process.pid, CPU_AUX);
  const children: BenchChild[] = [];
  const targets: Target[] = [];
  const halfLoad: HalfLoadResult[] = [];
  let trips: TripResult | null = null;
  let redisLabel: string | null = null;
  let redis: { url: string; dedicated?: DedicatedRedis } | undefined;
  const prefix = benchPrefix();
  const wallet = await BenchChild.start('wallet', new URL('./wallet-process.js', import.meta.url), []);
  children.push(wallet);
  const rig: Rig = { o, wallet, pinned, pids: [wallet.pid] };
  const add = (id: TargetId, sut: BenchChild, flavor: 'jackpot' | 'canonical'): void => {
    if (sut !== wallet) {
      children.push(sut);
      rig.pids.push(sut.pid);
      if (pinned) sut.pin(CPU_SUT);
    }
    targets.push({ id, url: sut.url, sut, traffic: createTraffic({ flavor }), rounds: [], hist: createHistogram() });
  };
  try {
    // Every process starts first and stays up: the rounds interleave the targets, so a burst of
    // someone else's load on a shared machine spreads over all of them instead of sinking one.
    if (o.targets.includes('a')) add('a', wallet, 'canonical');
    if (o.targets.includes('b')) add('b', await BenchChild.start('proxy', new URL('./proxy-process.js', import.meta.url), [wallet.url, String(o.walletConnections)]), 'canonical');
    if (o.targets.includes('c')) add('c', await startGateway('gateway-c', wallet.url, 'memory://', prefix, o), 'jackpot');
    if (o.targets.includes('d')) {
      redis = await resolveRedis(o);
      if (!redis) {
        notes.push('(d) skipped: no REDIS_URL, nothing answers on 127.0.0.1:6379 and no redis-server binary');
      } else {
        redisLabel = redis.dedicated ? `dedicated redis-server on ${redis.url}` : redactRedisUrl(redis.url);
        if (redis.dedicated) {
          rig.pids.push(redis.dedicated.pid);
          if (pinned) pin(redis.dedicated.pid, CPU_AUX);
        } else {
          const pid = await localRedisPid(redis.url);
          if (pid !== undefined) rig.pids.push(pid);
          notes.push(`(d) used ${redactRedisUrl(redis.url)}, a Redis this bench did not start: it is not pinned (it may run on the gateway's CPU)${pid === undefined ? ' and its CPU counts as foreign' : ''}`);
        }
        add('d', await startGateway('gateway-d', wallet.url, redis.url, prefix, o), 'jackpot');
      }
    }
    o.log(`bench: ${targets.map((t) => t.id).join(', ')}; ${o.connections} connections, pipelining 1, ${o.rounds} round(s) of ${o.duration}s each${pinned ? '; target on CPU 1, the rest on CPU 0' : '; unpinned'}`);
    if (o.warmup > 0) {
      for (const t of targets) {
        placeWallet(rig, t.id);
        await closedLoop({ url: t.url, traffic: t.traffic, connections: o.connections, duration: o.warmup });
      }
    }
    // Profiles cover the measured rounds only (not start-up, not warm-up); idle time between a
    // target's rounds is left out of the shares by profile-summary.
    const profiled = o.profileDir ? targets : [];
    if (o.profileDir) mkdirSync(o.profileDir, { recursive: true });
    for (const t of profiled) await t.sut.profileStart();
    for (let r = 1; r <= o.rounds; r++) {
      for (const t of targets) {
        const res = await measureRound(rig, t);
        t.rounds.push(res);
        const errs = res.errors.non2xx + res.errors.badBody + res.errors.transport;
        o.log(`  round ${r} ${t.id}: ${res.rps} req/s, errors ${errs}, CPU target ${res.cpu.sut}%${res.cpu.wallet !== undefined ? ` wallet ${res.cpu.wallet}%` : ''} loadgen ${res.cpu.loadgen}%, foreign ${res.foreign ?? '?'}%`);
      }
    }
    for (const t of profiled) {
      const file = path.join(o.profileDir!, `${t.id}-${t.sut.name}.cpuprofile`);
      await t.sut.profileStop(file);
      o.log(`  CPU profile of (${t.id}): ${file} (summarise: node dist/bench/profile-summary.js ${file})`);
    }
    const phases: BenchReport['phases'] = {};
    for (const t of targets) phases[t.id] = summarise(t);
    if (o.halfDuration > 0) {
      for (const t of targets) {
        if (t.id === 'c' || t.id === 'd') halfLoad.push(await halfLoadRun(rig, { id: t.id, url: t.url, traffic: t.traffic }, phases[t.id]!.rps));
      }
    }
    if (o.targets.includes('d') && o.tripRequests > 0) {
      if (hasRedisServer()) {
        o.log(`  Redis round trips: ${o.tripRequests} unique money requests, then ${o.tripRequests} retried duplicates, MONITOR on a dedicated redis-server`);
        trips = await tripProbe(rig);
      } else {
        notes.push('Redis round trips not measured: no redis-server binary to start a dedicated one');
      }
    }
    const foreign = [...Object.values(phases).map((p) => p.foreignCpu ?? 0), ...halfLoad.flatMap((h) => [h.gateway.foreignCpu ?? 0, h.baseline.foreignCpu ?? 0])];
    for (const h of halfLoad) {
      if (h.gateway.rps < h.rate * 0.95) notes.push(`(${h.target}) at 50%: the gateway answered ${h.gateway.rps} of ${h.rate} req/s: it fell behind (overloaded, or starved by other processes: foreign CPU up to ${h.gateway.foreignCpu ?? '?'}%)`);
    }
    if (foreign.some((f) => f > 20)) notes.push(`other processes used up to ${Math.max(...foreign)}% of a CPU during the measured runs (column "foreign CPU", and the half-load slices): figures are noisy; re-run on a quiet machine`);
    const ratios = { 'c/a': ratio(phases.c, phases.a), 'd/a': ratio(phases.d, phases.a), 'c/b': ratio(phases.c, phases.b), 'd/b': ratio(phases.d, phases.b) };
    const costRatios = { 'c/a': costRatio(phases.c, phases.a), 'd/a': costRatio(phases.d, phases.a), 'c/b': costRatio(phases.c, phases.b), 'd/b': costRatio(phases.d, phases.b) };
    for (const p of Object.values(phases)) {
      if (p.cpu.loadgen >= 90) notes.push(`(${p.id}): the load generator used ${p.cpu.loadgen}% of its CPU: it, not the target, may have been the limit; (${p.id})'s req/s is then a lower bound (the CPU-cost ratios are not affected)`);
    }
    const partial = { phases, ratios, costRatios, halfLoad, redisRoundTrips: trips };
    return {
      schema: 1,
      when: new Date().toISOString(),
      machine,
      settings: {
        connections: o.connections,
        pipelining: 1,
        durationS: o.duration,
        rounds: o.rounds,
        warmupS: o.warmup,
        halfDurationS: o.halfDuration,
        tripRequests: o.tripRequests,
        pinned,
        placement: pinned
          ? 'target alone on CPU 1; load generator (the bench process), the wallet when it is not the target, and a redis-server started by the bench on CPU 0'
          : 'unpinned: the OS schedules every process on any CPU',
        gatewayLog: `${o.gatewayLog}${o.gatewayLog === 'info' || o.gatewayLog === 'debug' ? ' (audit line per money operation, stdout → /dev/null)' : ' (no audit lines)'}`,
        walletConnections: o.walletConnections,
        redis: redisLabel,
        mix: 'unique debits and credits alternating, 1 in 20 a retried duplicate of an answered debit; signed per request (fresh X-Timestamp, HMAC over timestamp + path + body)',
      },
      ...partial,
      checks: evaluate(partial),
      notes,
      totalSeconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    if (redis) {
      try {
        const n = await deleteByPrefix(redis.url, prefix);
        if (!redis.dedicated) o.log(`  cleaned ${n} bench keys under ${prefix} from ${redactRedisUrl(redis.url)}`);
      } catch (e) {
        o.log(`  could not clean keys under ${prefix}: ${(e as Error).message} (they expire within ${BENCH_TTL_S}s)`);
      }
      await redis.dedicated?.stop();
    }
    if (pinned) pin(process.pid, `0-${machine.nproc - 1}`);
  }
}
