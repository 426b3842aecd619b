/**
 * Redis for the tests, without asking anyone to set it up:
 * - {@link redisTarget}: `REDIS_URL` if set, else 127.0.0.1:6379 if it answers PING, else a
 *   `redis-server` started on a free port for this test file. With none of these the test is skipped
 *   with a clear message, except under `CI=true`, where it fails (CI must never go green by skipping).
 * - {@link startRedisServer}: a private redis-server on a free port that a test may freeze, stop
 *   and restart on the same port (outages) or measure alone (round-trip counts).
 * - {@link startRedisCluster}: a private 3-master Cluster; {@link startRedisSentinel}: a Sentinel.
 *
 * Shared Redis is never flushed: every store a test creates gets its own random key prefix and the
 * keys under it are deleted (SCAN + DEL) when the test ends.
 */
import { Cluster, Redis } from 'ioredis';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import root from 'tap';
import type { Test } from 'tap';
import { createStore, parseStoreUrl, type StoreOptions } from '../../gateway/store/create-store.js';
import { StoreUnavailableError } from '../../gateway/store/store.js';
import { answersPing, freePort } from './ports.js';
import type { Store } from '../../gateway/store/store.js';

const run = promisify(execFile);

/** A fresh `gwtest:<random>:` prefix (hex only, so it is safe inside a SCAN MATCH pattern). */
export function randomPrefix(): string {
  return `gwtest:${randomBytes(6).toString('hex')}:`;
}

/** Skips `t` with `why`, or fails it when running under CI. Always returns undefined. */
export function unavailable(t: Test, why: string): undefined {
  if (process.env.CI === 'true') t.fail(`Redis tests cannot run under CI=true: ${why}`);
  else t.skip(`Redis tests skipped (no Redis available): ${why}`, () => {});
  return undefined;
}

export function hasBinary(name: string): boolean {
  const r = spawnSync(name, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

let resolved: Promise<string | undefined> | undefined;

/**
 * The Redis URL the Redis tests run against (see the module comment), or undefined after skipping
 * (or failing, under CI) `t`. Resolved once per test file.
 */
export async function redisTarget(t: Test): Promise<string | undefined> {
  resolved ??= (async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL;
    if (await answersPing(6379)) return 'redis://127.0.0.1:6379';
    if (!hasBinary('redis-server')) return undefined;
    const server = await startRedisServer();
    root.teardown(() => server.stop());
    return server.url;
  })();
  const url = await resolved;
  return url ?? unavailable(t, 'REDIS_URL is not set, 127.0.0.1:6379 does not answer PING and no redis-server binary is on PATH');
}

/**
 * A `make` for the contract suite: a store on `url` with its own prefix; cleanup closes it and
 * deletes its keys.
 */
export function redisStoreFactory(url: string, opts: StoreOptions = {}) {
  return async (): Promise<{ store: Store; cleanup: () => Promise<void>; prefix: string }> => {
    const prefix = randomPrefix();
    const store = createStore(url, { ...opts, prefix });
    return {
      store,
      prefix,
      cleanup: async () => {
        await store.close();
        await deleteByPrefix(url, prefix);
      },
    };
  };
}

/**
 * Resolves once `store.ping()` succeeds (retrying StoreUnavailableError), with the time it took;
 * rejects after `withinMs`. For setup on a loaded machine, and to measure recovery after an outage.
 */
export async function untilUp(store: Store, withinMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    try {
      await store.ping();
      return performance.now() - start;
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
      if (performance.now() - start > withinMs) throw new Error(`store not up within ${withinMs} ms: ${e.message}`);
      await sleep(50);
    }
  }
}

/** SCAN + DEL of every key under `prefix` (on every master of a Cluster). */
export async function deleteByPrefix(url: string, prefix: string): Promise<void> {
  const target = parseStoreUrl(url);
  if (target.kind === 'memory' || target.kind === 'sentinel') return;
  const auth = { username: target.username, password: target.password };
  const client =
    target.kind === 'cluster'
      ? new Cluster(target.nodes, { redisOptions: auth })
      : new Redis({ host: target.host, port: target.port, db: target.db, ...auth, ...(target.tls ? { tls: {} } : {}) });
  client.on('error', () => {});
  try {
    const nodes = client instanceof Cluster ? await masters(client) : [client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        // One DEL per key: in a Cluster keys of one batch may live in different slots.
        for (const k of keys) await node.del(k);
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

async function masters(c: Cluster): Promise<Redis[]> {
  if (c.status !== 'ready') await new Promise<void>((resolve) => c.once('ready', () => resolve()));
  return c.nodes('master');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.on('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: a crash, not a graceful shutdown); resolves when it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves when it answers PING. */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered (a hung server). */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/**
 * A private redis-server (no persistence) on a free port. With `t`, it is stopped and its directory
 * removed in `t.teardown`; otherwise the caller stops it (it is killed at process exit regardless).
 */
export async function startRedisServer(
  opts: { t?: Test; port?: number; args?: string[]; /** Contents of a config file passed first (Sentinel needs one). */ config?: string } = {},
): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'gwtest-redis-'));
  const configFile = join(dir, 'redis.conf');
  if (opts.config !== undefined) writeFileSync(configFile, opts.config);
  const args = [
    ...(opts.config !== undefined ? [configFile] : []),
    ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    ...(opts.args ?? []),
  ];
  let proc: ChildProcess | undefined;

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      if (proc) return;
      const p = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      let exited = false;
      p.once('exit', () => {
        exited = true;
        live.delete(p);
      });
      live.add(p);
      proc = p;
      const until = Date.now() + 10_000;
      while (!(await answersPing(port, 300, true))) {
        if (exited || Date.now() > until) {
          proc = undefined;
          p.kill('SIGKILL');
          throw new Error(`redis-server on port ${port} did not start: ${out.slice(-2000)}`);
        }
        await sleep(20);
      }
    },
    async stop() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill('SIGKILL');
      await exited;
    },
    freeze() {
      proc?.kill('SIGSTOP');
    },
    thaw() {
      proc?.kill('SIGCONT');
    },
  };
  try {
    await server.start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  if (opts.t) {
    opts.t.teardown(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
  } else {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return server;
}

/**
 * A Sentinel (one, quorum 1) watching the master on `masterPort` under the name `mymaster`; stopped
 * with `t`. `authPass` is the master's password, if it has one.
 */
export async function startRedisSentinel(t: Test, masterPort: number, authPass?: string): Promise<RedisServer> {
  const config = [
    `sentinel monitor mymaster 127.0.0.1 ${masterPort} 1`,
    'sentinel down-after-milliseconds mymaster 5000',
    ...(authPass ? [`sentinel auth-pass mymaster ${authPass}`] : []),
    '',
  ].join('\n');
  return startRedisServer({ t, config, args: ['--sentinel'] });
}

/** True when redis-server and redis-cli exist; otherwise skips `t` (fails it under CI). */
export function requireRedisBinaries(t: Test, withCli = false): boolean {
  if (!hasBinary('redis-server')) return unavailable(t, 'no redis-server binary on PATH') ?? false;
  if (withCli && !hasBinary('redis-cli')) return unavailable(t, 'no redis-cli binary on PATH') ?? false;
  return true;
}

/** A port P that is free and whose cluster bus port P+10000 is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 30000);
    if (taken.has(p)) continue;
    if ((await portFree(p)) && (await portFree(p + 10000))) return p;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

export interface RedisClusterHandle {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` */
  url: string;
  ports: number[];
}

/** A private 3-master Redis Cluster (no replicas), torn down with `t`. */
export async function startRedisCluster(t: Test): Promise<RedisClusterHandle> {
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const p = await clusterPort(taken);
    taken.add(p);
    ports.push(p);
  }
  const servers = await Promise.all(
    ports.map((port) =>
      startRedisServer({
        t,
        port,
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000'],
      }),
    ),
  );
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
  const until = Date.now() + 20_000;
  for (const s of servers) {
    for (;;) {
      const { stdout } = await run('redis-cli', ['-p', String(s.port), 'cluster', 'info']);
      if (stdout.includes('cluster_state:ok')) break;
      if (Date.now() > until) throw new Error(`cluster node ${s.port} never reached cluster_state:ok:\n${stdout}`);
      await sleep(50);
    }
  }
  return { url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports };
}
