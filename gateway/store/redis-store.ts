/**
 * The shared store for several gateway instances: ioredis against a single Redis, Sentinel or a
 * Cluster. See docs/store.md for the key layout, the scripts and the failure behaviour.
 *
 * Failure policy (fail closed, recover alone):
 * - no offline queue and `maxRetriesPerRequest: 0`: while Redis is unreachable a command is refused
 *   at once instead of being parked, and commands pending when a connection drops are rejected
 *   (never replayed later by the client: a stale claim replayed minutes after its caller gave up
 *   would block the key for a lease);
 * - `commandTimeout` bounds a command to a Redis that accepts the connection but does not answer,
 *   and a deadline of our own backs it up (Cluster redirections, slot refreshes);
 * - reconnection backs off to a 1 s cap and never gives up;
 * - every failure surfaces as `StoreUnavailableError`; the 'error' events are logged, once per outage.
 */
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLAIM_LUA, COMMIT_LUA, PEEK_LUA, RELEASE_LUA } from './redis-scripts.js';
import { checkClaim, checkCommit, checkRelease, durationMs, newToken, type StoreEventSink } from './shared.js';
import { StoreUnavailableError } from './store.js';
import type {
  AwaitResult,
  ClaimRequest,
  ClaimResult,
  CommitRequest,
  IdempotencyRecord,
  ReleaseRequest,
  Store,
} from './store.js';
import type { StoreTarget } from './store-url.js';

export type RedisTarget = Exclude<StoreTarget, { kind: 'memory' }>;

export interface RedisStoreOptions {
  /** Prepended to every key (default `gw:`). */
  prefix?: string;
  /** Bound on one Redis command (default 1000 ms). */
  commandTimeoutMs?: number;
  onEvent?: StoreEventSink;
  /** How the target is named in log lines (already redacted). */
  label?: string;
  /** How often the store epoch is checked while connected (default 5000 ms; tests shorten it). */
  epochCheckMs?: number;
}

/** The record that proves the store still holds what this gateway wrote (see checkEpoch). */
interface Epoch {
  id: string;
  created_at: string;
  /** `start`: written by a gateway finding a new store; `acknowledged`: an operator accepted a loss. */
  kind: 'start' | 'acknowledged';
}

type Script = (...args: (string | number)[]) => Promise<unknown>;
interface Scripts {
  gwClaim: Script;
  gwCommit: Script;
  gwRelease: Script;
  gwPeek: Script;
}

/** awaitKey polling: first look at once, then 2 ms doubling to a 50 ms cap. */
const POLL_FIRST_MS = 2;
const POLL_CAP_MS = 50;
/** Reconnect backoff: 100 ms doubling to a 1 s cap, forever. */
export const reconnectDelay = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 5), 1000);

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  /** The ioredis client; exposed for tests and diagnostics, not for use by the engine. */
  readonly client: Redis | Cluster;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly onEvent: StoreEventSink | undefined;
  private readonly isCluster: boolean;
  /** The password, so that it can be cut out of any message built from a driver error. */
  private readonly secret: string | undefined;
  private everReady = false;
  /** One shared wait for the first connection, however many steps are waiting on it. */
  private firstConnect: Promise<void> | undefined;
  private down = false;
  private closed = false;
  /** Why the store is not trusted (it lost its data), until an operator acknowledges; or undefined. */
  private amnesia: string | undefined;
  private epoch: Epoch | undefined;
  private epochTimer: NodeJS.Timeout | undefined;
  private readonly epochCheckMs: number;

  constructor(target: RedisTarget, opts: RedisStoreOptions = {}) {
    this.prefix = opts.prefix ?? 'gw:';
    // A brace in the prefix would become the Cluster hash tag of every key: one hot slot.
    if (/[{}]/.test(this.prefix)) throw new TypeError('redis store: prefix must not contain { or }');
    this.timeoutMs = durationMs('commandTimeoutMs', opts.commandTimeoutMs ?? 1000);
    this.onEvent = opts.onEvent;
    this.isCluster = target.kind === 'cluster';
    this.secret = target.password;
    this.epochCheckMs = opts.epochCheckMs ?? 5000;
    this.client = createClient(target, this.timeoutMs);
    this.client.defineCommand('gwClaim', { numberOfKeys: 1, lua: CLAIM_LUA });
    this.client.defineCommand('gwCommit', { lua: COMMIT_LUA }); // 1 or 2 keys: numkeys passed per call
    this.client.defineCommand('gwRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    this.client.defineCommand('gwPeek', { numberOfKeys: 1, lua: PEEK_LUA });
    this.watch(opts.label ?? target.kind);
    this.epochTimer = setInterval(() => void this.checkEpoch().catch(() => undefined), this.epochCheckMs);
    this.epochTimer.unref();
  }

  /** Why money operations are refused (the store came back without its data), or undefined. */
  lossDetected(): string | undefined {
    return this.amnesia;
  }

  /**
   * Store amnesia. At the first connection the gateway reads `{prefix}epoch`: absent, it writes one
   * (a new store — or one that lost its data before this start, which no one can tell); present,
   * it adopts it. Afterwards, on every reconnection and every `epochCheckMs`, the epoch must still be
   * there: a Redis that restarted empty (no persistence, a failover to an empty replica) has lost it
   * together with every idempotency record, and trusting it would forward retried successes again.
   * Then the store refuses claims, nonces and grants (uncertain answers), `ping` fails (`/readyz`
   * not ready) and a `{prefix}amnesia` marker tells every other instance, including ones started
   * later, until an operator acknowledges (`acknowledgeLoss`).
   */
  private async checkEpoch(): Promise<void> {
    if (this.closed || this.client.status !== 'ready') return;
    const [marker, raw] = await withDeadline(Promise.all([this.client.get(`${this.prefix}amnesia`), this.client.get(`${this.prefix}epoch`)]), this.timeoutMs);
    const current = raw ? (JSON.parse(raw) as Epoch) : undefined;
    if (marker) {
      // Another instance detected the loss (possibly before this one started): not trusted either.
      if (!this.amnesia) this.detect(`the store lost its data (${marker})`, false);
      return;
    }
    if (this.amnesia) {
      // Cleared only by an operator's acknowledgement (a new acknowledged epoch), never by a start.
      if (current?.kind === 'acknowledged' && current.id !== this.epoch?.id) {
        this.epoch = current;
        this.amnesia = undefined;
        this.log('warn', 'redis store: data loss acknowledged by an operator; money operations resume');
      }
      return;
    }
    if (!current) {
      if (this.epoch) return this.detect('the store epoch is gone: Redis restarted or failed over without its data');
      const fresh: Epoch = { id: newToken(), created_at: new Date().toISOString(), kind: 'start' };
      const ok = await withDeadline(this.client.set(`${this.prefix}epoch`, JSON.stringify(fresh), 'NX'), this.timeoutMs);
      this.epoch = ok === 'OK' ? fresh : (JSON.parse((await this.client.get(`${this.prefix}epoch`)) ?? JSON.stringify(fresh)) as Epoch);
      if (ok === 'OK') this.log('info', 'redis store: new store epoch written (a new store, or one that lost its data before this start)');
      return;
    }
    if (this.epoch && current.id !== this.epoch.id && current.kind !== 'acknowledged') return this.detect('the store epoch changed: this is not the store this gateway wrote to');
    this.epoch = current;
  }

  private detect(reason: string, mark = true): void {
    this.amnesia = reason;
    this.log('error', 'redis store lost its data: money operations fail closed until an operator acknowledges (POST /v1/store/acknowledge-loss)', { reason });
    if (mark) void this.client.set(`${this.prefix}amnesia`, `${new Date().toISOString()} ${reason}`, 'NX').catch(() => undefined);
  }

  /**
   * An operator accepts the loss: a new acknowledged epoch, the marker removed; every instance
   * resumes at its next check. What was lost stays lost: retries of transactions decided before
   * the loss reach the wallet again, whose own idempotency is then the only defence.
   */
  async acknowledgeLoss(): Promise<{ was: string | undefined }> {
    const was = this.amnesia;
    const epoch: Epoch = { id: newToken(), created_at: new Date().toISOString(), kind: 'acknowledged' };
    await this.run('acknowledgeLoss', () => this.client.multi().set(`${this.prefix}epoch`, JSON.stringify(epoch)).del(`${this.prefix}amnesia`).exec());
    this.epoch = epoch;
    this.amnesia = undefined;
    this.log('warn', 'redis store: data loss acknowledged; money operations resume', { was });
    return { was };
  }

  private trusted(what: string): void {
    if (this.amnesia) throw new StoreUnavailableError(`redis store: ${what} refused: ${this.amnesia}`);
  }

  async rememberNonce(scope: string, nonce: string, ttlMs: number): Promise<boolean> {
    this.trusted('rememberNonce');
    const ttl = durationMs('ttlMs', ttlMs);
    const r = await this.run('rememberNonce', () => this.client.set(`${this.prefix}n:${scope}:${nonce}`, '1', 'PX', ttl, 'NX'));
    return r === 'OK';
  }

  async claim(req: ClaimRequest): Promise<ClaimResult> {
    checkClaim(req);
    this.trusted('claim');
    const token = newToken();
    const args = [req.fingerprint, token, durationMs('leaseMs', req.leaseMs), req.mode, durationMs('ttlMs', req.ttlMs)];
    const r = await this.run('claim', () => this.scripts.gwClaim(this.groupKey(req.group), field(req.key), ...args));
    const [kind, payload] = r as [string, unknown];
    switch (kind) {
      case 'claimed':
        return { kind, token, othersInFlight: payload as string[] };
      case 'done':
        return { kind, record: doneRecord(payload) };
      case 'in_flight':
      case 'conflict':
      case 'rolled_back':
        return { kind };
      default:
        throw new StoreUnavailableError(`redis store: claim: unexpected reply ${JSON.stringify(r)}`);
    }
  }

  async commit(req: CommitRequest): Promise<boolean> {
    checkCommit(req);
    const ttl = durationMs('ttlMs', req.ttlMs);
    const group = this.groupKey(req.group);
    const argv = [field(req.key), req.token, JSON.stringify(req.record), ttl];
    const { index } = req;
    const r = await this.run('commit', async () => {
      if (!index) return this.scripts.gwCommit(1, group, ...argv);
      const indexKey = `${this.prefix}w:${index.scope}:${index.walletTxId}`;
      if (!this.isCluster) return this.scripts.gwCommit(2, group, indexKey, ...argv, req.group);
      // Cluster: the index key lives in another slot, so it cannot join the script. Sent in parallel
      // (same round trip); if the commit itself is refused the index still names the group whose
      // wallet transaction it is, which is true, so nothing is undone.
      const [ok] = await Promise.all([this.scripts.gwCommit(1, group, ...argv), this.client.set(indexKey, req.group, 'PX', ttl)]);
      return ok;
    });
    return r === 1;
  }

  async release(req: ReleaseRequest): Promise<boolean> {
    checkRelease(req);
    const r = await this.run('release', () => this.scripts.gwRelease(this.groupKey(req.group), field(req.key), req.token));
    return r === 1;
  }

  async awaitKey(group: string, key: string, timeoutMs: number): Promise<AwaitResult> {
    const deadline = performance.now() + Math.max(0, timeoutMs);
    const k = this.groupKey(group);
    const f = field(key);
    for (let delay = POLL_FIRST_MS; ; delay = Math.min(delay * 2, POLL_CAP_MS)) {
      const r = (await this.run('awaitKey', () => this.scripts.gwPeek(k, f))) as [string, unknown];
      if (r[0] === 'done') return { kind: 'done', record: doneRecord(r[1]) };
      if (r[0] === 'absent') return { kind: 'absent' };
      const left = deadline - performance.now();
      if (left <= 0) return { kind: 'timeout' };
      await sleep(Math.min(delay, Math.ceil(left)));
    }
  }

  async putGrant(scope: string, id: string, value: string, ttlMs: number): Promise<boolean> {
    this.trusted('putGrant');
    const ttl = durationMs('ttlMs', ttlMs);
    const r = await this.run('putGrant', () => this.client.set(`${this.prefix}g:${scope}:${id}`, value, 'PX', ttl, 'NX'));
    return r === 'OK';
  }

  async readGrant(scope: string, id: string): Promise<string | undefined> {
    this.trusted('readGrant');
    const r = await this.run('readGrant', () => this.client.get(`${this.prefix}g:${scope}:${id}`));
    return r ?? undefined;
  }

  async consumeGrant(scope: string, id: string): Promise<boolean> {
    const n = await this.run('consumeGrant', () => this.client.del(`${this.prefix}g:${scope}:${id}`));
    return n === 1;
  }

  async resolveWalletTransaction(scope: string, walletTxId: string): Promise<string | undefined> {
    const r = await this.run('resolveWalletTransaction', () => this.client.get(`${this.prefix}w:${scope}:${walletTxId}`));
    return r ?? undefined;
  }

  async ping(): Promise<void> {
    await this.run('ping', () => this.client.ping());
    if (this.amnesia) throw new StoreUnavailableError(`redis store: not trusted: ${this.amnesia}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.epochTimer);
    try {
      if (this.client.status === 'ready') await withDeadline(this.client.quit(), this.timeoutMs);
    } catch {
      // quitting is best effort; disconnect below stops the reconnect loop either way
    } finally {
      this.client.disconnect();
    }
  }

  private get scripts(): Scripts {
    return this.client as unknown as Scripts;
  }

  /** One hash per group; the hash tag puts it in one Cluster slot whatever the prefix is. */
  private groupKey(group: string): string {
    return `${this.prefix}{${group}}`;
  }

  /**
   * Runs one store step. Before the first successful connection a step waits (up to the command
   * timeout) for it, so a gateway that starts together with Redis does not fail its first requests;
   * after that a step never waits for a reconnection: it fails at once and the provider retries.
   */
  private async run<T>(what: string, step: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('redis store closed');
    if (!this.everReady && this.client.status !== 'ready') {
      this.firstConnect ??= waitReady(this.client, this.timeoutMs).finally(() => (this.firstConnect = undefined));
      await this.firstConnect;
    }
    try {
      return await withDeadline(step(), this.timeoutMs + 250);
    } catch (err) {
      throw new StoreUnavailableError(`redis store: ${what} failed: ${this.scrub((err as Error).message)}`, { cause: err });
    }
  }

  /** Defence in depth: drivers do not echo passwords today, and a message from us never will. */
  private scrub(msg: string): string {
    return this.secret ? msg.split(this.secret).join('***') : msg;
  }

  /** A throwing logger must not turn an ioredis event into an uncaught exception. */
  private log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    try {
      this.onEvent?.(level, msg, fields);
    } catch {
      // ignored: logging is best effort
    }
  }

  private watch(label: string): void {
    const c = this.client;
    this.log('info', 'redis store connecting', { target: label });
    c.on('ready', () => {
      this.log('info', this.everReady ? 'redis store reconnected' : 'redis store ready', { target: label });
      this.everReady = true;
      this.down = false;
      // Reconnected (or connected): is this still the store we wrote to?
      void this.checkEpoch().catch(() => undefined);
    });
    // Without this listener an 'error' event would crash the process.
    c.on('error', (err: Error) => {
      if (this.down || this.closed) return;
      this.down = true;
      this.log('error', 'redis store unavailable', { target: label, error: this.scrub(err.message) });
    });
    c.on('close', () => {
      if (this.down || this.closed || !this.everReady) return;
      this.down = true;
      this.log('warn', 'redis store connection lost, reconnecting', { target: label });
    });
  }
}

/** The hash field of an idempotency key (see redis-scripts.ts for why it carries `k:`). */
function field(key: string): string {
  return `k:${key}`;
}

function doneRecord(entryJson: unknown): IdempotencyRecord {
  return (JSON.parse(String(entryJson)) as { r: IdempotencyRecord }).r;
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function waitReady(c: Redis | Cluster, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      c.off('ready', done);
      c.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    c.on('ready', done);
    c.on('end', done);
  });
}

function createClient(target: RedisTarget, timeoutMs: number): Redis | Cluster {
  const auth = {
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
  };
  const perConnection = {
    ...auth,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(1000, 2 * timeoutMs),
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    // No auto-pipelining: ioredis keeps one auto-pipeline in flight per connection, so every
    // claim waits behind the previous batch's round trip. With Redis on its own core it cost more
    // CPU than it saved (117 vs 132 µs a request) and lengthened the tail (p99 at 1000 req/s:
    // 4 ms without, 11–26 ms with); see docs/performance.md.
    enableAutoPipelining: false,
  } satisfies RedisOptions;
  if (target.kind === 'cluster') {
    const options: ClusterOptions = {
      scaleReads: 'master',
      enableOfflineQueue: false,
      enableReadyCheck: true,
      clusterRetryStrategy: reconnectDelay,
      slotsRefreshTimeout: timeoutMs,
      // Never on Cluster either: a commit and its wallet-tx index live in different slots, and
      // ioredis refuses an auto-pipeline that spans slot groups.
      enableAutoPipelining: false,
      redisOptions: { ...perConnection, enableAutoPipelining: false },
    };
    return new Cluster(target.nodes, options);
  }
  const common: RedisOptions = { ...perConnection, enableOfflineQueue: false, retryStrategy: reconnectDelay, db: target.db };
  if (target.kind === 'sentinel') {
    return new Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.name,
      sentinelRetryStrategy: reconnectDelay,
      sentinelCommandTimeout: timeoutMs,
    });
  }
  return new Redis({ ...common, host: target.host, port: target.port, ...(target.tls ? { tls: {} } : {}) });
}
