/**
 * Public-key signature checks: RSA-SHA256 (PKCS#1 v1.5 and PSS), ECDSA P-256 (DER or raw r||s),
 * Ed25519 — keys from PEM secrets, or from a JWKS URL (see jwks-keys.ts). Key types are checked at
 * load time, so a descriptor that pairs an algorithm with the wrong key fails fast instead of
 * rejecting every request.
 */
import { constants, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { SignatureCheck } from '../plugins/registry.js';
import { compileSource, REQUEST_ROOTS, SourceSyntaxError, type Accessor } from './compile-source.js';
import type { SignatureConfig } from './compile-signature.js';
import type { EngineDeps } from './engine.js';
import { jwksKeys, type JwkFilter } from './jwks-keys.js';
import { ConfigProblem, type Path } from './problem.js';
import { secretRefs } from './secret-refs.js';

export type PublicKeyAlgorithm = 'rsa-sha256' | 'rsa-pss-sha256' | 'ecdsa-p256-sha256' | 'ed25519';

/** The JOSE `alg` of each algorithm, so a JWKS key published for another algorithm is not used. */
const JOSE_ALG: Record<PublicKeyAlgorithm, readonly string[]> = {
  'rsa-sha256': ['RS256'],
  'rsa-pss-sha256': ['PS256'],
  'ecdsa-p256-sha256': ['ES256'],
  ed25519: ['EdDSA', 'Ed25519'],
};

/** RSA moduli shorter than this are refused (NIST SP 800-131A). */
const MIN_RSA_BITS = 2048;

/** @example isPublicKeyAlgorithm('ed25519') // true */
export function isPublicKeyAlgorithm(algorithm: string): algorithm is PublicKeyAlgorithm {
  return algorithm in JOSE_ALG;
}

/**
 * Why `key` cannot verify `algorithm`, or undefined when it can.
 *
 * @example keyMismatch('ed25519', createPublicKey(rsaPem)) // 'is rsa, ed25519 needs an Ed25519 key'
 */
export function keyMismatch(algorithm: PublicKeyAlgorithm, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  switch (algorithm) {
    case 'rsa-sha256':
      // An RSA-PSS-restricted key cannot make PKCS#1 v1.5 signatures.
      if (type !== 'rsa') return `is ${type ?? 'not asymmetric'}, ${algorithm} needs an RSA key`;
      break;
    case 'rsa-pss-sha256':
      if (type !== 'rsa' && type !== 'rsa-pss') return `is ${type ?? 'not asymmetric'}, ${algorithm} needs an RSA key`;
      break;
    case 'ecdsa-p256-sha256': {
      if (type !== 'ec') return `is ${type ?? 'not asymmetric'}, ${algorithm} needs an EC P-256 key`;
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve !== 'prime256v1') return `is on curve ${curve ?? 'unknown'}, ${algorithm} needs P-256 (prime256v1)`;
      return undefined;
    }
    case 'ed25519':
      if (type !== 'ed25519') return `is ${type ?? 'not asymmetric'}, ${algorithm} needs an Ed25519 key`;
      return undefined;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits < MIN_RSA_BITS ? `is a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required` : undefined;
}

/**
 * Verifies one signature with one key; false (never a throw) on any malformed input.
 *
 * @example verifyWithKey('ecdsa-p256-sha256', publicKey, Buffer.from(body), derSignature)
 */
export function verifyWithKey(algorithm: PublicKeyAlgorithm, key: KeyObject, message: Buffer, sig: Buffer): boolean {
  try {
    switch (algorithm) {
      case 'rsa-sha256':
        return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
      case 'rsa-pss-sha256':
        // Any salt length: PSS is sound with each, and signers differ (32 = JOSE PS256, max = openssl).
        return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
      case 'ecdsa-p256-sha256':
        // 64 bytes = raw r||s (JOSE style); otherwise DER (70–72 bytes for P-256).
        return verify('sha256', message, { key, dsaEncoding: sig.length === 64 ? 'ieee-p1363' : 'der' }, sig);
      case 'ed25519':
        return verify(null, message, key, sig);
    }
  } catch {
    return false;
  }
}

/**
 * Signs like the provider would (the inverse of {@link verifyWithKey}): RSA-PSS with a 32-byte
 * salt, ECDSA in DER. Used by `gateway test`/`simulate` with a sandbox private key.
 *
 * @example signWithKey('ed25519', createPrivateKey(pem), Buffer.from('msg'))
 */
export function signWithKey(algorithm: PublicKeyAlgorithm, key: KeyObject, message: Buffer): Buffer {
  switch (algorithm) {
    case 'rsa-sha256':
      return sign('sha256', message, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'rsa-pss-sha256':
      return sign('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'ecdsa-p256-sha256':
      return sign('sha256', message, { key, dsaEncoding: 'der' });
    case 'ed25519':
      return sign(null, message, key);
  }
}

/**
 * A private key from a PEM secret, checked against the algorithm; undefined when unusable.
 *
 * @example privateKeyFor('ed25519', readFileSync('sandbox.key'))
 */
export function privateKeyFor(algorithm: PublicKeyAlgorithm, pem: Buffer): KeyObject | undefined {
  try {
    const key = createPrivateKey(pem);
    return keyMismatch(algorithm, key) === undefined ? key : undefined;
  } catch {
    return undefined;
  }
}

function pemKeys(algorithm: PublicKeyAlgorithm, names: readonly string[], at: Path, secrets: ReadonlyMap<string, Buffer>, declared: ReadonlySet<string> | undefined): KeyObject[] {
  return secretRefs(names, [...at, 'public_keys'], secrets, declared).map(({ name, value }) => {
    const where = [...at, 'public_keys', names.indexOf(name)];
    let key: KeyObject;
    try {
      key = createPublicKey(value);
    } catch {
      throw new ConfigProblem(where, `secret \`${name}\` is not a PEM public key (or certificate)`, 'declare the secret with pem: true; export a public key with: openssl pkey -pubout', 'GW_ERR_CONFIG_SECRET');
    }
    const why = keyMismatch(algorithm, key);
    if (why) throw new ConfigProblem(where, `key \`${name}\` ${why}`, 'use the key the provider publishes for this algorithm');
    return key;
  });
}

function keyIdSource(text: string, at: Path, settings: Readonly<Record<string, string | undefined>>): Accessor {
  try {
    return compileSource(text, REQUEST_ROOTS, settings).get;
  } catch (e) {
    if (e instanceof SourceSyntaxError) throw new ConfigProblem([...at, 'key_id'], e.message, e.hint);
    throw e;
  }
}

/**
 * Builds the check for a public-key algorithm; config mistakes are ConfigProblems.
 *
 * @example compilePublicKeyCheck({ algorithm: 'ed25519', public_keys: ['provider_key'] }, ['verify', 'signature'], secrets, {}, deps)
 */
export function compilePublicKeyCheck(
  sig: SignatureConfig,
  at: Path,
  secrets: ReadonlyMap<string, Buffer>,
  settings: Readonly<Record<string, string | undefined>>,
  deps: EngineDeps,
  declared?: ReadonlySet<string>,
): SignatureCheck {
  const algorithm = sig.algorithm;
  if (!isPublicKeyAlgorithm(algorithm)) throw new ConfigProblem([...at, 'algorithm'], `unsupported algorithm ${sig.algorithm}`);
  if (sig.secrets) throw new ConfigProblem([...at, 'secrets'], `${algorithm} verifies with public keys, not shared secrets`, 'name PEM secrets under public_keys, or give jwks_url');
  if (sig.public_keys && sig.jwks_url) throw new ConfigProblem([...at, 'jwks_url'], 'give either public_keys or jwks_url, not both', 'a JWKS already lists every current key');
  if (sig.public_keys) {
    if (sig.key_id) throw new ConfigProblem([...at, 'key_id'], '`key_id` selects keys from a JWKS; with public_keys every listed key is tried', 'remove key_id, or use jwks_url');
    const keys = pemKeys(algorithm, sig.public_keys, at, secrets, declared);
    // Every key is tried (no early exit between keys): rotation is old and new both listed.
    return ({ message, candidates }) => {
      let ok = false;
      for (const c of candidates) for (const k of keys) if (verifyWithKey(algorithm, k, message, c)) ok = true;
      return ok;
    };
  }
  if (!sig.jwks_url) throw new ConfigProblem(at, `${algorithm} needs \`public_keys\` or \`jwks_url\``, 'name PEM secrets (pem: true) under public_keys, or give the provider JWKS URL');
  let url: URL;
  try {
    url = new URL(sig.jwks_url);
  } catch {
    throw new ConfigProblem([...at, 'jwks_url'], `\`${sig.jwks_url}\` is not a URL`, 'write https://provider.example/.well-known/jwks.json');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigProblem([...at, 'jwks_url'], `jwks_url must be http(s), not ${url.protocol}`);
  const kidOf = sig.key_id ? keyIdSource(sig.key_id, at, settings) : undefined;
  const accept: JwkFilter = (key, alg) => keyMismatch(algorithm, key) === undefined && (alg === undefined || JOSE_ALG[algorithm].includes(alg));
  const keys = jwksKeys({ url: url.href, ttlMs: (sig.jwks_cache_s ?? 600) * 1000, accept, now: deps.now, log: deps.log });
  return async ({ message, candidates, ctx }) => {
    const kid = kidOf ? kidOf(ctx) : undefined;
    const usable = await keys.lookup(typeof kid === 'string' && kid !== '' ? kid : kidOf ? null : undefined);
    let ok = false;
    for (const c of candidates) for (const k of usable) if (verifyWithKey(algorithm, k, message, c)) ok = true;
    return ok;
  };
}
