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
import type { ClusterAdmin, GatewayHandle } from './gateway.js';
import type { MetricsSnapshot } from './metrics.js';

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
  /** How long workers may take to stop before they are killed (default 15 s). */
  stopTimeoutMs?: number;
}

interface Slot {
  worker: Worker | undefined;
  ready: boolean;
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
  private started = false;
  private nextCall = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  publicUrl = '';

  constructor(o: WorkerPoolOptions) {
    this.log = o.log;
    this.o = { workers: o.workers, startTimeoutMs: o.startTimeoutMs ?? 30_000, callTimeoutMs: o.callTimeoutMs ?? 5_000, stopTimeoutMs: o.stopTimeoutMs ?? 15_000 };
    this.slots = Array.from({ length: o.workers }, () => ({ worker: undefined, ready: false, readyAt: 0, failures: 0, restart: undefined }));
  }

  /** Forks every worker; resolves with the shared public URL once all serve, rejects if one cannot start. */
  start(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`workers did not start within ${this.o.startTimeoutMs} ms`)), this.o.startTimeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        void this.stop().then(() => reject(e));
      };
      const onReady = (): void => {
        if (this.slots.every((s) => s.ready)) {
          clearTimeout(timer);
          this.started = true;
          resolve(this.publicUrl);
        }
      };
      this.slots.forEach((_, i) => this.fork(i, onReady, fail));
    });
  }

  private fork(i: number, onReady: () => void, onEarlyExit: (e: Error) => void): void {
    const slot = this.slots[i]!;
    slot.restart = undefined;
    const worker = cluster.fork({ GATEWAY_WORKER: String(i + 1) });
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (m: FromWorker) => {
      if (m?.gw === 'ready') {
        slot.ready = true;
        slot.readyAt = Date.now();
        this.publicUrl ||= m.publicUrl;
        this.log.info('worker serving', { worker: i + 1, pid: worker.process.pid });
        onReady();
      } else if (m?.gw === 'res') {
        this.pending.get(m.id)?.(m.result);
      }
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.ready = false;
      if (this.stopping) return;
      if (!this.started) {
        onEarlyExit(new Error(`worker ${i + 1} exited before it served (${signal ?? `code ${code}`}); its log lines above say why`));
        return;
      }
      // A worker that served for a while before dying starts over from the shortest pause.
      if (Date.now() - slot.readyAt > 60_000) slot.failures = 0;
      const delay = restartDelay(slot.failures++);
      this.log.error('worker exited; starting another', { worker: i + 1, pid: worker.process.pid, code, signal, restart_in_ms: delay });
      slot.restart = setTimeout(() => this.fork(i, () => {}, () => {}), delay);
    });
  }

  /** Sends `op` to every serving worker and collects the answers that arrive in time. */
  private async broadcast(op: Op): Promise<{ worker: number; result: unknown }[]> {
    const calls = this.slots.flatMap((s, i) => {
      const w = s.worker;
      if (!w || !s.ready || !w.isConnected()) return [];
      const id = this.nextCall++;
      return [
        new Promise<{ worker: number; result: unknown }>((resolve) => {
          const timer = setTimeout(() => done({ error: `worker ${i + 1} did not answer within ${this.o.callTimeoutMs} ms` }), this.o.callTimeoutMs);
          const done = (result: unknown): void => {
            clearTimeout(timer);
            this.pending.delete(id);
            resolve({ worker: i + 1, result });
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

  async reload(): Promise<{ ok: boolean; errors?: string[] }> {
    const answers = await this.broadcast('reload');
    const errors = answers.flatMap(({ worker, result }) => {
      const r = result as { ok?: boolean; errors?: string[]; error?: string };
      if (r.ok) return [];
      return r.errors?.map((e) => `worker ${worker}: ${e}`) ?? [`worker ${worker}: ${r.error ?? 'reload failed'}`];
    });
    if (answers.length < this.slots.length) errors.push(`${this.slots.length - answers.length} worker(s) not serving: they load the descriptors when they start`);
    return errors.length === 0 ? { ok: true } : { ok: false, errors };
  }

  async metrics(): Promise<MetricsSnapshot[]> {
    const answers = await this.broadcast('metrics');
    return answers.map((a) => a.result as MetricsSnapshot).filter((r) => Array.isArray((r as { series?: unknown }).series));
  }

  readiness(): Record<string, boolean> {
    return { workers: this.slots.every((s) => s.ready) };
  }

  /** Asks every worker to stop and waits for them (killing those that overstay). */
  async stop(): Promise<void> {
    this.stopping = true;
    const alive = this.slots.flatMap((s) => {
      clearTimeout(s.restart);
      return s.worker && !s.worker.isDead() ? [s.worker] : [];
    });
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => w.process.kill('SIGKILL'), this.o.stopTimeoutMs);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (w.isConnected()) w.send({ gw: 'stop' } satisfies ToWorker, () => {});
            else w.process.kill('SIGTERM');
          }),
      ),
    );
  }
}

/**
 * The worker's side: answers the primary's requests, stops when asked (or when the primary is
 * gone), and says when it serves.
 */
export function serveAsWorker(g: GatewayHandle): void {
  let closing: Promise<void> | undefined;
  const stop = (): void => {
    closing ??= g.close().finally(() => process.exit(0));
  };
  process.on('message', (m: ToWorker) => {
    if (m?.gw === 'stop') return stop();
    if (m?.gw !== 'req') return;
    const answer = m.op === 'reload' ? g.reload() : Promise.resolve(g.metrics.snapshot());
    void answer.then(
      (result) => process.send?.({ gw: 'res', id: m.id, result } satisfies FromWorker),
      (e: unknown) => process.send?.({ gw: 'res', id: m.id, result: { error: String(e) } } satisfies FromWorker),
    );
  });
  // The primary coordinates shutdown; a signal sent to the whole process group (Ctrl-C) or to this
  // worker alone still ends it gracefully.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  process.send?.({ gw: 'ready', publicUrl: g.publicUrl } satisfies FromWorker);
}
