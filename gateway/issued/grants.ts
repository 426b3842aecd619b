/**
 * One-time grants: short-lived, single-use ids the gateway issues and later redeems (a widget's
 * `session_request_id`). Kept in the store, so any instance can redeem what another issued, and
 * consumed atomically (`Store.consumeGrant`), so of any number of concurrent redemptions exactly one
 * succeeds. Ids are the declared prefix plus a ULID (48-bit time, 80 random bits, Crockford base32).
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';

export interface GrantConfig {
  id_prefix?: string;
  ttl_s: number;
  /** Operator fields the grant carries (session request fields). */
  fields: string[];
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 10 characters of time (ms), 16 of randomness. */
export function ulid(now: number): string {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(bits & 31n)]! + rand;
    bits >>= 5n;
  }
  return time + rand;
}

export interface CompiledGrant {
  readonly name: string;
  readonly ttlMs: number;
  readonly fields: readonly string[];
  readonly prefix: string;
  /** True when `id` has this grant's shape (anything else is a malformed request, not a miss). */
  wellFormed(id: string): boolean;
  /** Issues a grant carrying `values`; returns the record (`id`, `expires_at`, the fields). */
  issue(values: Record<string, unknown>, now: number): Promise<Record<string, unknown>>;
  /**
   * Redeems a grant: reads it, runs `use` (minting a token — anything that may fail), then consumes
   * it; `use`'s result for exactly one caller however many race, undefined for the others and when
   * the grant is unknown, expired or already redeemed. A failure before the consume (the store down,
   * minting failed) leaves the grant, so the widget can try again.
   */
  redeem<T>(id: string, now: number, use: (record: Record<string, unknown>) => Promise<T>): Promise<T | undefined>;
  readonly describe: string;
}

export function compileGrant(provider: string, name: string, cfg: GrantConfig, store: Store): CompiledGrant {
  const prefix = cfg.id_prefix ?? '';
  const ttlMs = cfg.ttl_s * 1000;
  const shape = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[0-9A-HJKMNP-TV-Z]{26}$`);
  const scope = `${provider}:${name}`;
  return Object.freeze({
    name,
    ttlMs,
    fields: cfg.fields,
    prefix,
    wellFormed: (id: string) => shape.test(id),
    async issue(values: Record<string, unknown>, now: number) {
      const carried: Record<string, unknown> = {};
      for (const f of cfg.fields) if (values[f] !== undefined) carried[f] = values[f];
      // 80 random bits: a collision is not expected, but an id is never handed out twice.
      for (let attempt = 0; attempt < 3; attempt++) {
        const id = prefix + ulid(now);
        const record = { ...carried, id, expires_at: new Date(now + ttlMs).toISOString() };
        if (await store.putGrant(scope, id, JSON.stringify(record), ttlMs)) return record;
      }
      throw new Error(`grant ${name}: could not find a free id`);
    },
    async redeem<T>(id: string, now: number, use: (record: Record<string, unknown>) => Promise<T>): Promise<T | undefined> {
      const text = await store.readGrant(scope, id);
      if (text === undefined) return undefined;
      const record = JSON.parse(text) as Record<string, unknown>;
      // The store's TTL is the bound; this guards a store whose expiry lags. Checked before the
      // consume, so an instance whose clock runs ahead refuses without destroying the grant.
      if (typeof record['expires_at'] === 'string' && Date.parse(record['expires_at']) <= now) return undefined;
      const result = await use(record);
      return (await store.consumeGrant(scope, id)) ? result : undefined;
    },
    describe: `${prefix}<ULID>, single use, ${cfg.ttl_s}s, carries ${cfg.fields.join(', ') || 'nothing'}`,
  });
}
