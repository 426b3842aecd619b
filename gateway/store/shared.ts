/**
 * Small pieces both store twins use, so that they check their arguments and mint owner tokens the
 * same way (the contract suite runs unchanged against both).
 */
import { randomUUID } from 'node:crypto';
import type { ClaimRequest, CommitRequest, ReleaseRequest } from './store.js';

/**
 * An owner token: a random UUID (122 random bits), so a stale owner can never guess a live
 * claim's token. randomUUID draws from a pre-filled entropy cache; randomBytes(16) asks the CSPRNG
 * on every call, ~3 µs per money request on the hot path (bench/micro, bench --profile).
 */
export function newToken(): string {
  return randomUUID();
}

/** Event sink shared by the store options (`createStore(url, { onEvent })`). */
export type StoreEventSink = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

const MODES: ReadonlySet<string> = new Set(['plain', 'guarded', 'tombstone']);

function text(name: string, v: unknown): void {
  if (typeof v !== 'string' || v.length === 0) throw new TypeError(`store: ${name} must be a non-empty string`);
}

/**
 * A duration in ms as a positive integer. Redis `PX` refuses 0 and fractions, and lru-cache treats a
 * TTL of 0 as "forever", so both twins round up and refuse what is not a positive finite number.
 */
export function durationMs(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`store: ${name} must be a positive number of milliseconds`);
  }
  return Math.ceil(v);
}

/** Programming errors (not availability): thrown as TypeError/RangeError, never StoreUnavailableError. */
export function checkClaim(req: ClaimRequest): void {
  text('group', req.group);
  text('key', req.key);
  if (typeof req.fingerprint !== 'string') throw new TypeError('store: fingerprint must be a string');
  if (!MODES.has(req.mode)) throw new TypeError(`store: unknown claim mode ${String(req.mode)}`);
  durationMs('leaseMs', req.leaseMs);
  durationMs('ttlMs', req.ttlMs);
}

export function checkCommit(req: CommitRequest): void {
  checkRelease(req);
  if (typeof req.record !== 'object' || req.record === null) throw new TypeError('store: record must be an object');
  durationMs('ttlMs', req.ttlMs);
  if (req.index) {
    text('index.scope', req.index.scope);
    text('index.walletTxId', req.index.walletTxId);
  }
}

export function checkRelease(req: ReleaseRequest): void {
  text('group', req.group);
  text('key', req.key);
  text('token', req.token);
}
