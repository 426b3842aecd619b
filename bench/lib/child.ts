/**
 * The parent side of a bench child process: fork, wait for `ready`, ask for stats, pin to a CPU,
 * stop. Children write their stdout to /dev/null (the gateway's audit lines go there) and share
 * the parent's stderr, so a crash is visible.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildStats, ParentMessage } from './protocol.js';

const START_TIMEOUT_MS = 20_000;
const RPC_TIMEOUT_MS = 5_000;

/** True when `taskset` works here (Linux with util-linux, affinity not forbidden). */
export function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of `pid` to `cpus` (e.g. "1" or "0,1"). Threads created later inherit it. */
export function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

export class BenchChild {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly extra: Record<string, unknown>;
  private readonly proc: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: ChildStats | undefined) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private exited = false;

  private constructor(name: string, proc: ChildProcess, ready: Extract<ChildMessage, { type: 'ready' }>) {
    this.name = name;
    this.proc = proc;
    this.url = ready.url;
    this.pid = ready.pid;
    this.extra = ready.extra ?? {};
    proc.on('message', (raw: unknown) => {
      const msg = raw as ChildMessage;
      if (msg.type !== 'stats' && msg.type !== 'profiled') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === 'stats') p.resolve(msg.stats);
      else if (msg.error) p.reject(new Error(`${name}: profile: ${msg.error}`));
      else p.resolve(undefined);
    });
    proc.once('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${name} exited (${signal ?? code})`));
      }
      this.pending.clear();
    });
  }

  /**
   * Forks `script` (a compiled .js file next to this one) with `args`, waits for it to listen.
   *
   * @example const wallet = await BenchChild.start('wallet', new URL('./wallet-process.js', import.meta.url), [])
   */
  static start(name: string, script: URL, args: string[], opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<BenchChild> {
    const proc = fork(fileURLToPath(script), args, {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: opts.execArgv ?? [],
      env: opts.env ?? process.env,
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      const onExit = (code: number | null, signal: string | null): void => {
        clearTimeout(timer);
        reject(new Error(`${name} exited before it was ready (${signal ?? code})`));
      };
      proc.once('exit', onExit);
      proc.on('message', function first(raw: unknown) {
        const msg = raw as ChildMessage;
        if (msg.type === 'failed') {
          clearTimeout(timer);
          proc.off('message', first);
          proc.off('exit', onExit);
          proc.kill('SIGKILL');
          reject(new Error(`${name} failed to start: ${msg.error}`));
        } else if (msg.type === 'ready') {
          clearTimeout(timer);
          proc.off('message', first);
          proc.off('exit', onExit);
          resolve(new BenchChild(name, proc, msg));
        }
      });
    });
  }

  /** RSS, CPU time, event-loop delay (reset afterwards when `resetEld`) and the child's counters. */
  async stats(resetEld = false): Promise<ChildStats> {
    return (await this.rpc((id) => ({ type: 'stats', id, resetEld }), 'stats'))!;
  }

  /** Starts the child's CPU profiler; `profileStop(file)` writes what it sampled since. */
  async profileStart(): Promise<void> {
    await this.rpc((id) => ({ type: 'profile', id, action: 'start' }), 'profile start');
  }

  async profileStop(file: string): Promise<void> {
    await this.rpc((id) => ({ type: 'profile', id, action: 'stop', file }), 'profile stop', 60_000);
  }

  private rpc(make: (id: number) => ParentMessage, what: string, timeoutMs = RPC_TIMEOUT_MS): Promise<ChildStats | undefined> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name} did not answer ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.proc.send(make(id));
    });
  }

  pin(cpus: string): void {
    pin(this.pid, cpus);
  }

  /** Asks the child to close and exit; SIGKILL after 5 s. Resolves when it has exited. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    try {
      this.proc.send({ type: 'stop' });
    } catch {
      /* channel already closed */
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
