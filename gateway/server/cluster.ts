/**
 * Several processes on one public port (`server.workers` > 1), with node:cluster.
 *
 * - The **primary** runs the admin listener and a gateway of its own that serves no provider
 *   traffic: it holds the compiled descriptors (so `/v1/providers` and a reload are checked once),
 *   pings the store and the wallet for `/readyz`, and asks the workers over IPC for their metrics
 *   (summed into one `/metrics`) and to reload after its own reload succeeded.
 * - Each **worker** runs the public listener (the port is shared: the primary accepts connections
 *   and hands them round-robin to the workers) with its own store and wallet clients.
 * - A worker that dies is forked again, with a back-off that grows while it keeps dying; `/readyz`
 *   says not ready until every worker serves again. A worker that dies before its first start
 *   fails the whole start (a bad port or an unreachable dependency would only die again).
 * - Shutdown: the primary asks every worker to stop (each closes its listener, finishes its
 *   requests in flight and exits), waits, then closes itself.
 *
 * Only a shared store is correct with several workers (the config check refuses `memory://` and the
 * sandbox wallet): idempotency, nonces and tombstones must be seen by every process.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../log.js';
import type { ClusterAdmin, GatewayHandle, ReloadResult } from './gateway.js';
import { createMetrics, type MetricsSnapshot } from './metrics.js';

type Op = 'reload' | 'metrics';
type ToWorker = { gw: 'req'; id: number; op: Op } | { gw: 'stop' };
type FromWorker = { gw: 'ready'; publicUrl: string } | { gw: 'res'; id: number; result: unknown };

export interface WorkerPoolOptions {
  workers: number;
  log: Logger;
  /** How long a worker may take to start (default 30 s). */
  startTimeoutMs?: number;
  /** How long a worker may take to answer an admin request (default 5 s). */
  callTimeoutMs?: number;
  /**
   * How long a stopping worker may take to finish its requests in flight before it is killed
   * (default 15 s; `serve` passes server.request_timeout_ms plus a margin).
   */
  stopTimeoutMs?: number;
}

interface Slot {
  worker: Worker | undefined;
  ready: boolean;
  /** When the current worker said it serves; 0 while it has not (yet). */
  readyAt: number;
  failures: number;
  restart: NodeJS.Timeout | undefined;
}

/** Back-off before a dead worker is forked again: 250 ms doubling to 30 s while it keeps dying. */
export const restartDelay = (failures: number): number => Math.min(30_000, 250 * 2 ** Math.min(failures, 7));

export class WorkerPool implements ClusterAdmin {
  private readonly slots: Slot[];
  private readonly log: Logger;
  private readonly o: Required<Omit<WorkerPoolOptions, 'log'>>;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private started = false;
  private nextCall = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  /**
   * Counters of workers that are gone, and each slot's last snapshot: /metrics must never go down
   * (Prometheus would read a worker's restart as a counter reset), and a worker that answers late
   * is counted with what it said last.
   */
  private readonly retired = createMetrics();
  private readonly lastSnapshot = new Map<number, MetricsSnapshot>();
  /** Set while start() runs: a worker lost before every worker served fails the start. */
  private failStart: ((e: Error) => void) | undefined;
  private onAllReady: (() => void) | undefined;
  publicUrl = '';

  constructor(o: WorkerPoolOptions) {
    this.log = o.log;
    this.o = { workers: o.workers, startTimeoutMs: o.startTimeoutMs ?? 30_000, callTimeoutMs: o.callTimeoutMs ?? 5_000, stopTimeoutMs: o.stopTimeoutMs ?? 15_000 };
    this.slots = Array.from({ length: o.workers }, () => ({ worker: undefined, ready: false, readyAt: 0, failures: 0, restart: undefined }));
  }

  /** Forks every worker; resolves with the shared public URL once all serve, rejects if one cannot start. */
  start(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => this.failStart?.(new Error(`workers did not start within ${this.o.startTimeoutMs} ms`)), this.o.startTimeoutMs);
      this.failStart = (e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.failStart = this.onAllReady = undefined;
        void this.stop().then(() => reject(e));
      };
      this.onAllReady = () => {
        if (settled || !this.slots.every((s) => s.ready)) return;
        settled = true;
        clearTimeout(timer);
        this.failStart = this.onAllReady = undefined;
        this.started = true;
        resolve(this.publicUrl);
      };
      for (let i = 0; i < this.slots.length && !settled; i++) this.fork(i);
    });
  }

  private fork(i: number): void {
    const slot = this.slots[i]!;
    slot.restart = undefined;
    slot.ready = false;
    slot.readyAt = 0;
    if (this.stopping) return;
    let worker: Worker;
    try {
      worker = cluster.fork({ GATEWAY_WORKER: String(i + 1) });
    } catch (e) {
      this.lost(i, undefined, `could not start a process: ${(e as Error).message}`);
      return;
    }
    slot.worker = worker;
    worker.on('message', (m: FromWorker) => {
      if (m?.gw === 'ready' && slot.worker === worker && !this.stopping) {
        slot.ready = true;
        slot.readyAt = Date.now();
        this.publicUrl ||= m.publicUrl;
        this.log.info('worker serving', { worker: i + 1, pid: worker.process.pid });
        this.onAllReady?.();
      } else if (m?.gw === 'res') {
        this.pending.get(m.id)?.(m.result);
      }
    });
    // A failed spawn (EAGAIN, EMFILE, …) arrives as 'error'; unheard, it would crash the primary.
    worker.on('error', (err: Error) => {
      this.log.error('worker process error', { worker: i + 1, error: err.message });
      if (worker.process.pid === undefined && slot.worker === worker) this.lost(i, worker, `could not start a process: ${err.message}`);
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker === worker) this.lost(i, worker, signal ?? `code ${code}`);
    });
  }

  /** Slot `i` lost its worker: fail the start, or fork another after the back-off. */
  private lost(i: number, worker: Worker | undefined, why: string): void {
    const slot = this.slots[i]!;
    const served = slot.readyAt > 0;
    const last = this.lastSnapshot.get(i);
    if (last) this.retired.absorb(last);
    this.lastSnapshot.delete(i);
    slot.worker = undefined;
    slot.ready = false;
    if (this.stopping) return;
    if (!this.started) {
      this.failStart?.(new Error(`worker ${i + 1} ${served ? 'stopped' : 'exited before it served'} (${why}); its log lines above say why`));
      return;
    }
    // A worker that served for a while before dying starts over from the shortest pause; one that
    // never served (a start that keeps failing) backs off further each time.
    if (served && Date.now() - slot.readyAt > 60_000) slot.failures = 0;
    const delay = restartDelay(slot.failures++);
    this.log.error('worker exited; starting another', { worker: i + 1, pid: worker?.process.pid, why, restart_in_ms: delay });
    slot.restart = setTimeout(() => this.fork(i), delay);
  }

  /** Sends `op` to every serving worker and collects the answers that arrive in time. */
  private async broadcast(op: Op): Promise<{ worker: number; w: Worker; result: unknown }[]> {
    const calls = this.slots.flatMap((s, i) => {
      const w = s.worker;
      if (!w || !s.ready || !w.isConnected()) return [];
      const id = this.nextCall++;
      return [
        new Promise<{ worker: number; w: Worker; result: unknown }>((resolve) => {
          const timer = setTimeout(() => done({ error: `worker ${i + 1} did not answer within ${this.o.callTimeoutMs} ms` }), this.o.callTimeoutMs);
          const done = (result: unknown): void => {
            clearTimeout(timer);
            this.pending.delete(id);
            resolve({ worker: i + 1, w, result });
          };
          this.pending.set(id, done);
          w.send({ gw: 'req', id, op } satisfies ToWorker, (err) => {
            if (err) done({ error: `worker ${i + 1}: ${err.message}` });
          });
        }),
      ];
    });
    return Promise.all(calls);
  }

  /**
   * Reloads every serving worker. Each must succeed *and* end up with `expected`, the fingerprint
   * of what the primary loaded (a worker reads the files itself: an edit between the two reads
   * would otherwise go unnoticed). Anything else is a partial reload, reported as such.
   */
  async reload(expected: string): Promise<ReloadResult> {
    const answers = await this.broadcast('reload');
    const errors = answers.flatMap(({ worker, result }) => {
      const r = result as ReloadResult & { error?: string };
      if (r.ok && r.fingerprint === expected) return [];
      if (r.ok) return [`worker ${worker}: loaded a different descriptor set than the admin process (files changed during the reload?)`];
      return r.errors?.map((e) => `worker ${worker}: ${e}`) ?? [`worker ${worker}: ${r.error ?? 'reload failed'}`];
    });
    const missing = this.slots.length - answers.length;
    if (missing > 0) errors.push(`${missing} worker(s) not serving right now: they load the descriptors on disk when they start`);
    if (errors.length === 0) return { ok: true, fingerprint: expected };
    this.log.error('reload incomplete: the workers differ until a reload succeeds everywhere', { errors });
    return { ok: false, partial: true, errors };
  }

  async metrics(): Promise<MetricsSnapshot[]> {
    for (const { worker, w, result } of await this.broadcast('metrics')) {
      // Only while the slot still holds the worker that answered: one that died meanwhile has had
      // its counters retired already.
      if (this.slots[worker - 1]!.worker === w && Array.isArray((result as { series?: unknown }).series)) this.lastSnapshot.set(worker - 1, result as MetricsSnapshot);
    }
    return [this.retired.snapshot(), ...this.lastSnapshot.values()];
  }

  serving(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  readiness(): Record<string, boolean> {
    return { workers: this.slots.every((s) => s.ready) };
  }

  /** Asks every worker to stop and waits for them (killing those that overstay). Idempotent. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopping = true;
    const alive = this.slots.flatMap((s) => {
      clearTimeout(s.restart);
      const serving = s.ready;
      s.ready = false;
      // A worker whose process never spawned (no pid) emits no 'exit': nothing to wait for.
      return s.worker && !s.worker.isDead() && s.worker.process.pid !== undefined ? [{ w: s.worker, serving }] : [];
    });
    this.stopped = Promise.all(
      alive.map(
        ({ w, serving }) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => {
              w.process.kill('SIGKILL');
              setTimeout(resolve, 1000).unref(); // whatever happens, stop() ends
            }, this.o.stopTimeoutMs);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            // A serving worker finishes its requests in flight. One still starting may not listen
            // for messages yet: SIGTERM reaches it either way (its handler, or the default exit).
            if (serving && w.isConnected()) w.send({ gw: 'stop' } satisfies ToWorker, () => {});
            else w.process.kill('SIGTERM');
          }),
      ),
    ).then(() => {});
    // A stop while starting ends the start now, not at its timeout.
    this.failStart?.(new Error('stopped while the workers were starting'));
    return this.stopped;
  }
}

/** To the primary, if it is still there: a send on a closed channel would otherwise throw later. */
function tell(msg: FromWorker): void {
  if (process.connected) process.send?.(msg, undefined, {}, () => {});
}

export async function runWorker(log: Logger, start: () => Promise<GatewayHandle>, describe: (e: unknown) => string): Promise<never> {
  // Our own 'disconnect' handler closes gracefully; without this node:cluster exits the worker at
  // once when the primary goes away, dropping requests in flight.
  if (cluster.worker) cluster.worker.exitedAfterDisconnect = true;
  let g: GatewayHandle | undefined;
  let stopRequested = false;
  let closing: Promise<void> | undefined;
  const stop = (): void => {
    stopRequested = true;
    if (g) closing ??= g.close().finally(() => process.exit(0));
  };
  process.on('message', (m: ToWorker) => {
    if (m?.gw === 'stop') return stop();
    if (m?.gw !== 'req') return;
    const answer: Promise<unknown> = !g ? Promise.resolve({ error: 'still starting' }) : m.op === 'reload' ? g.reload({ allowDisable: true }) : Promise.resolve(g.metrics.snapshot());
    void answer.then(
      (result) => tell({ gw: 'res', id: m.id, result }),
      (e: unknown) => tell({ gw: 'res', id: m.id, result: { error: String(e) } }),
    );
  });
  // The primary coordinates shutdown and reloads; a signal sent to the whole process group
  // (Ctrl-C) or to this worker alone still ends it gracefully, and a hang-up does not kill it.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => {});
  process.on('disconnect', stop);
  try {
    g = await start();
  } catch (e) {
    log.error('worker could not start', { error: describe(e) });
    process.exit(1);
  }
  if (stopRequested) stop();
  else tell({ gw: 'ready', publicUrl: g.publicUrl });
  return new Promise<never>(() => {});
}
