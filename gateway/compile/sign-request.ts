/**
 * Signs a request the way a provider would, from its descriptor: the inverse of the verify block.
 * Used by `gateway serve` (a ready-to-paste example), `gateway test` (conformance) and
 * `gateway simulate`. HMAC recipes and static credentials are supported; public-key recipes need
 * the provider's private key, which the operator does not have, so they are left unsigned.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { RequestContext } from '../pipeline/context.js';
import { compileMessage, isHmac } from './compile-signature.js';
import type { Descriptor } from './descriptor.js';
import type { ResolvedSecrets } from './resolve-secrets.js';

export interface RequestToSign {
  method: string;
  /** Full path including the mount, e.g. /jackpot-rgs/callback/debit. */
  path: string;
  query?: string;
  body: Buffer;
  /** Unix ms. */
  now: number;
  /** Headers the provider sends anyway (some recipes sign them, e.g. a message id). */
  headers?: Record<string, string>;
}

function formatTimestamp(ms: number, format: 'iso8601' | 'unix-s' | 'unix-ms'): string {
  if (format === 'unix-s') return String(Math.floor(ms / 1000));
  if (format === 'unix-ms') return String(ms);
  return new Date(ms - (ms % 1000)).toISOString().replace('.000Z', 'Z');
}

const HASH: Record<string, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512', 'hmac-sha1': 'sha1' };

/** Returns the headers to send (lower-case names); `signed` is false when the recipe cannot be produced. */
export function signRequest(d: Descriptor, resolved: ResolvedSecrets, req: RequestToSign): { headers: Record<string, string>; signed: boolean } {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, val] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = val;
  const v = d.verify;
  if (!v) return { headers, signed: true };
  for (const c of v.credentials ?? []) {
    const s = resolved.secrets.get(c.secret);
    if (s) headers[c.header.toLowerCase()] = `${c.prefix ?? ''}${s.toString('utf8')}`;
  }
  const sigParams: Record<string, string> = {};
  let timestampText: string | undefined;
  if (v.timestamp) {
    timestampText = formatTimestamp(req.now, v.timestamp.format);
    const [root, name] = [v.timestamp.from.split('.')[0], v.timestamp.from.slice(v.timestamp.from.indexOf('.') + 1)];
    if (root === 'header') headers[name.toLowerCase()] = timestampText;
    else if (root === 'signature') sigParams[name] = timestampText;
  }
  let nonceText: string | undefined;
  if (v.nonce) {
    nonceText = randomUUID();
    const name = v.nonce.from.slice(v.nonce.from.indexOf('.') + 1);
    if (v.nonce.from.startsWith('header.')) headers[name.toLowerCase()] = nonceText;
  }
  const sig = v.signature;
  if (!sig) return { headers, signed: true };
  if (!isHmac(sig.algorithm) || !sig.secrets || !sig.header) return { headers, signed: false };
  const key = resolved.secrets.get(sig.secrets[0]!);
  if (!key) return { headers, signed: false };
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
  const message = compileMessage(sig.message ?? ['body'], [], {
    timestamp: () => timestampText,
    nonce: () => nonceText,
  }, resolved.settings)(ctx);
  const raw = createHmac(HASH[sig.algorithm]!, key).update(message).digest();
  const text = raw.toString(sig.encoding ?? 'hex');
  const fmt = sig.format ?? 'plain';
  let value: string;
  if (fmt === 'plain') value = `${sig.prefix ?? ''}${text}`;
  else if ('list' in fmt) value = `${sig.prefix ?? ''}${fmt.item_prefix ?? ''}${text}`;
  else {
    const assign = fmt.assign ?? '=';
    value = [...Object.entries(sigParams).map(([k, val]) => `${k}${assign}${val}`), `${fmt.key ?? 'v1'}${assign}${text}`].join(fmt.pairs);
  }
  headers[sig.header.toLowerCase()] = value;
  return { headers, signed: true };
}
