/**
 * Redis for the bench: which server target (d) uses, a dedicated redis-server on a free port
 * (for the round-trip count, the soak, or when no Redis is running), key cleanup by prefix, and
 * the round-trip counter (MONITOR, which tags commands run inside a Lua script as `lua`, so a
 * script's HGET/HSET are not mistaken for trips).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CLAIM_LUA, COMMIT_LUA, PEEK_LUA, RELEASE_LUA } from '../../gateway/store/redis-scripts.js';

/** A fresh `gwbench:<random>:` prefix (hex only: safe in a SCAN MATCH pattern). */
export function benchPrefix(): string {
  return `gwbench:${randomBytes(6).toString('hex')}:`;
}

// One PING probe and port finder for tests and bench alike.
export { answersPing } from '../../test/helpers/ports.js';
import { answersPing, freePort } from '../../test/helpers/ports.js';

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface DedicatedRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** A private redis-server (no persistence) on a free loopback port; stop() kills it and its dir. */
export async function startDedicatedRedis(): Promise<DedicatedRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gwbench-redis-'));
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  let exited = false;
  proc.once('exit', () => (exited = true));
  const kill = (): void => {
    if (!exited) proc.kill('SIGKILL');
  };
  process.once('exit', kill);
  const until = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (exited || Date.now() > until) {
      kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server on port ${port} did not start`);
    }
    await sleep(20);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: proc.pid!,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGKILL');
        await gone;
      }
      process.off('exit', kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function client(url: string): Redis {
  const c = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  c.on('error', () => {});
  return c;
}

/** UNLINKs every key under `prefix` (SCAN 1000 at a time, one pipeline per batch). Returns the count. */
export async function deleteByPrefix(url: string, prefix: string): Promise<number> {
  const c = client(url);
  let n = 0;
  try {
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await c.unlink(...keys);
        n += keys.length;
      }
    } while (cursor !== '0' && ++rounds < 1_000_000);
  } finally {
    c.disconnect();
  }
  return n;
}

/** `INFO commandstats` as command → calls. */
export async function commandStats(url: string): Promise<Record<string, number>> {
  const c = client(url);
  try {
    const text = await c.info('commandstats');
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
    return out;
  } finally {
    c.disconnect();
  }
}

export function diffStats(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

const SCRIPT_NAMES = new Map([
  [sha1(CLAIM_LUA), 'claim'],
  [sha1(COMMIT_LUA), 'commit'],
  [sha1(RELEASE_LUA), 'release'],
  [sha1(PEEK_LUA), 'peek'],
]);

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

export interface TripCount {
  /** Commands sent by clients (round trips), by name; EVAL/EVALSHA named after their script. */
  byCommand: Record<string, number>;
  total: number;
  /** Commands run inside scripts (not trips), by name. */
  inScripts: Record<string, number>;
}

/**
 * Counts the commands clients send to `url` while `during` runs (MONITOR). Our own MONITOR
 * connection and its end marker are excluded.
 */
export async function countTrips(url: string, during: () => Promise<void>): Promise<TripCount> {
  const marker = `gwbench-end-${randomBytes(4).toString('hex')}`;
  // Connected (and its ready-check INFO done) before MONITOR starts, so none of it is counted.
  const probe = client(url);
  await probe.ping();
  const mon = await probe.monitor();
  const byCommand: Record<string, number> = {};
  const inScripts: Record<string, number> = {};
  let sawMarker: () => void = () => {};
  const markerSeen = new Promise<void>((r) => (sawMarker = r));
  mon.on('monitor', (_time: string, args: string[], source: string) => {
    const cmd = String(args[0] ?? '').toLowerCase();
    if (cmd === 'echo' && args[1] === marker) return sawMarker();
    if (source === 'lua') {
      inScripts[cmd] = (inScripts[cmd] ?? 0) + 1;
      return;
    }
    let name = cmd;
    if (cmd === 'evalsha') name = `evalsha:${SCRIPT_NAMES.get(String(args[1])) ?? 'other'}`;
    else if (cmd === 'eval') name = `eval:${SCRIPT_NAMES.get(sha1(String(args[1]))) ?? 'other'}`;
    byCommand[name] = (byCommand[name] ?? 0) + 1;
  });
  try {
    await during();
    // Redis feeds MONITOR in execution order: once our marker arrives, every earlier command has.
    await probe.echo(marker);
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([markerSeen, new Promise((r) => (giveUp = setTimeout(r, 5000)))]);
    clearTimeout(giveUp);
  } finally {
    mon.disconnect();
    probe.disconnect();
  }
  return { byCommand, total: Object.values(byCommand).reduce((s, v) => s + v, 0), inScripts };
}

/**
 * The pid of a Redis running on this machine (INFO server `process_id`), so its CPU counts as the
 * bench's own rather than as foreign; undefined for a remote Redis or when it cannot be asked.
 */
export async function localRedisPid(url: string): Promise<number | undefined> {
  const c = client(url);
  try {
    const m = /^process_id:(\d+)/m.exec(await c.info('server'));
    const pid = m ? Number(m[1]) : undefined;
    return pid !== undefined && existsSync(`/proc/${pid}`) && /^(127\.|localhost|\[::1\])/.test(new URL(url).hostname) ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

/** `redis://user:pass@host` → `redis://***@host` for reports. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
