/**
 * A provider's public keys fetched from its JWKS URL and cached.
 *
 * - Fetched on first use (never at load time: a provider's key server being down must not stop the
 *   gateway from starting), then again when the cache is older than its TTL.
 * - Key rotation by `kid`: a key id not in the cache triggers one refetch, at most once a minute, so
 *   requests carrying made-up key ids cannot turn the gateway into a load generator.
 * - A failed refetch keeps the keys already known (stale-if-error) and is retried after a pause.
 * - Never fetched successfully: the check cannot decide, which is an uncertain answer
 *   (INTERNAL_ERROR, the provider retries), not INVALID_SIGNATURE.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { request } from 'undici';
import { createError } from '../errors.js';
import type { Logger } from '../log.js';

/** Whether a key from the set may be used; `alg` is the JWK's own `alg`, when it has one. */
export type JwkFilter = (key: KeyObject, alg: string | undefined) => boolean;

export interface JwksKeys {
  /**
   * Keys to try: for a key id (a string), the keys with that `kid`; `null` when the recipe expects a
   * key id and the request has none (no keys); `undefined` when the recipe has no key id (all keys).
   */
  lookup(kid: string | null | undefined): Promise<KeyObject[]>;
}

/** At most one refetch per this interval for unknown key ids. */
export const MISS_REFETCH_MS = 60_000;
/** Pause after a failed fetch before the next attempt. */
export const RETRY_AFTER_FAILURE_MS = 5_000;
/** Largest JWKS document read. */
const MAX_JWKS_BYTES = 1 << 20;

interface CachedKey {
  kid?: string;
  key: KeyObject;
}

async function fetchJwks(url: string, timeoutMs: number): Promise<unknown[]> {
  const res = await request(url, { method: 'GET', headers: { accept: 'application/json' }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JWKS_BYTES) {
      res.body.destroy();
      throw new Error(`JWKS larger than ${MAX_JWKS_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  if (res.statusCode !== 200) throw new Error(`JWKS answered HTTP ${res.statusCode}`);
  const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { keys?: unknown };
  if (!json || !Array.isArray(json.keys)) throw new Error('JWKS has no `keys` array');
  return json.keys;
}

function usableKeys(jwks: readonly unknown[], accept: JwkFilter): CachedKey[] {
  const out: CachedKey[] = [];
  for (const raw of jwks) {
    if (raw === null || typeof raw !== 'object') continue;
    const jwk = raw as { kid?: unknown; use?: unknown; alg?: unknown };
    // Encryption keys are published beside signing keys in some sets; they never verify.
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as never, format: 'jwk' });
    } catch {
      continue;
    }
    if (!accept(key, typeof jwk.alg === 'string' ? jwk.alg : undefined)) continue;
    out.push({ key, ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) });
  }
  return out;
}

/**
 * @example
 * const keys = jwksKeys({ url, ttlMs: 600_000, accept: () => true, now: Date.now, log });
 * const candidates = await keys.lookup('key-2024-06');
 */
export function jwksKeys(opts: { url: string; ttlMs: number; accept: JwkFilter; now: () => number; log: Logger; timeoutMs?: number }): JwksKeys {
  const { url, ttlMs, accept, now, log } = opts;
  let keys: CachedKey[] = [];
  let fetchedAt = -Infinity;
  let failedAt = -Infinity;
  let missAt = -Infinity;
  let inflight: Promise<void> | undefined;

  const refresh = (): Promise<void> =>
    (inflight ??= (async () => {
      try {
        keys = usableKeys(await fetchJwks(url, opts.timeoutMs ?? 5000), accept);
        fetchedAt = now();
        if (keys.length === 0) log.warn('JWKS has no key usable for this algorithm', { url });
      } catch (e) {
        failedAt = now();
        log.warn('JWKS fetch failed; keeping the keys already known', { url, error: (e as Error).message, known: keys.length });
      } finally {
        inflight = undefined;
      }
    })());

  return {
    async lookup(kid) {
      const t = now();
      const refetch = t - fetchedAt > ttlMs && t - failedAt >= RETRY_AFTER_FAILURE_MS;
      if (refetch) await refresh();
      if (fetchedAt === -Infinity) throw createError('GW_ERR_INTERNAL', 'signing keys unavailable: the JWKS could not be fetched');
      if (kid === null) return [];
      if (kid === undefined) return keys.map((k) => k.key);
      let found = keys.filter((k) => k.kid === kid);
      if (found.length === 0 && !refetch && t - missAt >= MISS_REFETCH_MS) {
        missAt = t;
        await refresh();
        found = keys.filter((k) => k.kid === kid);
      }
      return found.map((k) => k.key);
    },
  };
}
