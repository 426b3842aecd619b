/**
 * The signature stage: composes the signed message from the raw request, reads the candidate
 * signatures from the header, and checks them in constant time. Runs before any parsing, store
 * write or wallet call (CONTRACT §5.1).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createError } from '../errors.js';
import type { Handler, RequestContext, Stage } from '../pipeline/context.js';
import type { SignatureCheck } from '../plugins/registry.js';
import { compileSource, REQUEST_ROOTS, type Accessor } from './compile-source.js';
import { ConfigProblem, type Path } from './problem.js';

export type Part = 'body' | 'timestamp' | 'method' | 'path' | 'path_and_query' | 'query' | 'nonce' | { literal: string } | { from: string };

export type HeaderFormat = 'plain' | { list: string; item_prefix?: string } | { pairs: string; assign?: string; key?: string };

export interface SignatureConfig {
  algorithm: string;
  header?: string;
  prefix?: string;
  format?: HeaderFormat;
  encoding?: 'hex' | 'base64' | 'base64url';
  message?: Part[];
  secrets?: string[];
  public_keys?: string[];
  jwks_url?: string;
  jwks_cache_s?: number;
  key_id?: string;
  plugin?: string;
  options?: unknown;
}

/** Accessors for the raw values a recipe may include. */
export interface RawSources {
  timestamp?: Accessor;
  nonce?: Accessor;
}

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

/** Builds the signed message: one buffer from the parts in order. */
export function compileMessage(parts: readonly Part[], at: Path, raw: RawSources, settings: Readonly<Record<string, string | undefined>>): (ctx: RequestContext) => Buffer {
  const fns = parts.map((p, i) => compilePart(p, [...at, i], raw, settings));
  if (fns.length === 1 && parts[0] === 'body') return (ctx) => ctx.raw;
  return (ctx) => Buffer.concat(fns.map((f) => {
    const v = f(ctx);
    return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  }));
}

/** Reads candidate signature texts (and key-value params) from the header value. */
export function compileHeaderReader(format: HeaderFormat, prefix: string | undefined): (value: string, ctx: RequestContext) => string[] {
  if (format === 'plain') {
    return (value) => {
      if (prefix) return value.startsWith(prefix) ? [value.slice(prefix.length)] : [];
      return [value.trim()];
    };
  }
  if ('list' in format) {
    const sep = format.list;
    const itemPrefix = format.item_prefix ?? '';
    return (value) => {
      const v = prefix ? (value.startsWith(prefix) ? value.slice(prefix.length) : '') : value;
      const out: string[] = [];
      for (const item of v.split(sep)) {
        const t = item.trim();
        if (t && t.startsWith(itemPrefix)) out.push(t.slice(itemPrefix.length));
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
    for (const pair of value.split(pairSep)) {
      const i = pair.indexOf(assign);
      if (i <= 0) continue;
      const k = pair.slice(0, i).trim();
      const v = pair.slice(i + assign.length).trim();
      if (k === key) out.push(v);
      else if (!(k in params)) params[k] = v;
    }
    ctx.signatureParams = params;
    return out;
  };
}

const DECODERS: Record<string, RegExp> = {
  hex: /^(?:[0-9a-fA-F]{2})+$/,
  base64: /^[A-Za-z0-9+/]+={0,2}$/,
  base64url: /^[A-Za-z0-9_-]+={0,2}$/,
};

/** Decodes a signature text strictly; undefined when it is not valid in that encoding. */
export function decodeSignature(text: string, encoding: 'hex' | 'base64' | 'base64url'): Buffer | undefined {
  if (!DECODERS[encoding]!.test(text)) return undefined;
  const buf = Buffer.from(text, encoding);
  return buf.length > 0 ? buf : undefined;
}

const HMAC_ALGS: Record<string, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512', 'hmac-sha1': 'sha1' };

/** Constant-time HMAC check against any of the keys (rotation) and any candidate (multi-signature). */
export function hmacCheck(algorithm: string, keys: readonly Buffer[]): SignatureCheck {
  const hash = HMAC_ALGS[algorithm];
  if (!hash) throw new Error(`not an HMAC algorithm: ${algorithm}`);
  return ({ message, candidates }) => {
    let ok = false;
    for (const key of keys) {
      const expected = createHmac(hash, key).update(message).digest();
      for (const c of candidates) {
        // Unequal lengths are rejected without comparing; equal lengths compare in constant time.
        if (c.length === expected.length && timingSafeEqual(c, expected)) ok = true;
      }
    }
    return ok;
  };
}

export function isHmac(algorithm: string): boolean {
  return algorithm in HMAC_ALGS;
}

/**
 * The `verify-signature` stage.
 *
 * @example signatureStage({ header: 'X-Sig', encoding: 'hex', message: buildMessage, check })
 */
export function signatureStage(opts: {
  header: string;
  readHeader: (value: string, ctx: RequestContext) => string[];
  encoding: 'hex' | 'base64' | 'base64url';
  message: (ctx: RequestContext) => Buffer;
  check: SignatureCheck;
  detail: string;
}): Stage {
  const header = opts.header.toLowerCase();
  const { readHeader, encoding, message, check } = opts;
  return {
    name: 'verify-signature',
    detail: opts.detail,
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const h = ctx.headers[header];
        const value = Array.isArray(h) ? h[0] : h;
        if (!value) throw createError('GW_ERR_VERIFY_SIGNATURE_MISSING');
        const candidates: Buffer[] = [];
        for (const text of readHeader(value, ctx)) {
          const buf = decodeSignature(text, encoding);
          if (buf) candidates.push(buf);
        }
        if (candidates.length === 0) throw createError('GW_ERR_VERIFY_SIGNATURE_MISMATCH', 'no well-formed signature in the header');
        let ok: boolean;
        try {
          ok = await check({ message: message(ctx), candidates, ctx });
        } catch {
          ok = false;
        }
        if (!ok) throw createError('GW_ERR_VERIFY_SIGNATURE_MISMATCH');
        return next(ctx);
      };
    },
  };
}

