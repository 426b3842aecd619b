/**
 * The embedded store for a single gateway instance: lru-cache maps, in-process waiters.
 *
 * Every method runs synchronously between two awaits, so each one is atomic with respect to the
 * others without locks (the property the Redis twin gets from Lua).
 *
 * Clock: `performance.now()` (monotonic), so leases and TTLs do not jump with the wall clock.
 *
 * Size bound (`maxGroups`, default 1,000,000 groups; the nonce and wallet-tx maps have their own
 * bounds, by default the same number): when a new group would exceed the bound, the least recently
 * used group is evicted. A group that still holds a live claim is not dropped: it moves to a side
 * table until its last lease ends (so memory may exceed the bound by the number of groups in flight
 * at that moment, which the concurrency of the gateway bounds). Evicting a done record or a
 * tombstone early weakens idempotency (a late retry is treated as new and reaches the wallet, which
 * must then dedupe by idempotency key), so `maxGroups` should exceed peak groups-per-second × record
 * TTL; a `warn` event is emitted (at most once a minute) whenever the bound bites.
 */
import { LRUCache } from 'lru-cache';
import { performance } from 'node:perf_hooks';
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

export interface MemoryStoreOptions {
  /** Upper bound of transaction groups kept (default 1,000,000). */
  maxGroups?: number;
  /** Upper bound of remembered nonces (default: maxGroups). */
  maxNonces?: number;
  onEvent?: StoreEventSink;
}

type Entry =
  | { s: 'f'; token: string; fingerprint: string; leaseUntil: number }
  /** `record` is kept as JSON so every reader gets its own copy, exactly like the Redis twin. */
  | { s: 'd'; token: string; fingerprint: string; record: string };

interface Group {
  entries: Map<string, Entry>;
  tombstone: boolean;
  expiresAt: number;
}

type Peek = { kind: 'done'; record: IdempotencyRecord } | { kind: 'absent' } | { kind: 'in_flight'; leaseUntil: number };

interface Waiter {
  check(): void;
  fail(err: Error): void;
}

const WARN_EVERY_MS = 60_000;
const now = (): number => performance.now();

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly groups: LRUCache<string, Group>;
  /** Groups evicted by the size bound while a claim in them was live (see the module comment). */
  private readonly spill = new Map<string, { group: Group; timer: NodeJS.Timeout }>();
  /** Value: expiry time, so an eviction can tell whether it dropped a nonce that was still live. */
  private readonly nonces: LRUCache<string, number>;
  private readonly walletIndex: LRUCache<string, string>;
  private readonly grants: LRUCache<string, string>;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly onEvent: StoreEventSink | undefined;
  private readonly lastWarn = new Map<string, number>();
  private closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    const maxGroups = opts.maxGroups ?? 1_000_000;
    const maxNonces = opts.maxNonces ?? maxGroups;
    if (!Number.isInteger(maxGroups) || maxGroups < 1) throw new RangeError('memory store: maxGroups must be a positive integer');
    if (!Number.isInteger(maxNonces) || maxNonces < 1) throw new RangeError('memory store: maxNonces must be a positive integer');
    this.onEvent = opts.onEvent;
    // Bounded by count through maxSize (each entry weighs 1) rather than `max`: lru-cache
    // preallocates `max` slots up front (~45 MB per map at 1,000,000), `maxSize` grows on demand.
    const common = { perf: { now }, ttlResolution: 0, ttlAutopurge: false, allowStale: false, sizeCalculation: () => 1 } as const;
    this.groups = new LRUCache<string, Group>({
      ...common,
      maxSize: maxGroups,
      dispose: (group, name, reason) => {
        if (reason === 'evict' && !this.closed) this.evicted(name, group);
      },
    });
    this.nonces = new LRUCache<string, number>({
      ...common,
      maxSize: maxNonces,
      dispose: (expiresAt, _k, reason) => {
        if (reason === 'evict' && expiresAt > now()) {
          this.warn('nonce', 'memory store: maxNonces reached, a nonce was forgotten before its TTL', { maxNonces });
        }
      },
    });
    this.walletIndex = new LRUCache<string, string>({ ...common, maxSize: maxGroups });
    this.grants = new LRUCache<string, string>({
      ...common,
      maxSize: maxNonces,
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') this.warn('grant', 'memory store: maxNonces reached, a one-time grant was forgotten before its TTL', { maxNonces });
      },
    });
  }

  async putGrant(scope: string, id: string, value: string, ttlMs: number): Promise<boolean> {
    this.open();
    const ttl = durationMs('ttlMs', ttlMs);
    const k = JSON.stringify([scope, id]);
    if (this.grants.has(k)) return false;
    this.grants.set(k, value, { ttl });
    return true;
  }

  async readGrant(scope: string, id: string): Promise<string | undefined> {
    this.open();
    return this.grants.get(JSON.stringify([scope, id]));
  }

  async consumeGrant(scope: string, id: string): Promise<boolean> {
    this.open();
    // One synchronous step: of racing callers only the first finds it to delete.
    return this.grants.delete(JSON.stringify([scope, id]));
  }

  async rememberNonce(scope: string, nonce: string, ttlMs: number): Promise<boolean> {
    this.open();
    const ttl = durationMs('ttlMs', ttlMs);
    const k = JSON.stringify([scope, nonce]);
    if (this.nonces.has(k)) return false;
    this.nonces.set(k, now() + ttl, { ttl });
    return true;
  }

  async claim(req: ClaimRequest): Promise<ClaimResult> {
    this.open();
    checkClaim(req);
    const t = now();
    const leaseMs = durationMs('leaseMs', req.leaseMs);
    const ttlMs = durationMs('ttlMs', req.ttlMs);
    let group = this.lookup(req.group, t);
    const cur = group?.entries.get(req.key);
    if (cur) {
      const same = cur.fingerprint === req.fingerprint;
      if (cur.s === 'd') return same ? { kind: 'done', record: JSON.parse(cur.record) as IdempotencyRecord } : { kind: 'conflict' };
      if (cur.leaseUntil > t) return same ? { kind: 'in_flight' } : { kind: 'conflict' };
      // An expired claim counts as absent: its owner crashed or overran the lease.
    }
    if (req.mode === 'guarded' && group?.tombstone) return { kind: 'rolled_back' };
    group ??= { entries: new Map(), tombstone: false, expiresAt: 0 };
    const othersInFlight: string[] = [];
    if (req.mode === 'tombstone') {
      group.tombstone = true;
      for (const [k, e] of group.entries) if (k !== req.key && e.s === 'f' && e.leaseUntil > t) othersInFlight.push(k);
    }
    const token = newToken();
    group.entries.set(req.key, { s: 'f', token, fingerprint: req.fingerprint, leaseUntil: t + leaseMs });
    // The group must outlive the lease, whatever TTL the caller asked for.
    this.save(req.group, group, t, Math.max(ttlMs, leaseMs));
    return { kind: 'claimed', token, othersInFlight };
  }

  async commit(req: CommitRequest): Promise<boolean> {
    this.open();
    checkCommit(req);
    const t = now();
    const ttlMs = durationMs('ttlMs', req.ttlMs);
    const group = this.lookup(req.group, t);
    const cur = group?.entries.get(req.key);
    if (!group || !cur || cur.token !== req.token) return false;
    // A lapsed lease that nobody took over still belongs to its owner: recording the wallet's answer
    // beats dropping it. A repeated commit by the same owner is a no-op success (safe to retry).
    if (cur.s === 'f') {
      group.entries.set(req.key, { s: 'd', token: cur.token, fingerprint: cur.fingerprint, record: JSON.stringify(req.record) });
      this.save(req.group, group, t, ttlMs);
    }
    if (req.index) this.walletIndex.set(JSON.stringify([req.index.scope, req.index.walletTxId]), req.group, { ttl: ttlMs });
    this.notify(req.group, req.key);
    return true;
  }

  async release(req: ReleaseRequest): Promise<boolean> {
    this.open();
    checkRelease(req);
    const t = now();
    const group = this.lookup(req.group, t);
    const cur = group?.entries.get(req.key);
    if (!group || !cur || cur.s !== 'f' || cur.token !== req.token) return false;
    group.entries.delete(req.key);
    if (group.entries.size === 0 && !group.tombstone) this.drop(req.group);
    else this.save(req.group, group, t, 0);
    this.notify(req.group, req.key);
    return true;
  }

  async awaitKey(group: string, key: string, timeoutMs: number): Promise<AwaitResult> {
    this.open();
    const first = this.peek(group, key);
    if (first.kind !== 'in_flight') return first;
    if (!(timeoutMs > 0)) return { kind: 'timeout' };
    const deadline = now() + timeoutMs;
    const id = JSON.stringify([group, key]);
    return new Promise<AwaitResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (r: AwaitResult | Error): void => {
        clearTimeout(timer);
        const set = this.waiters.get(id);
        set?.delete(waiter);
        if (set?.size === 0) this.waiters.delete(id);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      const check = (): void => {
        const s = this.peek(group, key);
        if (s.kind !== 'in_flight') return finish(s);
        const t = now();
        if (t >= deadline) return finish({ kind: 'timeout' });
        clearTimeout(timer);
        // Wake at the deadline or when the lease runs out (a leaked claim counts as absent then).
        timer = setTimeout(check, Math.max(1, Math.ceil(Math.min(deadline, s.leaseUntil) - t)));
      };
      const waiter: Waiter = { check, fail: finish };
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      set.add(waiter);
      check();
    });
  }

  async resolveWalletTransaction(scope: string, walletTxId: string): Promise<string | undefined> {
    this.open();
    return this.walletIndex.get(JSON.stringify([scope, walletTxId]));
  }

  async ping(): Promise<void> {
    this.open();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new StoreUnavailableError('memory store closed');
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w.fail(err);
    for (const { timer } of this.spill.values()) clearTimeout(timer);
    this.spill.clear();
    this.groups.clear();
    this.nonces.clear();
    this.walletIndex.clear();
    this.grants.clear();
  }

  private open(): void {
    if (this.closed) throw new StoreUnavailableError('memory store closed');
  }

  private lookup(name: string, t: number): Group | undefined {
    const group = this.groups.get(name) ?? this.spill.get(name)?.group;
    if (group && group.expiresAt <= t) {
      this.drop(name);
      return undefined;
    }
    return group;
  }

  private peek(group: string, key: string): Peek {
    const t = now();
    const e = this.lookup(group, t)?.entries.get(key);
    if (!e) return { kind: 'absent' };
    if (e.s === 'd') return { kind: 'done', record: JSON.parse(e.record) as IdempotencyRecord };
    return e.leaseUntil > t ? { kind: 'in_flight', leaseUntil: e.leaseUntil } : { kind: 'absent' };
  }

  /** (Re)inserts a group as most recently used, its TTL extended to at least `minTtlMs`. */
  private save(name: string, group: Group, t: number, minTtlMs: number): void {
    group.expiresAt = Math.max(group.expiresAt, t + minTtlMs);
    const spilled = this.spill.get(name);
    if (spilled) {
      clearTimeout(spilled.timer);
      this.spill.delete(name);
    }
    this.groups.set(name, group, { ttl: Math.max(1, Math.ceil(group.expiresAt - t)) });
  }

  private drop(name: string): void {
    this.groups.delete(name);
    const spilled = this.spill.get(name);
    if (spilled) {
      clearTimeout(spilled.timer);
      this.spill.delete(name);
    }
  }

  /** Called by lru-cache when the size bound pushes `group` out. */
  private evicted(name: string, group: Group): void {
    const t = now();
    if (group.expiresAt <= t) return;
    const leaseEnd = liveLeaseEnd(group, t);
    if (leaseEnd === undefined) {
      this.warn('groups', 'memory store: maxGroups reached, least recently used groups are being dropped');
      return;
    }
    this.warn('spill', 'memory store: maxGroups reached while claims are in flight; keeping them until their leases end');
    this.keepUntilLeaseEnd(name, group, leaseEnd);
  }

  private keepUntilLeaseEnd(name: string, group: Group, leaseEnd: number): void {
    const timer = setTimeout(() => {
      if (this.spill.get(name)?.group !== group) return;
      this.spill.delete(name);
      const t = now();
      const end = liveLeaseEnd(group, t);
      if (end !== undefined && group.expiresAt > t) this.keepUntilLeaseEnd(name, group, end);
    }, Math.max(1, Math.ceil(leaseEnd - now()) + 1));
    timer.unref();
    this.spill.set(name, { group, timer });
  }

  private notify(group: string, key: string): void {
    const set = this.waiters.get(JSON.stringify([group, key]));
    if (set) for (const w of [...set]) w.check();
  }

  private warn(kind: string, msg: string, fields?: Record<string, unknown>): void {
    const t = now();
    const last = this.lastWarn.get(kind);
    if (last !== undefined && t - last < WARN_EVERY_MS) return;
    this.lastWarn.set(kind, t);
    try {
      this.onEvent?.('warn', msg, fields);
    } catch {
      // ignored: a throwing logger must not break an eviction inside lru-cache
    }
  }
}

/** The latest lease end among the group's live claims, or undefined when none is live. */
function liveLeaseEnd(group: Group, t: number): number | undefined {
  let end: number | undefined;
  for (const e of group.entries.values()) if (e.s === 'f' && e.leaseUntil > t) end = Math.max(end ?? 0, e.leaseUntil);
  return end;
}
