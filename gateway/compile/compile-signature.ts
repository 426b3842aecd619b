/**
 * The signature stage: composes the signed message from the raw request, reads the candidate
 * signatures from the header, and checks them in constant time. Runs before any parsing, store
 * write or wallet call (CONTRACT §5.1).
 *
 * A recipe is four independent choices, each compiled once here:
 * - the message: parts concatenated in order (`[timestamp, {literal: "."}, body]`);
 * - the header format: plain (after an optional `prefix` such as `sha256=`), a list
 *   (`v1,sig1 v1,sig2`) or key-value pairs (`t=…,v1=…,v1=…`, other keys readable as `signature.KEY`);
 * - the encoding of each signature: hex, base64 or base64url, decoded strictly;
 * - the check: HMAC over any of several secrets, a public key, or a plugin.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createError, GatewayError } from '../errors.js';
import type { Handler, RequestContext, Stage } from '../pipeline/context.js';
import type { SignatureCheck } from '../plugins/registry.js';
import { compileSource, REQUEST_ROOTS, type Accessor } from './compile-source.js';
import { ConfigProblem, type Path } from './problem.js';

export type Part = 'body' | 'timestamp' | 'method' | 'path' | 'path_and_query' | 'query' | 'nonce' | { literal: string } | { from: string };

export type HeaderFormat = 'plain' | { list: string; item_prefix?: string } | { pairs: string; assign?: string; key: string };

export type SignatureEncoding = 'hex' | 'base64' | 'base64url';

export interface SignatureConfig {
  algorithm: string;
  header?: string;
  prefix?: string;
  format?: HeaderFormat;
  encoding?: SignatureEncoding;
  message?: Part[];
  secrets?: string[];
  public_keys?: string[];
  jwks_url?: string;
  jwks_cache_s?: number;
  key_id?: string;
  /** `gateway test`/`simulate` only: a secret holding the provider's private key (sandbox key pairs). */
  signing_key?: string;
  plugin?: string;
  options?: unknown;
}

/** Accessors for the raw values a recipe may include. */
export interface RawSources {
  timestamp?: Accessor;
  nonce?: Accessor;
}

/** At most this many signatures are tried per request: bounds the work a hostile header can cause. */
export const MAX_CANDIDATES = 10;

/** Longest signature text decoded (an RSA-8192 signature in hex is 2048 characters). */
const MAX_SIGNATURE_TEXT = 2048;

type PartFn = (ctx: RequestContext) => Buffer | string;

function compilePart(part: Part, at: Path, raw: RawSources, settings: Readonly<Record<string, string | undefined>>): PartFn {
  if (typeof part === 'object') {
    if ('literal' in part) {
      const lit = Buffer.from(part.literal, 'utf8');
      return () => lit;
    }
    const src = compileSource(part.from, REQUEST_ROOTS, settings).get;
    return (ctx) => str(src(ctx));
  }
  switch (part) {
    case 'body':
      return (ctx) => ctx.raw;
    case 'method':
      return (ctx) => ctx.method;
    case 'path':
      return (ctx) => ctx.path;
    case 'query':
      return (ctx) => ctx.query;
    case 'path_and_query':
      return (ctx) => (ctx.query ? `${ctx.path}?${ctx.query}` : ctx.path);
    case 'timestamp': {
      const get = raw.timestamp;
      if (!get) throw new ConfigProblem(at, 'the message uses `timestamp` but verify.timestamp is not configured', 'add verify.timestamp with from: and format:');
      return (ctx) => str(get(ctx));
    }
    case 'nonce': {
      const get = raw.nonce;
      if (!get) throw new ConfigProblem(at, 'the message uses `nonce` but verify.nonce is not configured', 'add verify.nonce with from:');
      return (ctx) => str(get(ctx));
    }
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/**
 * Builds the signed message: one buffer from the parts in order. The body part is the exact
 * received bytes, never a re-serialisation.
 *
 * @example compileMessage(['timestamp', { literal: '.' }, 'body'], ['verify', 'signature', 'message'], { timestamp }, {})
 */
export function compileMessage(parts: readonly Part[], at: Path, raw: RawSources, settings: Readonly<Record<string, string | undefined>>): (ctx: RequestContext) => Buffer {
  const fns = parts.map((p, i) => compilePart(p, [...at, i], raw, settings));
  if (fns.length === 1 && parts[0] === 'body') return (ctx) => ctx.raw;
  return (ctx) =>
    Buffer.concat(
      fns.map((f) => {
        const v = f(ctx);
        return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      }),
    );
}

function afterPrefix(value: string, prefix: string | undefined): string | undefined {
  const v = value.trim();
  if (!prefix) return v;
  return v.startsWith(prefix) ? v.slice(prefix.length) : undefined;
}

/**
 * Reads candidate signature texts from the header value. The key-value format also records the
 * other keys (first occurrence wins) as `ctx.signatureParams`, readable as `signature.KEY`.
 *
 * @example compileHeaderReader({ list: ' ', item_prefix: 'v1,' }, undefined)('v1,abc v2,def v1,ghi', ctx) // ['abc', 'ghi']
 */
export function compileHeaderReader(format: HeaderFormat, prefix: string | undefined): (value: string, ctx: RequestContext) => string[] {
  if (format === 'plain') {
    return (value) => {
      const v = afterPrefix(value, prefix);
      return v ? [v] : [];
    };
  }
  if ('list' in format) {
    const sep = format.list;
    const itemPrefix = format.item_prefix ?? '';
    return (value) => {
      const v = afterPrefix(value, prefix);
      if (v === undefined) return [];
      const out: string[] = [];
      for (const item of v.split(sep)) {
        const t = item.trim();
        if (t.length > itemPrefix.length && t.startsWith(itemPrefix)) out.push(t.slice(itemPrefix.length));
      }
      return out;
    };
  }
  const pairSep = format.pairs;
  const assign = format.assign ?? '=';
  const key = format.key;
  return (value, ctx) => {
    const params: Record<string, string> = Object.create(null);
    const out: string[] = [];
    const v = afterPrefix(value, prefix);
    for (const pair of v === undefined ? [] : v.split(pairSep)) {
      const i = pair.indexOf(assign);
      if (i <= 0) continue;
      const k = pair.slice(0, i).trim();
      const val = pair.slice(i + assign.length).trim();
      if (k === key) out.push(val);
      else if (!(k in params)) params[k] = val;
    }
    ctx.signatureParams = params;
    return out;
  };
}

const ALPHABETS: Record<SignatureEncoding, RegExp> = {
  hex: /^(?:[0-9a-fA-F]{2})+$/,
  base64: /^[A-Za-z0-9+/]+={0,2}$/,
  base64url: /^[A-Za-z0-9_-]+={0,2}$/,
};

/**
 * Decodes a signature text strictly; undefined when it is not valid in that encoding. `Buffer.from`
 * alone is lenient (it skips bad characters and ignores stray bits), so the text must also be what
 * re-encoding the bytes gives back: padding optional but exact when present, hex in either case.
 *
 * @example decodeSignature('sha256=ab', 'hex') // undefined
 */
export function decodeSignature(text: string, encoding: SignatureEncoding): Buffer | undefined {
  if (text.length === 0 || text.length > MAX_SIGNATURE_TEXT || !ALPHABETS[encoding].test(text)) return undefined;
  const buf = Buffer.from(text, encoding);
  if (buf.length === 0) return undefined;
  if (encoding === 'hex') return buf;
  const bare = text.replace(/=+$/, '');
  if (bare.length !== text.length && text.length % 4 !== 0) return undefined;
  return buf.toString(encoding).replace(/=+$/, '') === bare ? buf : undefined;
}

const HMAC_ALGS: Record<string, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512', 'hmac-sha1': 'sha1' };

/**
 * The node:crypto hash name of an HMAC algorithm, or undefined.
 *
 * @example hmacHash('hmac-sha512') // 'sha512'
 */
export function hmacHash(algorithm: string): string | undefined {
  return HMAC_ALGS[algorithm];
}

/**
 * Constant-time HMAC check against any of the keys (rotation: old and new both accepted) and any
 * candidate (several signatures in one header). Every key is tried against every candidate, with
 * no early exit, so the time taken does not tell which key or candidate matched.
 *
 * @example hmacCheck('hmac-sha256', [oldKey, newKey])({ message, candidates, ctx })
 */
export function hmacCheck(algorithm: string, keys: readonly Buffer[]): SignatureCheck {
  const hash = HMAC_ALGS[algorithm];
  if (!hash) throw new Error(`not an HMAC algorithm: ${algorithm}`);
  return ({ message, candidates }) => {
    let ok = false;
    for (const key of keys) {
      const expected = createHmac(hash, key).update(message).digest();
      for (const c of candidates) {
        // Unequal lengths are rejected without comparing (timingSafeEqual would throw); the length
        // of a digest is public. Equal lengths compare in constant time.
        if (c.length === expected.length && timingSafeEqual(c, expected)) ok = true;
      }
    }
    return ok;
  };
}

/** @example isHmac('hmac-sha256') // true */
export function isHmac(algorithm: string): boolean {
  return algorithm in HMAC_ALGS;
}

/**
 * The `verify-signature` stage. Without a header (plugins that read the request themselves) the
 * check is called with no candidates.
 *
 * @example signatureStage({ header: 'X-Sig', readHeader, encoding: 'hex', message, check, detail: 'hmac-sha256 …' })
 */
export function signatureStage(opts: {
  header: string | undefined;
  readHeader: (value: string, ctx: RequestContext) => string[];
  encoding: SignatureEncoding;
  message: (ctx: RequestContext) => Buffer;
  check: SignatureCheck;
  detail: string;
}): Stage {
  const header = opts.header?.toLowerCase();
  const { readHeader, encoding, message, check } = opts;
  return {
    name: 'verify-signature',
    detail: opts.detail,
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const candidates: Buffer[] = [];
        if (header !== undefined) {
          const h = ctx.headers[header];
          const value = Array.isArray(h) ? h[0] : h;
          if (!value) throw createError('GW_ERR_VERIFY_SIGNATURE_MISSING');
          for (const text of readHeader(value, ctx)) {
            const buf = decodeSignature(text, encoding);
            if (buf) candidates.push(buf);
            if (candidates.length === MAX_CANDIDATES) break;
          }
          if (candidates.length === 0) throw createError('GW_ERR_VERIFY_SIGNATURE_MISMATCH', 'no well-formed signature in the header');
        }
        let ok: boolean;
        try {
          ok = await check({ message: message(ctx), candidates, ctx });
        } catch (e) {
          // A check that cannot decide (keys unavailable) says so with a GatewayError, which the
          // provider sees as an uncertain answer to retry; anything else is a failed signature.
          if (e instanceof GatewayError) throw e;
          ok = false;
        }
        if (ok !== true) throw createError('GW_ERR_VERIFY_SIGNATURE_MISMATCH');
        return next(ctx);
      };
    },
  };
}
