/**
 * Latency at half of max load: the gateway and the wallet alone at one fixed rate, open loop
 * (see openLoop in load.ts for why not autocannon's rate limit).
 */
import { createHistogram } from 'node:perf_hooks';
import { cpuMark, foreignCpu } from './cpu.js';
import { latencyOf, openLoop, openPool, type Latency } from './load.js';
import { median, placeWallet, round, type Rig } from './rig.js';
import { createTraffic, type Traffic } from './traffic.js';

export interface HalfLoadSide {
  /** Median over the slices; below `rate` when the side could not keep up. */
  rps: number;
  latency: Latency;
  scheduledLatency: Latency;
  errors: number;
  /** The highest CPU share other processes took during one of its slices, % of one core. */
  foreignCpu: number | null;
}

export interface HalfLoadResult {
  target: 'c' | 'd';
  rate: number;
  gateway: HalfLoadSide;
  baseline: HalfLoadSide;
  addedP50: number;
  /** Median over the alternating slices of p99(gateway slice) − p99(wallet-alone slice), ms. */
  addedP99: number;
  /** p99 over all gateway slices − p99 over all wallet-alone slices, ms. */
  addedP99Merged: number;
  /** The same from each request's scheduled start (coordinated-omission corrected), ms. */
  addedP99Scheduled: number;
  sliceP99: { gateway: number[]; baseline: number[] };
}

/**
 * Latency at half of `t`'s max load: the gateway and the wallet alone (where it sat meanwhile) at
 * the same fixed rate, in alternating slices of about 2 s, so both sides see the same background
 * noise; each side's percentiles are over all of its slices.
 */
export async function halfLoadRun(rig: Rig, t: { id: 'c' | 'd'; url: string; traffic: Traffic }, maxRps: number): Promise<HalfLoadResult> {
  const { o, wallet } = rig;
  const id = t.id;
  const rate = Math.max(1, Math.round(maxRps / 2));
  const slices = Math.max(1, Math.round(o.halfDuration / 2));
  const slice = o.halfDuration / slices;
  o.log(`  ${id}@50%: ${rate} req/s, ${slices} × ${round(slice, 1)}s through the gateway alternating with the wallet alone at the same rate`);
  placeWallet(rig, id);
  const baseTraffic = createTraffic({ flavor: 'canonical' });
  const sides = {
    gateway: { url: t.url, traffic: t.traffic, into: { sent: createHistogram(), scheduled: createHistogram() }, rps: [] as number[], errors: 0, foreign: [] as number[], sliceP99: [] as number[] },
    baseline: { url: wallet.url, traffic: baseTraffic, into: { sent: createHistogram(), scheduled: createHistogram() }, rps: [] as number[], errors: 0, foreign: [] as number[], sliceP99: [] as number[] },
  };
  const connections = o.connections * 2;
  const pools = { gateway: openPool(t.url, connections), baseline: openPool(wallet.url, connections) };
  try {
    // Two unmeasured seconds each at the rate: connections open, code warm.
    for (const [k, side] of Object.entries(sides)) await openLoop({ url: side.url, traffic: side.traffic, rate, duration: 2, connections, pool: pools[k as keyof typeof pools] });
    for (let i = 0; i < slices; i++) {
      for (const [k, side] of Object.entries(sides)) {
        side.traffic.reset();
        const mark = cpuMark(rig.pids);
        const perSlice = { sent: createHistogram(), scheduled: createHistogram() };
        const r = await openLoop({ url: side.url, traffic: side.traffic, rate, duration: slice, connections, into: perSlice, pool: pools[k as keyof typeof pools] });
        side.into.sent.add(perSlice.sent);
        side.into.scheduled.add(perSlice.scheduled);
        side.sliceP99.push(latencyOf(perSlice.sent).p99);
        const f = foreignCpu(mark, cpuMark(rig.pids));
        if (f !== undefined) side.foreign.push(f);
        side.rps.push(r.rps);
        side.errors += r.traffic.non2xx + r.traffic.badBody + r.transportErrors;
      }
    }
  } finally {
    await Promise.all([pools.gateway.close(), pools.baseline.close()]);
  }
  const view = (s: typeof sides.gateway) => ({
    rps: Math.round(median(s.rps)),
    latency: latencyOf(s.into.sent),
    scheduledLatency: latencyOf(s.into.scheduled),
    errors: s.errors,
    foreignCpu: s.foreign.length > 0 ? Math.max(...s.foreign) : null,
  });
  const g = view(sides.gateway);
  const b = view(sides.baseline);
  const half: HalfLoadResult = {
    target: id,
    rate,
    gateway: g,
    baseline: b,
    addedP50: round(g.latency.p50 - b.latency.p50, 3),
    // Median over the slice pairs: a stall of the load generator (or a neighbour) hits one slice of
    // one side; over all slices merged it would decide the p99 of that side on its own.
    addedP99: round(median(sides.gateway.sliceP99.map((p, i) => p - (sides.baseline.sliceP99[i] ?? 0))), 3),
    addedP99Merged: round(g.latency.p99 - b.latency.p99, 3),
    addedP99Scheduled: round(g.scheduledLatency.p99 - b.scheduledLatency.p99, 3),
    sliceP99: { gateway: sides.gateway.sliceP99, baseline: sides.baseline.sliceP99 },
  };
  o.log(`     gateway p50 ${g.latency.p50} ms p99 ${g.latency.p99} ms; wallet alone p50 ${b.latency.p50} ms p99 ${b.latency.p99} ms → added p99 ${half.addedP99} ms (median of slices; merged ${half.addedP99Merged} ms; errors ${g.errors + b.errors})`);
  return half;
}

