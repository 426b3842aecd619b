/**
 * Load generation, in the bench's parent process.
 *
 * - {@link closedLoop}: autocannon (fixed connections, pipelining 1, a duration or an amount), each
 *   request built by `setupRequest` from the Traffic (signed per request), each answer checked in
 *   `onResponse`. Latency is recorded here in microseconds from autocannon's own per-response
 *   timing (autocannon's histogram keeps whole milliseconds, too coarse for a 2 ms budget).
 * - {@link openLoop}: a fixed arrival rate for the latency-at-half-load runs. autocannon's
 *   `overallRate` is a per-second quota (each connection sends flat out until its share of the
 *   second is used, then pauses), i.e. bursts at full concurrency, which would measure the latency
 *   of max load. Here requests are started on a 1 ms schedule that never waits for answers (open
 *   loop), through an undici Pool; latency runs from the moment a request is handed to the pool,
 *   and a coordinated-omission-corrected figure (from its scheduled time) is kept as well.
 */
import autocannon from 'autocannon';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { BuiltRequest, Traffic, TrafficCounters } from './traffic.js';

export interface Latency {
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  /** Answers received (all statuses). */
  requests: number;
  durationS: number;
  rps: number;
  latency: Latency;
  /** Connection errors and timeouts (autocannon) or failed requests (open loop). */
  transportErrors: number;
  traffic: TrafficCounters;
  /** Load generator CPU share over the run (parent process, %, 100 = one core). */
  loadgenCpu: number;
}

/** Percentiles of a histogram of microseconds, in milliseconds. */
export function latencyOf(h: RecordableHistogram): Latency {
  if (h.count === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const ms = (us: number): number => Math.round(us) / 1000;
  return { p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) };
}

function cpuShare(startCpu: NodeJS.CpuUsage, startWall: number): number {
  const d = process.cpuUsage(startCpu);
  const wallUs = (performance.now() - startWall) * 1000;
  return wallUs > 0 ? Math.round(((d.user + d.system) / wallUs) * 1000) / 10 : 0;
}

export interface ClosedLoopOptions {
  url: string;
  traffic: Traffic;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  amount?: number;
  /** Called once a second while running (soak sampling). */
  onTick?: (answeredThisSecond: number) => void;
  /** Also record every latency (µs) here, e.g. to merge several runs. */
  into?: RecordableHistogram;
}

/**
 * autocannon with the Traffic's requests.
 *
 * @example const r = await closedLoop({ url, traffic, connections: 32, duration: 10 })
 */
export async function closedLoop(o: ClosedLoopOptions): Promise<LoadResult> {
  const { traffic } = o;
  const hist = createHistogram();
  const startCpu = process.cpuUsage();
  const startWall = performance.now();
  const instance = autocannon({
    url: o.url,
    connections: o.connections,
    pipelining: 1,
    timeout: 10,
    ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.duration ?? 10 }),
    requests: [
      {
        method: 'POST',
        setupRequest: (req, ctx) => {
          const r = traffic.next();
          ctx.r = r;
          req.path = r.path;
          req.headers = r.headers;
          req.body = r.body;
          return req;
        },
        onResponse: (status, body, ctx) => {
          const r = ctx.r as BuiltRequest | undefined;
          if (r) traffic.settle(r, status, body);
        },
      },
    ],
  });
  const into = o.into;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    const us = Math.max(1, Math.round(ms * 1000));
    hist.record(us);
    into?.record(us);
  });
  if (o.onTick) instance.on('tick', (t: { counter: number }) => o.onTick!(t.counter));
  const res = await instance;
  const answered = Object.values(res.statusCodeStats).reduce((s, v) => s + Number(v.count), 0);
  return {
    requests: answered,
    durationS: res.duration,
    rps: Math.round(answered / res.duration),
    latency: latencyOf(hist),
    transportErrors: res.errors + res.timeouts,
    traffic: traffic.counters(),
    loadgenCpu: cpuShare(startCpu, startWall),
  };
}

/** The undici pool of the open-loop generator (keep-alive, pipelining 1). */
export function openPool(url: string, connections: number): Pool {
  return new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
}

export interface OpenLoopOptions {
  url: string;
  traffic: Traffic;
  /** Requests per second. */
  rate: number;
  /** Seconds. */
  duration: number;
  /** Pool size; enough that answers at this rate never queue behind each other. */
  connections: number;
  /** Also record latencies (µs) here: from hand-over, and from the scheduled time. */
  into?: { sent: RecordableHistogram; scheduled: RecordableHistogram };
  /**
   * A pool kept open across runs (the caller closes it). A fresh pool opens its connections during
   * the first requests, and those connection set-ups would land in the latency tail of every run.
   */
  pool?: Pool;
}

export interface OpenLoopResult extends LoadResult {
  /** Latency from each request's scheduled start (coordinated-omission corrected). */
  scheduledLatency: Latency;
  targetRate: number;
}

/**
 * Fixed-rate load: `rate` req/s for `duration` s on a 1 ms schedule.
 *
 * @example const r = await openLoop({ url, traffic, rate: 4000, duration: 10, connections: 64 })
 */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const { traffic, rate, duration } = o;
  const pool = o.pool ?? openPool(o.url, o.connections);
  const hist = createHistogram();
  const sched = createHistogram();
  const total = Math.max(1, Math.round(rate * duration));
  const interval = 1000 / rate;
  let started = 0;
  let answered = 0;
  let failed = 0;
  const startCpu = process.cpuUsage();
  const t0 = performance.now();
  const one = (i: number): Promise<void> => {
    const r = traffic.next();
    const due = t0 + i * interval;
    const sent = performance.now();
    return pool
      .request({ path: r.path, method: 'POST', headers: r.headers, body: r.body, headersTimeout: 10_000, bodyTimeout: 10_000 })
      .then(async (res) => {
        const text = await res.body.text();
        const end = performance.now();
        answered++;
        const us = Math.max(1, Math.round((end - sent) * 1000));
        const sus = Math.max(1, Math.round((end - due) * 1000));
        hist.record(us);
        sched.record(sus);
        o.into?.sent.record(us);
        o.into?.scheduled.record(sus);
        traffic.settle(r, res.statusCode, text);
      })
      .catch(() => {
        failed++;
      });
  };
  const inflight = new Set<Promise<void>>();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - t0;
      const due = Math.min(total, Math.floor(elapsed / interval) + 1);
      while (started < due) {
        const p = one(started++);
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      if (started >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // Answers still on their way: bounded wait.
  let giveUp: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => (giveUp = setTimeout(r, 15_000)))]);
  clearTimeout(giveUp);
  const durationS = (performance.now() - t0) / 1000;
  if (!o.pool) await pool.close();
  return {
    requests: answered,
    durationS: Math.round(durationS * 100) / 100,
    rps: Math.round(answered / durationS),
    latency: latencyOf(hist),
    scheduledLatency: latencyOf(sched),
    transportErrors: failed + (started - answered - failed),
    traffic: traffic.counters(),
    loadgenCpu: cpuShare(startCpu, t0),
    targetRate: rate,
  };
}
