/**
 * Signs a request the way a provider would, from its descriptor: the inverse of the verify block.
 * Used by `gateway serve` (a ready-to-paste example), `gateway test` (conformance) and
 * `gateway simulate` — and, through `signWithRecipe`, by the gateway's own outbound calls, whose
 * `sign` block is the same recipe language run in the signing direction.
 *
 * - Static credentials: the first listed secret.
 * - HMAC recipes: the first listed secret (list the current one first), in every header format.
 * - Public-key recipes: only when the descriptor names a `signing_key` (a private key the operator
 *   holds for sandbox testing); the operator never has the provider's production key.
 * - Plugin recipes: left unsigned (a plugin may sign inside the body; examples carry it as written).
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { RequestContext } from '../pipeline/context.js';
import { compileMessage, hmacHash, type Part, type SignatureConfig } from './compile-signature.js';
import type { VerifyConfig } from './compile-verify.js';
import type { Descriptor } from './descriptor.js';
import { isPublicKeyAlgorithm, privateKeyFor, signWithKey } from './public-key-check.js';
import type { ResolvedSecrets } from './resolve-secrets.js';

export interface RequestToSign {
  method: string;
  /** Full path including the mount, e.g. /acme/callback/debit. */
  path: string;
  query?: string;
  body: Buffer;
  /** Unix ms. */
  now: number;
  /** Headers the provider sends anyway (some recipes sign them, e.g. a message id). */
  headers?: Record<string, string>;
}

export interface SignedHeaders {
  /** Headers to send (lower-case names). */
  headers: Record<string, string>;
  /** False when the recipe could not be produced (see `reason`). */
  signed: boolean;
  reason?: string;
}

function formatTimestamp(ms: number, format: 'iso8601' | 'unix-s' | 'unix-ms'): string {
  if (format === 'unix-s') return String(Math.floor(ms / 1000));
  if (format === 'unix-ms') return String(ms);
  return new Date(ms - (ms % 1000)).toISOString().replace('.000Z', 'Z');
}

function splitSource(text: string): { root: string; name: string } {
  const i = text.indexOf('.');
  return i < 0 ? { root: text, name: '' } : { root: text.slice(0, i), name: text.slice(i + 1) };
}

/** Puts a generated value where the descriptor reads it from: a header or a signature-header key. */
function place(from: string, value: string, headers: Record<string, string>, sigParams: Record<string, string>): void {
  const { root, name } = splitSource(from);
  if (root === 'header') headers[name.toLowerCase()] = value;
  else if (root === 'signature') sigParams[name] = value;
}

/** Signs `message` with the recipe's key; undefined with a reason when it cannot. */
function signatureBytes(sig: SignatureConfig, resolved: Pick<ResolvedSecrets, 'secrets'>, message: Buffer): { bytes?: Buffer; reason?: string } {
  const hash = hmacHash(sig.algorithm);
  if (hash) {
    const key = sig.secrets?.[0] !== undefined ? resolved.secrets.get(sig.secrets[0]) : undefined;
    if (!key) return { reason: `secret ${sig.secrets?.[0] ?? '(none)'} is not set` };
    return { bytes: createHmac(hash, key).update(message).digest() };
  }
  if (isPublicKeyAlgorithm(sig.algorithm)) {
    if (!sig.signing_key) return { reason: 'public-key recipe without signing_key: the provider holds the private key' };
    const pem = resolved.secrets.get(sig.signing_key);
    const key = pem ? privateKeyFor(sig.algorithm, pem) : undefined;
    if (!key) return { reason: `signing_key ${sig.signing_key} is not set or is not a ${sig.algorithm} private key` };
    return { bytes: signWithKey(sig.algorithm, key, message) };
  }
  return { reason: `${sig.algorithm} recipes are not signed by the gateway` };
}

/** The header value carrying `text` in the recipe's format. */
function headerValue(sig: SignatureConfig, text: string, sigParams: Record<string, string>): string {
  const fmt = sig.format ?? 'plain';
  const prefix = sig.prefix ?? '';
  if (fmt === 'plain') return `${prefix}${text}`;
  if ('list' in fmt) return `${prefix}${fmt.item_prefix ?? ''}${text}`;
  const assign = fmt.assign ?? '=';
  return prefix + [...Object.entries(sigParams).map(([k, v]) => `${k}${assign}${v}`), `${fmt.key}${assign}${text}`].join(fmt.pairs);
}

/**
 * @example
 * const { headers } = signRequest(descriptor, resolveSecrets(d.secrets, d.settings, env, true),
 *   { method: 'POST', path: '/acme/wallet/debit', body: Buffer.from(json), now: Date.now() });
 */
export function signRequest(d: Descriptor, resolved: ResolvedSecrets, req: RequestToSign): SignedHeaders {
  return signWithRecipe(d.verify, resolved, { ...req, headers: { 'content-type': 'application/json', ...req.headers } });
}

/**
 * Runs a recipe (the shape of a `verify` block) in the signing direction: places the credentials,
 * a fresh timestamp and nonce where the recipe reads them, and the signature over the message the
 * verifier composes (the same `compileMessage`), so what this signs the verifier accepts. Starts
 * from `req.headers` as given (lower-cased); adds no content type of its own.
 *
 * @example signWithRecipe(call.sign, resolved, { method: 'GET', path: '/v1/games', body: Buffer.alloc(0), now: Date.now() })
 */
export function signWithRecipe(v: VerifyConfig | undefined, resolved: Pick<ResolvedSecrets, 'secrets' | 'settings'>, req: RequestToSign): SignedHeaders {
  const headers: Record<string, string> = {};
  for (const [k, val] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = val;
  if (!v) return { headers, signed: true };
  for (const c of v.credentials ?? []) {
    const name = Array.isArray(c.secret) ? c.secret[0] : c.secret;
    const s = name !== undefined ? resolved.secrets.get(name) : undefined;
    if (s) headers[c.header.toLowerCase()] = `${c.prefix ?? ''}${s.toString('utf8')}`;
  }
  const sigParams: Record<string, string> = {};
  let timestampText: string | undefined;
  if (v.timestamp) {
    timestampText = formatTimestamp(req.now, v.timestamp.format);
    place(v.timestamp.from, timestampText, headers, sigParams);
  }
  let nonceText: string | undefined;
  if (v.nonce) {
    // A nonce header the caller gave (a message id that is also signed) is kept as given.
    const { root, name } = splitSource(v.nonce.from);
    nonceText = (root === 'header' ? headers[name.toLowerCase()] : undefined) ?? randomUUID();
    place(v.nonce.from, nonceText, headers, sigParams);
  }
  const sig = v.signature;
  if (!sig) return { headers, signed: true };
  if (!sig.header) return { headers, signed: false, reason: 'the recipe names no signature header' };
  // Headers the recipe signs but the caller did not give (a message id) are made up, as the
  // provider would: a fresh id per request.
  for (const p of sig.message ?? []) {
    if (typeof p === 'object' && 'from' in p) {
      const { root, name } = splitSource(p.from);
      if (root === 'header' && headers[name.toLowerCase()] === undefined) headers[name.toLowerCase()] = randomUUID();
    }
  }
  const ctx: RequestContext = {
    requestId: 'sign',
    method: req.method,
    path: req.path,
    query: req.query ?? '',
    headers,
    raw: req.body,
    now: req.now,
    params: {},
    signatureParams: sigParams,
  };
  const parts: Part[] = sig.message ?? ['body'];
  const message = compileMessage(parts, [], { timestamp: () => timestampText, nonce: () => nonceText }, resolved.settings)(ctx);
  const { bytes, reason } = signatureBytes(sig, resolved, message);
  if (!bytes) return { headers, signed: false, ...(reason ? { reason } : {}) };
  headers[sig.header.toLowerCase()] = headerValue(sig, bytes.toString(sig.encoding ?? 'hex'), sigParams);
  return { headers, signed: true };
}
