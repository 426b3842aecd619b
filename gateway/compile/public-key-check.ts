/**
 * Public-key signature checks: RSA-SHA256 (PKCS#1 v1.5 and PSS), ECDSA P-256 (DER or raw r||s),
 * Ed25519 — keys from PEM secrets or a JWKS URL (fetched with undici, cached, refetched on an
 * unknown key id at most once per minute).
 */
import { createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import { request } from 'undici';
import type { RequestContext } from '../pipeline/context.js';
import type { SignatureCheck } from '../plugins/registry.js';
import { compileSource, REQUEST_ROOTS } from './compile-source.js';
import type { SignatureConfig } from './compile-signature.js';
import type { EngineDeps } from './engine.js';
import { ConfigProblem, type Path } from './problem.js';

type Algo = 'rsa-sha256' | 'rsa-pss-sha256' | 'ecdsa-p256-sha256' | 'ed25519';

const KEY_TYPE: Record<Algo, string> = { 'rsa-sha256': 'rsa', 'rsa-pss-sha256': 'rsa', 'ecdsa-p256-sha256': 'ec', ed25519: 'ed25519' };

/** Verifies one signature with one key; false (never a throw) on any malformed input. */
export function verifyWithKey(algorithm: Algo, key: KeyObject, message: Buffer, sig: Buffer): boolean {
  try {
    switch (algorithm) {
      case 'rsa-sha256':
        return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
      case 'rsa-pss-sha256':
        return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
      case 'ecdsa-p256-sha256':
        // 64 bytes = raw r||s (JOSE style); otherwise DER.
        return verify('sha256', message, { key, dsaEncoding: sig.length === 64 ? 'ieee-p1363' : 'der' }, sig);
      case 'ed25519':
        return verify(null, message, key, sig);
    }
  } catch {
    return false;
  }
}

function checkKeyType(algorithm: Algo, key: KeyObject): boolean {
  if (key.asymmetricKeyType !== KEY_TYPE[algorithm] && !(algorithm.startsWith('rsa') && key.asymmetricKeyType === 'rsa-pss')) return false;
  if (algorithm === 'ecdsa-p256-sha256') return key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  return true;
}

interface JwksCache {
  keys: { kid?: string; key: KeyObject }[];
  fetchedAt: number;
  lastMissFetch: number;
}

/** Builds the check for a public-key algorithm; config mistakes are ConfigProblems. */
export function compilePublicKeyCheck(sig: SignatureConfig, at: Path, secrets: ReadonlyMap<string, Buffer>, deps: EngineDeps): SignatureCheck {
  const algorithm = sig.algorithm as Algo;
  if (!(algorithm in KEY_TYPE)) throw new ConfigProblem([...at, 'algorithm'], `unsupported algorithm ${sig.algorithm}`);
  if (sig.public_keys) {
    const keys = sig.public_keys.map((name, i) => {
      const pem = secrets.get(name);
      if (!pem) throw new ConfigProblem([...at, 'public_keys', i], `secret \`${name}\` is not declared or not set`, 'declare it under secrets: with pem: true');
      let key: KeyObject;
      try {
        key = createPublicKey(pem);
      } catch {
        throw new ConfigProblem([...at, 'public_keys', i], `secret \`${name}\` is not a PEM public key (or certificate)`, 'export with: openssl pkey -pubout');
      }
      if (!checkKeyType(algorithm, key)) throw new ConfigProblem([...at, 'public_keys', i], `key \`${name}\` is ${key.asymmetricKeyType}, not usable for ${algorithm}`);
      return key;
    });
    return ({ message, candidates }) => candidates.some((c) => keys.some((k) => verifyWithKey(algorithm, k, message, c)));
  }
  if (!sig.jwks_url) throw new ConfigProblem(at, `${algorithm} needs \`public_keys\` or \`jwks_url\``, 'name PEM secrets or give the provider JWKS URL');
  const url = sig.jwks_url;
  const ttlMs = (sig.jwks_cache_s ?? 600) * 1000;
  const kidOf = sig.key_id ? compileSource(sig.key_id, REQUEST_ROOTS).get : undefined;
  const cache: JwksCache = { keys: [], fetchedAt: 0, lastMissFetch: 0 };
  let inflight: Promise<void> | undefined;

  const refresh = (): Promise<void> =>
    (inflight ??= (async () => {
      try {
        const res = await request(url, { method: 'GET', headersTimeout: 5000, bodyTimeout: 5000 });
        const json = (await res.body.json()) as { keys?: unknown[] };
        if (res.statusCode !== 200 || !Array.isArray(json.keys)) throw new Error(`JWKS ${res.statusCode}`);
        const keys: JwksCache['keys'] = [];
        for (const jwk of json.keys) {
          try {
            const key = createPublicKey({ key: jwk as never, format: 'jwk' });
            if (checkKeyType(algorithm, key)) keys.push({ key, ...(typeof (jwk as { kid?: unknown }).kid === 'string' ? { kid: (jwk as { kid: string }).kid } : {}) });
          } catch {
            // A key we cannot use (other type, private parts missing) is skipped.
          }
        }
        cache.keys = keys;
        cache.fetchedAt = deps.now();
      } catch (e) {
        deps.log.warn('JWKS fetch failed', { url, error: String(e) });
      } finally {
        inflight = undefined;
      }
    })());

  return async ({ message, candidates, ctx }: { message: Buffer; candidates: readonly Buffer[]; ctx: RequestContext }) => {
    const now = deps.now();
    if (now - cache.fetchedAt > ttlMs) await refresh();
    const kid = kidOf ? kidOf(ctx) : undefined;
    let keys = kid === undefined ? cache.keys : cache.keys.filter((k) => k.kid === kid);
    if (keys.length === 0 && kid !== undefined && now - cache.lastMissFetch > 60_000) {
      cache.lastMissFetch = now;
      await refresh();
      keys = cache.keys.filter((k) => k.kid === kid);
    }
    return candidates.some((c) => keys.some((k) => verifyWithKey(algorithm, k.key, message, c)));
  };
}
