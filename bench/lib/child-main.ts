/**
 * The child side of a bench process (stub wallet, bare proxy, gateway): starts its server, tells the
 * parent where it listens, then answers `stats` (RSS, CPU time, event-loop delay) and `stop` over
 * the IPC channel. A child whose parent goes away exits on its own, so no run leaves servers behind.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ChildMessage, ChildStats, ParentMessage } from './protocol.js';

export interface Started {
  url: string;
  extra?: Record<string, unknown>;
  /** Counters the parent diffs around a phase (e.g. wallet calls per operation). */
  counters?: () => Record<string, number>;
  close(): Promise<void>;
}

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

let session: Session | undefined;

/** The V8 CPU profiler over the inspector protocol: only the measured window is profiled. */
async function profile(action: 'start' | 'stop', file: string | undefined): Promise<void> {
  if (action === 'start') {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    // 1 ms between samples (V8's default is 1 ms for --cpu-prof as well).
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await session.post('Profiler.start');
    return;
  }
  if (!session) throw new Error('profiler not started');
  const { profile: p } = await session.post('Profiler.stop');
  session.disconnect();
  session = undefined;
  if (file) writeFileSync(file, JSON.stringify(p));
}

/**
 * @example await childMain(async () => { const s = await listen(); return { url, close } })
 */
export async function childMain(start: () => Promise<Started>): Promise<void> {
  if (!process.send) throw new Error('a bench child must be started with an IPC channel (fork)');
  // 10 ms resolution: one timer per 10 ms costs nothing measurable next to the request load.
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  let started: Started;
  try {
    started = await start();
  } catch (e) {
    send({ type: 'failed', error: e instanceof Error ? e.stack ?? e.message : String(e) });
    process.exit(1);
  }
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    // A close that hangs (a client that never lets go) must not keep the process: bounded.
    const timer = setTimeout(() => process.exit(code), 3000);
    timer.unref();
    started.close().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.on('disconnect', () => stop(0));
  process.on('message', (raw: unknown) => {
    const msg = raw as ParentMessage;
    if (msg.type === 'stats') {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      const stats: ChildStats = {
        rss: mem.rss,
        heapUsed: mem.heapUsed,
        cpuUs: cpu.user + cpu.system,
        eld: { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6, mean: eld.mean / 1e6 },
        counters: started.counters?.() ?? {},
      };
      if (msg.resetEld) eld.reset();
      send({ type: 'stats', id: msg.id, stats });
    } else if (msg.type === 'profile') {
      profile(msg.action, msg.file).then(
        () => send({ type: 'profiled', id: msg.id }),
        (e: unknown) => send({ type: 'profiled', id: msg.id, error: String(e) }),
      );
    } else if (msg.type === 'stop') {
      stop(0);
    }
  });
  send({ type: 'ready', url: started.url, pid: process.pid, ...(started.extra ? { extra: started.extra } : {}) });
}
