/**
 * Source expressions: the one small grammar descriptors use to point at a value.
 *
 * | form | value |
 * |---|---|
 * | `body.a.b[0].c` | a path into the parsed JSON body (`body` alone: the whole body) |
 * | `header.X-Name` | a request header (case-insensitive; first value) |
 * | `param.id` | a path parameter of the route pattern (`/v1/rollbacks/{id}`) |
 * | `query.name` | a query-string parameter |
 * | `signature.t` | a parameter of a key-value signature header (`t=…,v1=…`) |
 * | `setting.name` | a provider setting (resolved at load time) |
 * | `canonical.field` | (templates) the canonical request field |
 * | `outcome.field` | (templates) the canonical outcome: balance, currency, wallet_transaction_id … |
 * | `error.code` / `error.message` / `error.canonical` | (templates) the error being rendered |
 * | `now.iso` / `now.unix` / `now.unix_ms` | (templates) the request's arrival time |
 * | `request.id` | (templates) the gateway's request id |
 * | `input.field` | (outbound calls) the operator's request: session fields, catalogue query parameters |
 * | `secret.name` | (outbound calls) a provider secret, as text: credentials a token call sends |
 * | `answer.a.b` | (outbound answers) a path into the provider's parsed JSON answer |
 * | `grant.field` | a one-time grant the gateway issued or redeemed: its `id`, `expires_at` and carried fields |
 * | `issued.token` / `issued.expires_at` | (templates) the token the gateway just minted |
 * | `claims.name` | (templates) a claim of the token a route verified |
 *
 * Each expression compiles once into an accessor; nothing is parsed per request.
 */
import { didYouMean } from '../config/did-you-mean.js';
import type { RequestContext } from '../pipeline/context.js';

export type Accessor = (ctx: RequestContext) => unknown;

export const REQUEST_ROOTS = ['body', 'header', 'param', 'query', 'signature', 'setting'] as const;
export const TEMPLATE_ROOTS = [...REQUEST_ROOTS, 'canonical', 'outcome', 'error', 'now', 'request', 'grant', 'issued', 'claims'] as const;
/** What an outbound call's path, query, headers and body may read (and a launch URL the gateway makes). */
export const OUTBOUND_ROOTS = ['input', 'setting', 'secret', 'now', 'request', 'grant'] as const;
/** What the claims of a token the gateway issues may read. */
export const CLAIM_ROOTS = ['grant', 'setting', 'now', 'request'] as const;
/** What an outbound call's answer mapping may read. */
export const ANSWER_ROOTS = ['answer', 'input', 'setting', 'now'] as const;
export type SourceRoot = (typeof TEMPLATE_ROOTS)[number] | (typeof OUTBOUND_ROOTS)[number] | (typeof ANSWER_ROOTS)[number];

/** Names only some positions know: the secrets of `secret.*`, the fields `input.*` may name. */
export interface SourceScope {
  secrets?: ReadonlyMap<string, Buffer>;
  /** Secret names declared (set or not): an unset optional secret reads as absent, not as a typo. */
  declaredSecrets?: ReadonlySet<string>;
  /** The operator fields `input.*` may read here; without it any name is accepted. */
  inputFields?: ReadonlySet<string>;
}

export interface CompiledSource {
  readonly text: string;
  readonly root: SourceRoot;
  readonly get: Accessor;
}

/** A failed compile: the message says what is wrong and the hint how to write it. */
export class SourceSyntaxError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

const SEGMENT = /^[A-Za-z0-9_$@\-]+$/;

/** Splits `a.b[0].c` into ['a', 'b', 0, 'c']. */
function splitPath(path: string, text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const dotted of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(dotted);
    if (!m || (m[1] === '' && !m[2])) throw new SourceSyntaxError(`bad path \`${text}\``, 'write body.a.b or body.items[0].id');
    if (m[1]) {
      if (!SEGMENT.test(m[1])) throw new SourceSyntaxError(`bad path segment \`${m[1]}\` in \`${text}\``, 'segments are letters, digits, _ - $ @');
      out.push(m[1]);
    }
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** Reads a path inside a parsed JSON value; undefined when any step is missing. */
function walker(path: readonly (string | number)[]): (v: unknown) => unknown {
  if (path.length === 0) return (v) => v;
  if (path.length === 1) {
    const k = path[0]!;
    return typeof k === 'number'
      ? (v) => (Array.isArray(v) ? v[k] : undefined)
      : (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined);
  }
  return (v) => {
    let cur: unknown = v;
    for (const k of path) {
      if (cur === null || typeof cur !== 'object') return undefined;
      if (typeof k === 'number') {
        if (!Array.isArray(cur)) return undefined;
        cur = cur[k];
      } else {
        if (Array.isArray(cur) || !Object.hasOwn(cur, k)) return undefined;
        cur = (cur as Record<string, unknown>)[k];
      }
    }
    return cur;
  };
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Formats a unix-ms instant as ISO 8601 UTC without milliseconds. */
function isoSeconds(ms: number): string {
  return new Date(ms - (ms % 1000)).toISOString().replace('.000Z', 'Z');
}

/**
 * Compiles a source expression into an accessor.
 *
 * @param allowed roots permitted in this position (request mappings may not read `outcome`).
 * @param settings resolved provider settings, for `setting.*`.
 * @example compileSource('body.playerId', REQUEST_ROOTS).get(ctx) // → 'player-1'
 */
export function compileSource(
  text: string,
  allowed: readonly SourceRoot[],
  settings: Readonly<Record<string, string | undefined>> = {},
  scope: SourceScope = {},
): CompiledSource {
  const dot = text.indexOf('.');
  const root = (dot === -1 ? text : text.slice(0, dot)) as SourceRoot;
  const rest = dot === -1 ? '' : text.slice(dot + 1);
  if (!(allowed as readonly string[]).includes(root)) {
    throw new SourceSyntaxError(
      `\`${text}\` does not start with a known source`,
      `start with one of: ${allowed.map((r) => `${r}.`).join(', ')}`,
    );
  }
  const needName = (what: string): string => {
    if (!rest) throw new SourceSyntaxError(`\`${text}\` names no ${what}`, `write ${root}.<${what}>`);
    return rest;
  };
  let get: Accessor;
  switch (root) {
    case 'body': {
      const walk = walker(rest ? splitPath(rest, text) : []);
      get = (ctx) => walk(ctx.body);
      break;
    }
    case 'header': {
      const name = needName('header name').toLowerCase();
      get = (ctx) => firstHeader(ctx.headers[name]);
      break;
    }
    case 'param': {
      const name = needName('parameter name');
      get = (ctx) => ctx.params[name];
      break;
    }
    case 'query': {
      const name = needName('parameter name');
      get = (ctx) => {
        ctx.queryParams ??= new URLSearchParams(ctx.query);
        return ctx.queryParams.get(name) ?? undefined;
      };
      break;
    }
    case 'signature': {
      const name = needName('parameter name');
      get = (ctx) => ctx.signatureParams?.[name];
      break;
    }
    case 'setting': {
      const name = needName('setting name');
      if (!Object.hasOwn(settings, name)) {
        throw new SourceSyntaxError(`setting \`${name}\` is not declared`, `declare it under settings: (known: ${Object.keys(settings).join(', ') || 'none'})`);
      }
      const value = settings[name];
      get = () => value;
      break;
    }
    case 'canonical': {
      const walk = walker(splitPath(needName('field'), text));
      get = (ctx) => walk(ctx.canonical);
      break;
    }
    case 'outcome': {
      const walk = walker(splitPath(needName('field'), text));
      get = (ctx) => walk(ctx.outcome);
      break;
    }
    case 'error': {
      const field = needName('field');
      if (field === 'canonical') get = (ctx) => ctx.errorView?.canonical;
      else if (field === 'message') get = (ctx) => ctx.errorView?.message;
      else if (field === 'code') get = (ctx) => ctx.errorView?.code;
      else if (field === 'balance') get = (ctx) => ctx.errorView?.balance;
      else throw new SourceSyntaxError(`unknown error field \`${field}\``, 'use error.code, error.message, error.canonical or error.balance');
      break;
    }
    case 'now': {
      const field = needName('format');
      if (field === 'iso') get = (ctx) => isoSeconds(ctx.now);
      else if (field === 'unix') get = (ctx) => String(Math.floor(ctx.now / 1000));
      else if (field === 'unix_ms') get = (ctx) => String(ctx.now);
      else throw new SourceSyntaxError(`unknown time format \`${field}\``, 'use now.iso, now.unix or now.unix_ms');
      break;
    }
    case 'input': {
      const segs = splitPath(needName('field'), text);
      const field = String(segs[0]);
      if (scope.inputFields && !scope.inputFields.has(field)) {
        const guess = didYouMean(field, scope.inputFields);
        throw new SourceSyntaxError(`\`${text}\`: the operator's request has no field \`${field}\``, guess ? `did you mean input.${guess}? (known: ${[...scope.inputFields].join(', ')})` : `known: ${[...scope.inputFields].join(', ')}`);
      }
      const walk = walker(segs);
      get = (ctx) => walk(ctx.input);
      break;
    }
    case 'answer': {
      const walk = walker(rest ? splitPath(rest, text) : []);
      get = (ctx) => walk(ctx.answer);
      break;
    }
    case 'grant': {
      const walk = walker(splitPath(needName('field'), text));
      get = (ctx) => walk(ctx.grant);
      break;
    }
    case 'issued': {
      const field = needName('field');
      if (field !== 'token' && field !== 'expires_at') throw new SourceSyntaxError(`unknown issued field \`${field}\``, 'use issued.token or issued.expires_at');
      get = (ctx) => ctx.issued?.[field];
      break;
    }
    case 'claims': {
      const walk = walker(splitPath(needName('claim'), text));
      get = (ctx) => walk(ctx.claims);
      break;
    }
    case 'secret': {
      const name = needName('secret name');
      const value = scope.secrets?.get(name);
      if (value === undefined && !scope.declaredSecrets?.has(name)) {
        const known = [...(scope.declaredSecrets ?? scope.secrets?.keys() ?? [])];
        const guess = didYouMean(name, known);
        throw new SourceSyntaxError(`secret \`${name}\` is not declared`, guess ? `did you mean secret.${guess}?` : `declare it under secrets: (known: ${known.join(', ') || 'none'})`);
      }
      const textValue = value?.toString('utf8');
      get = () => textValue;
      break;
    }
    case 'request': {
      const field = needName('field');
      if (field !== 'id') throw new SourceSyntaxError(`unknown request field \`${field}\``, 'use request.id');
      get = (ctx) => ctx.requestId;
      break;
    }
  }
  return Object.freeze({ text, root, get });
}
