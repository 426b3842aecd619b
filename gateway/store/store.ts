/**
 * The state store behind replay protection, idempotency, rollback tombstones and the
 * wallet-transaction index (CONTRACT §5). Two twins implement it: `MemoryStore` (lru-cache, the
 * embedded default for one instance) and `RedisStore` (ioredis, shared by many instances). Both pass
 * one contract suite (test/store/store-contract.ts).
 *
 * ## Data model
 * State is grouped by **transaction group**: `group = "{provider}:{transaction id}"`. A group holds
 * - the idempotency entries of every key that belongs to that transaction (a debit, the rollback
 *   that reverses it, …), each `in_flight(owner token, fingerprint, lease)` or
 *   `done(outcome record, fingerprint)`;
 * - the group's rollback **tombstone**.
 * Every operation touches exactly one group, so the Redis twin keeps a group in one hash key and
 * does each step as one Lua script in one Cluster slot.
 *
 * ## The idempotency state machine
 * `absent → in_flight(token, fingerprint) → done(record, fingerprint)`; `in_flight → absent` on
 * release (uncertain outcome) or when the lease runs out (a crashed owner).
 */
import type { Outcome } from '../types.js';

/** What `claim` stores and `done` entries replay. Only success and rejected outcomes are stored. */
export interface IdempotencyRecord {
  fingerprint: string;
  outcome: Outcome;
  /** Unix ms when committed. */
  committed_at: number;
  /**
   * Who and what a debit or credit moved, so a later rollback that names only the transaction (an
   * empty-bodied `DELETE /rollbacks/{id}`) can tell the wallet whose money it returns. Absent on
   * records written before it existed.
   */
  request?: { player_id?: string; currency?: string; amount?: string };
}

export interface ClaimRequest {
  /** Transaction group, e.g. `acme:tx-1`. */
  group: string;
  /** Idempotency key inside the group, e.g. `acme:debit:tx-1`. */
  key: string;
  /** Hash of (operation, player, amount, currency, references): a retry must match it. */
  fingerprint: string;
  /** How long the claim stays owned without a commit or release (a crashed owner's claim expires). */
  leaseMs: number;
  /**
   * - `plain`: an ordinary claim (credits, balance-moving ops that a rollback does not forbid).
   * - `guarded`: refused with `rolled_back` when the group carries a tombstone and the key has no
   *   entry yet (a debit arriving after its rollback).
   * - `tombstone`: places the group's tombstone in the same atomic step and reports the other keys
   *   of the group that are in flight (a rollback must wait for its debit).
   */
  mode: 'plain' | 'guarded' | 'tombstone';
  /** TTL of the group when this claim creates it or places a tombstone. */
  ttlMs: number;
}

export type ClaimResult =
  /** The caller owns the key until commit/release or lease end. */
  | { kind: 'claimed'; token: string; /** mode `tombstone` only: other keys of the group in flight. */ othersInFlight: string[] }
  /** The key was already decided with the same fingerprint: replay `record.outcome`. */
  | { kind: 'done'; record: IdempotencyRecord }
  /** Someone else owns the key (same fingerprint) and is still running. */
  | { kind: 'in_flight' }
  /** The key exists (in flight or done) with another fingerprint. */
  | { kind: 'conflict' }
  /** mode `guarded`: the group was rolled back before this key was ever claimed. */
  | { kind: 'rolled_back' };

export interface CommitRequest {
  group: string;
  key: string;
  token: string;
  record: IdempotencyRecord;
  /** How long the decided record is kept (the group's TTL is extended to at least this). */
  ttlMs: number;
  /** When set, also index `walletTxId → group` so a later rollback by wallet id can be resolved. */
  index?: { scope: string; walletTxId: string };
}

export interface ReleaseRequest {
  group: string;
  key: string;
  token: string;
}

/** What `await` returns: the key was decided, left (released or lease ended), or is still running. */
export type AwaitResult =
  | { kind: 'done'; record: IdempotencyRecord }
  | { kind: 'absent' }
  | { kind: 'timeout' };

/** Thrown by every store method when the backing service cannot be reached (fail closed). */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export interface Store {
  readonly kind: 'memory' | 'redis';

  /**
   * Records a nonce for `ttlMs`. Resolves `true` when it was new, `false` when already seen
   * (a replay). Redis: one `SET key 1 NX PX ttl`.
   */
  rememberNonce(scope: string, nonce: string, ttlMs: number): Promise<boolean>;

  /** One atomic step: see {@link ClaimRequest} and {@link ClaimResult}. */
  claim(req: ClaimRequest): Promise<ClaimResult>;

  /**
   * One atomic step: turns the caller's in-flight entry into `done`. Resolves `false` (and changes
   * nothing) when `token` no longer owns the key (lease expired and someone else claimed it).
   */
  commit(req: CommitRequest): Promise<boolean>;

  /** One atomic step: removes the caller's in-flight entry. `false` when `token` does not own it. */
  release(req: ReleaseRequest): Promise<boolean>;

  /**
   * Waits until `key` in `group` stops being in flight, at most `timeoutMs`. Must not hammer the
   * backing service (Redis: polling with backoff; memory: in-process notification).
   */
  awaitKey(group: string, key: string, timeoutMs: number): Promise<AwaitResult>;

  /**
   * Keeps a one-time grant (e.g. a widget's session request) for `ttlMs`. Resolves `false`, and
   * changes nothing, when `id` is already taken. Redis: one `SET key value NX PX ttl`.
   */
  putGrant(scope: string, id: string, value: string, ttlMs: number): Promise<boolean>;

  /** A grant's value, left in place; undefined when unknown, expired or consumed. Redis: `GET`. */
  readGrant(scope: string, id: string): Promise<string | undefined>;

  /**
   * Consumes a grant: `true` for exactly one caller however many race (on any instance), `false`
   * when it was already consumed or has expired. Redis: `DEL` (its count says who removed it).
   * Read, do the work that may fail, then consume: a failure before the consume leaves the grant.
   */
  consumeGrant(scope: string, id: string): Promise<boolean>;

  /** The group a wallet transaction id was indexed under by a commit, if any. */
  resolveWalletTransaction(scope: string, walletTxId: string): Promise<string | undefined>;

  /** Resolves when the backing service answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;

  /** Why the store is not trusted (it came back without its data), or undefined. Redis only. */
  lossDetected?(): string | undefined;

  /** An operator accepts a detected loss: money operations resume (see docs/store.md). Redis only. */
  acknowledgeLoss?(): Promise<{ was: string | undefined }>;

  close(): Promise<void>;
}
