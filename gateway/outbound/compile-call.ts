/**
 * Compiles one outbound call (a session launch, a catalogue page, a token call) into its steps,
 * once at load time:
 *
 *   render-request → token → sign → send → read-answer
 *
 * - render-request: URL from the base URL and the path template, query, headers and the JSON body
 *   from templates over the operator's request (`input.*`), settings, secrets and the clock;
 * - token: the bearer token of an `outbound.tokens` entry (a 401 renews it once and retries once);
 * - sign: the same recipe language that verifies callbacks, run in the signing direction
 *   (`signWithRecipe`), and/or a JWT minted per call;
 * - send: undici, one deadline for the whole exchange, the answer size-limited;
 * - read-answer: the error table first (status, and answer fields), then 2xx → the declared
 *   answer fields, anything else → 502 with the provider's status in the message.
 * No step logs a header, a body or a token.
 */
import { randomUUID } from 'node:crypto';
import { getGlobalDispatcher } from 'undici';
import type { AmountRules } from '../compile/amount-rules.js';
import { ANSWER_ROOTS, compileSource, OUTBOUND_ROOTS, SourceSyntaxError, type Accessor } from '../compile/compile-source.js';
import { compileTemplate, type Render } from '../compile/compile-template.js';
import type { EngineDeps } from '../compile/engine.js';
import { collectProblem, ConfigProblem, type Path } from '../compile/problem.js';
import { signWithRecipe } from '../compile/sign-request.js';
import { didYouMean } from '../config/did-you-mean.js';
import { JsonNumber } from '../json/json-number.js';
import { parseJson, type JsonValue } from '../json/parse-json.js';
import { stringifyJson } from '../json/stringify-json.js';
import type { RequestContext } from '../pipeline/context.js';
import { exchange, type ExchangeResult } from '../wallet/pool-exchange.js';
import type { CallConfig, HttpMethod, OutboundConfig, SignConfig } from './outbound-config.js';
import { outboundError, OutboundError } from './outbound-error.js';
import { compileJwt, jwtKey, type CompiledJwt } from './sign-jwt.js';
import { compileText } from './text-template.js';
import type { TokenCache } from './token-cache.js';

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_ANSWER_BYTES = 1 << 20;

export interface CompiledToken {
  name: string;
  cache: TokenCache;
  header: string;
  prefix: string;
}

export interface CallEnv {
  provider: string;
  outbound: OutboundConfig | undefined;
  settings: Readonly<Record<string, string | undefined>>;
  secrets: ReadonlyMap<string, Buffer>;
  declaredSecrets: ReadonlySet<string>;
  amounts: AmountRules;
  deps: EngineDeps;
  tokens: ReadonlyMap<string, CompiledToken>;
  /** Token names declared (compiled or not): a call naming one that failed is not reported twice. */
  declaredTokens?: ReadonlySet<string>;
  /** The environment variable behind a setting or secret, for "X is not set" messages. */
  envName?: (kind: 'setting' | 'secret', name: string) => string;
}

function envNameOf(env: CallEnv, kind: 'setting' | 'secret', name: string): string {
  return env.envName?.(kind, name) ?? `${kind} ${name}`;
}

/** What a use of a call (sessions, catalogues, tokens) lets it read and expects of its answer. */
export interface CallUse {
  /** For messages and logs, e.g. `sessions`, `catalog games`. */
  label: string;
  inputFields: ReadonlySet<string>;
  answerNames: readonly string[];
  requiredAnswer: readonly string[];
}

export interface CallAnswer {
  status: number;
  fields: Record<string, unknown>;
}

export interface RunOptions {
  requestId?: string;
  /** Send to this URL instead of the rendered one (a catalogue's next link; same origin only). */
  url?: string;
  /** This exchange's deadline instead of the call's `timeout_ms` (a wallet call's own budget). */
  timeoutMs?: number;
}

export interface CompiledCall {
  readonly label: string;
  readonly method: HttpMethod;
  /** The base URL's origin; undefined when the base URL is not configured. */
  readonly origin: string | undefined;
  readonly steps: readonly { name: string; detail: string }[];
  /** Variables the call needs that are unset (settings, optional signing secrets): the feature is unavailable until they are set. */
  readonly missing: readonly string[];
  run(input: Record<string, unknown>, opts?: RunOptions): Promise<CallAnswer>;
  /**
   * The exchange alone, for callers that read answers their own way (wallet adapters): the
   * transport result and a context whose `answer` is the parsed JSON body (undefined when not JSON).
   * Never rejects for provider failures; rejects only with an OutboundError for a request that
   * cannot be made (unset settings, a bad path value).
   */
  exchange(input: Record<string, unknown>, opts?: RunOptions): Promise<{ result: ExchangeResult; ctx: RequestContext }>;
}

interface Rendered {
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
  ctx: RequestContext;
  timeoutMs: number | undefined;
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof JsonNumber) return v.raw;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function source(text: string, at: Path, roots: readonly (typeof ANSWER_ROOTS)[number][], env: CallEnv, use: CallUse): Accessor {
  try {
    return compileSource(text, roots, env.settings, { inputFields: use.inputFields }).get;
  } catch (e) {
    if (e instanceof SourceSyntaxError) throw new ConfigProblem(at, e.message, e.hint);
    throw e;
  }
}

/** The base URL, rendered from settings at load time; undefined (with `missing`) when unset. */
function compileBase(cfg: CallConfig, at: Path, env: CallEnv, missing: string[]): URL | undefined {
  const text = cfg.base_url ?? env.outbound?.base_url;
  const where = cfg.base_url !== undefined ? [...at, 'base_url'] : ['outbound', 'base_url'];
  if (text === undefined) throw new ConfigProblem(at, 'the call has no base URL', 'set outbound.base_url (e.g. "{setting.base_url}") or base_url on the call');
  const tpl = compileText(text, where, ['setting'], env.settings, {}, false);
  let unset = false;
  for (const s of tpl.sources) {
    const name = s.slice('setting.'.length);
    if (env.settings[name] === undefined) {
      missing.push(envNameOf(env, 'setting', name));
      unset = true;
    }
  }
  if (unset) return undefined;
  const rendered = tpl.render({} as RequestContext);
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    throw new ConfigProblem(where, `base URL \`${tpl.constant ? rendered : text}\` is not a URL`, 'write https://host[:port][/prefix]');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigProblem(where, `base URL must be http or https, not ${url.protocol}`);
  return url;
}

function compileHeaders(env: CallEnv, cfg: CallConfig, at: Path, tenv: Parameters<typeof compileTemplate>[2]): [string, Render][] {
  const out = new Map<string, Render>();
  for (const [origin, headers] of [[['outbound', 'headers'], env.outbound?.headers], [[...at, 'headers'], cfg.headers]] as const) {
    for (const [name, node] of Object.entries(headers ?? {})) out.set(name.toLowerCase(), compileTemplate(node, [...origin, name], tenv));
  }
  return [...out];
}

interface CompiledSigner {
  detail: string;
  sign(r: Rendered): Promise<void>;
}

/** The secrets a recipe signs with (the first of a rotation list), declared but left unset. */
function unsetSigningSecrets(sign: SignConfig, env: CallEnv): string[] {
  const names = [
    ...(sign.credentials ?? []).map((c) => (Array.isArray(c.secret) ? c.secret[0] : c.secret)),
    sign.signature?.secrets?.[0],
    sign.signature?.signing_key,
    sign.jwt?.key,
  ].filter((n): n is string => n !== undefined);
  return names.filter((n) => env.declaredSecrets.has(n) && !env.secrets.has(n));
}

function compileSigner(sign: SignConfig | 'none' | undefined, at: Path, env: CallEnv, tenv: Parameters<typeof compileTemplate>[2], missing: string[]): CompiledSigner | undefined {
  if (sign === undefined || sign === 'none') return undefined;
  const resolved = { secrets: env.secrets as Map<string, Buffer>, settings: env.settings as Record<string, string | undefined> };
  const { jwt, ...recipe } = sign;
  const hasRecipe = Object.keys(recipe).length > 0;
  // An optional secret left unset makes the calls unavailable (503), not the provider invalid.
  const unset = unsetSigningSecrets(sign, env);
  if (unset.length > 0) {
    missing.push(...unset.map((n) => envNameOf(env, 'secret', n)));
    return { detail: `not configured (${unset.join(', ')} unset)`, sign: async () => undefined };
  }
  if (hasRecipe) {
    // Signing a dummy request at load time finds an unset or unusable key now, not per call.
    const probe = signWithRecipe(recipe, resolved, { method: 'POST', path: '/', body: Buffer.from('{}'), now: 0 });
    if (!probe.signed) throw new ConfigProblem(at, `cannot sign outbound calls: ${probe.reason ?? 'unknown reason'}`, 'list a set secret first (HMAC), or name a signing_key (public-key recipes)');
  }
  let minted: CompiledJwt | undefined;
  if (jwt) {
    const key = jwtKey(jwt, [...at, 'jwt'], env.secrets);
    const claims = jwt.claims ? compileTemplate(jwt.claims, [...at, 'jwt', 'claims'], tenv) : undefined;
    const kid = jwt.key_id !== undefined ? compileText(jwt.key_id, [...at, 'jwt', 'key_id'], ['setting'], env.settings, {}, false) : undefined;
    minted = compileJwt(jwt, key, claims, kid);
  }
  const parts = [
    ...(recipe.credentials ?? []).map((c) => `${c.header} credential`),
    ...(recipe.signature ? [`${recipe.signature.algorithm} ${recipe.signature.encoding ?? 'hex'} in ${recipe.signature.header ?? '?'} over ${(recipe.signature.message ?? ['body']).map((p) => (typeof p === 'string' ? p : 'literal' in p ? JSON.stringify(p.literal) : p.from)).join(' + ')}`] : []),
    ...(recipe.timestamp ? [`${recipe.timestamp.format} timestamp in ${recipe.timestamp.from}`] : []),
    ...(minted ? [minted.detail] : []),
  ];
  return {
    detail: parts.join('; '),
    async sign(r) {
      if (hasRecipe) {
        const query = r.url.search.startsWith('?') ? r.url.search.slice(1) : r.url.search;
        const signed = signWithRecipe(recipe, resolved, { method: r.ctx.method, path: r.url.pathname, query, body: r.body ?? Buffer.alloc(0), now: r.ctx.now, headers: r.headers });
        Object.assign(r.headers, signed.headers);
      }
      if (minted) r.headers[minted.header] = await minted.mint(r.ctx, r.body ?? Buffer.alloc(0));
    },
  };
}

interface CompiledErrorRow {
  statuses: ReadonlySet<number>;
  preds: { get: Accessor; values: ReadonlySet<string> }[];
  reply: { status: number; code: string; message?: string };
}

function compileErrorRows(cfg: CallConfig, at: Path, env: CallEnv, use: CallUse): CompiledErrorRow[] {
  return (cfg.errors ?? []).map((row, i) => ({
    statuses: new Set(Array.isArray(row.status) ? row.status : [row.status]),
    preds: Object.entries(row.when ?? {}).map(([src, want]) => ({
      get: source(src, [...at, 'errors', i, 'when', src], ANSWER_ROOTS, env, use),
      values: new Set((Array.isArray(want) ? want : [want]).map(String)),
    })),
    reply: row.reply,
  }));
}

function compileAnswer(cfg: CallConfig, at: Path, env: CallEnv, use: CallUse, problems: ConfigProblem[]): [string, Accessor][] {
  const out: [string, Accessor][] = [];
  const answer = cfg.answer ?? {};
  for (const [name, src] of Object.entries(answer)) {
    if (!use.answerNames.includes(name)) {
      const guess = didYouMean(name, use.answerNames);
      problems.push(new ConfigProblem([...at, 'answer', name], `${use.label} reads no answer field \`${name}\``, guess ? `did you mean \`${guess}\`? (known: ${use.answerNames.join(', ')})` : `known: ${use.answerNames.join(', ')}`));
      continue;
    }
    const get = collectProblem(problems, () => source(src, [...at, 'answer', name], ANSWER_ROOTS, env, use));
    if (get) out.push([name, get]);
  }
  for (const name of use.requiredAnswer) {
    if (!Object.hasOwn(answer, name)) problems.push(new ConfigProblem([...at, 'answer'], `${use.label} needs answer.${name}`, `map it from the provider's answer, e.g. ${name}: answer.${name}`));
  }
  return out;
}

function failureMessage(label: string, r: Extract<ExchangeResult, { failure: string }>): OutboundError {
  if (r.failure === 'timeout') return outboundError('PROVIDER_UNAVAILABLE', `${label}: no answer from the provider (${r.message})`);
  if (r.failure === 'too-large') return outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider's ${r.message}`);
  return outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider could not be reached (${r.message})`);
}

function parseAnswer(body: Buffer): JsonValue | undefined {
  if (body.length === 0) return undefined;
  try {
    return parseJson(body);
  } catch {
    return undefined;
  }
}

/**
 * @returns the compiled call, or undefined with `problems` filled.
 * @example compileCall(d.sessions.call, ['sessions', 'call'], env, { label: 'sessions', inputFields, answerNames: ['launch_url'], requiredAnswer: ['launch_url'] }, problems)
 */
export function compileCall(cfg: CallConfig, at: Path, env: CallEnv, use: CallUse, problems: ConfigProblem[]): CompiledCall | undefined {
  const before = problems.length;
  const attempt = <T>(fn: () => T): T | undefined => collectProblem(problems, fn);
  const method = cfg.method ?? 'POST';
  const tenv = { amounts: env.amounts, settings: env.settings, roots: OUTBOUND_ROOTS, scope: { secrets: env.secrets, declaredSecrets: env.declaredSecrets, inputFields: use.inputFields } };
  const missing: string[] = [];
  const base = attempt(() => compileBase(cfg, at, env, missing));
  const pathTpl = attempt(() => compileText(cfg.path, [...at, 'path'], OUTBOUND_ROOTS, env.settings, tenv.scope, true));
  const query = Object.entries(cfg.query ?? {}).map(([k, node]) => [k, attempt(() => compileTemplate(node, [...at, 'query', k], tenv))] as const);
  const headers = attempt(() => compileHeaders(env, cfg, at, tenv));
  const body = cfg.body !== undefined ? attempt(() => compileTemplate(cfg.body, [...at, 'body'], tenv)) : undefined;
  if (cfg.body !== undefined && (method === 'GET' || method === 'DELETE')) problems.push(new ConfigProblem([...at, 'body'], `a ${method} call sends no body`, 'remove body:, or use POST'));
  const signer = attempt(() => compileSigner(cfg.sign ?? env.outbound?.sign, cfg.sign !== undefined ? [...at, 'sign'] : ['outbound', 'sign'], env, tenv, missing));
  let token: CompiledToken | undefined;
  let tokenFailed = false;
  if (cfg.token !== undefined) {
    token = env.tokens.get(cfg.token);
    const declared = env.declaredTokens ?? new Set(env.tokens.keys());
    if (!token && declared.has(cfg.token)) tokenFailed = true; // its own problems are reported
    else if (!token) {
      const guess = didYouMean(cfg.token, declared);
      problems.push(new ConfigProblem([...at, 'token'], `no outbound token named \`${cfg.token}\``, guess ? `did you mean \`${guess}\`?` : `declare it under outbound.tokens (known: ${[...declared].join(', ') || 'none'})`));
    }
  }
  const errorRows = attempt(() => compileErrorRows(cfg, at, env, use)) ?? [];
  const answer = compileAnswer(cfg, at, env, use, problems);
  if (problems.length > before || tokenFailed || !pathTpl || !headers) return undefined;

  const timeoutMs = cfg.timeout_ms ?? env.outbound?.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = cfg.max_answer_bytes ?? env.outbound?.max_answer_bytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const { provider, deps } = env;
  const label = use.label;
  const basePath = base ? base.pathname.replace(/\/$/, '') : '';

  const render = (input: Record<string, unknown>, opts: RunOptions): Rendered => {
    const ctx = { requestId: opts.requestId ?? randomUUID(), method, path: '', query: '', headers: {}, raw: Buffer.alloc(0), now: deps.now(), params: {}, input } as RequestContext;
    let url: URL;
    if (opts.url !== undefined) {
      url = new URL(opts.url, base);
      if (url.origin !== base!.origin) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider's next link points at another origin (${url.origin}); not followed`);
    } else {
      url = new URL(base!.origin + basePath + pathTpl.render(ctx));
      // Belt and braces: whatever the path rendered to, the call stays below the base URL.
      if (url.origin !== base!.origin || !url.pathname.startsWith(`${basePath}/`)) throw outboundError('INVALID_REQUEST', `${label}: the request's values do not make a path below the provider's base URL`);
      for (const [k, r] of query) {
        const v = asText(r?.(ctx));
        if (v !== undefined) url.searchParams.append(k, v);
      }
    }
    const h: Record<string, string> = { accept: 'application/json', 'x-request-id': ctx.requestId };
    for (const [k, r] of headers) {
      const v = asText(r(ctx));
      if (v !== undefined) h[k] = v;
    }
    let bytes: Buffer | undefined;
    if (body) {
      bytes = Buffer.from(stringifyJson(body(ctx)), 'utf8');
      h['content-type'] = 'application/json';
    }
    return { url, headers: h, body: bytes, ctx, timeoutMs: opts.timeoutMs };
  };

  const send = async (r: Rendered): Promise<ExchangeResult> => {
    await signer?.sign(r);
    const flat: string[] = [];
    for (const [k, v] of Object.entries(r.headers)) flat.push(k, v);
    return exchange(deps.http ?? getGlobalDispatcher(), { origin: r.url.origin, path: r.url.pathname + r.url.search, method, headers: flat, ...(r.body ? { body: r.body } : {}), deadlineMs: r.timeoutMs ?? timeoutMs, maxBytes });
  };

  const withToken = async (r: Rendered): Promise<ExchangeResult> => {
    if (!token) return send(r);
    const attemptWith = async (t: string): Promise<ExchangeResult> => send({ ...r, headers: { ...r.headers, [token!.header]: `${token!.prefix}${t}` } });
    const first = await getToken(token, label);
    const res = await attemptWith(first);
    if (res.failure || res.status !== 401) return res;
    // Refused: the token may have been revoked before its time. Renew once, retry once.
    token.cache.invalidate(first);
    return attemptWith(await getToken(token, label));
  };

  const read = (res: ExchangeResult, ctx: RequestContext): CallAnswer => {
    if (res.failure) throw failureMessage(label, res);
    const parsed = parseAnswer(res.body);
    ctx.answer = parsed as JsonValue;
    for (const row of errorRows) {
      if (!row.statuses.has(res.status)) continue;
      if (!row.preds.every((p) => {
        const v = asText(p.get(ctx));
        return v !== undefined && p.values.has(v);
      })) continue;
      throw new OutboundError(row.reply.status, row.reply.code, row.reply.message ?? `${label}: the provider refused the call (HTTP ${res.status})`, res.status);
    }
    if (res.status < 200 || res.status > 299) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider answered HTTP ${res.status}`, res.status);
    if (answer.length > 0 && parsed === undefined) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider's answer (HTTP ${res.status}) is not JSON`, res.status);
    const fields: Record<string, unknown> = {};
    for (const [name, get] of answer) {
      const v = get(ctx);
      if (v !== undefined && v !== null) fields[name] = v;
    }
    for (const name of use.requiredAnswer) {
      if (fields[name] === undefined) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider's answer has no ${name} (${cfg.answer?.[name] ?? ''})`, res.status);
    }
    return { status: res.status, fields };
  };

  const steps = [
    { name: 'render-request', detail: `${method} ${base ? base.origin + basePath : '(base URL not set)'}${cfg.path}${query.length ? `?${query.map(([k]) => k).join('&')}` : ''}${body ? ', JSON body' : ''}${headers.length ? `, headers ${headers.map(([k]) => k).join(', ')}` : ''}` },
    ...(token ? [{ name: 'token', detail: `${token.name} in ${token.header} (cached, renewed before expiry; a 401 renews once and retries once)` }] : []),
    ...(signer ? [{ name: 'sign', detail: signer.detail }] : [{ name: 'sign', detail: 'unsigned' }]),
    { name: 'send', detail: `timeout ${timeoutMs}ms, answer at most ${maxBytes} bytes` },
    { name: 'read-answer', detail: `${errorRows.length ? `${errorRows.length} error row${errorRows.length > 1 ? 's' : ''}, then ` : ''}2xx → ${answer.map(([n]) => n).join(', ') || '(nothing read)'}; anything else → 502` },
  ];

  return Object.freeze({
    label,
    method,
    origin: base?.origin,
    steps,
    missing,
    async exchange(input: Record<string, unknown>, opts: RunOptions = {}) {
      if (!base || missing.length > 0) throw outboundError('PROVIDER_NOT_CONFIGURED', `${label}: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
      const r = render(input, opts);
      const result = await withToken(r);
      if (!result.failure) r.ctx.answer = parseAnswer(result.body) as JsonValue;
      return { result, ctx: r.ctx };
    },
    async run(input: Record<string, unknown>, opts: RunOptions = {}): Promise<CallAnswer> {
      if (!base || missing.length > 0) throw outboundError('PROVIDER_NOT_CONFIGURED', `${label}: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
      const started = Date.now();
      let status: number | string = 'error';
      try {
        const r = render(input, opts);
        const res = await withToken(r);
        status = res.failure !== undefined ? res.failure : res.status;
        return read(res, r.ctx);
      } finally {
        deps.log.info('outbound call', { provider, call: label, status, ms: Date.now() - started });
      }
    },
  });
}

async function getToken(token: CompiledToken, label: string): Promise<string> {
  try {
    return await token.cache.get();
  } catch (e) {
    const why = e instanceof OutboundError ? e.message : 'the token call failed';
    throw outboundError('PROVIDER_UNAVAILABLE', `${label}: could not obtain the ${token.name} token (${why})`);
  }
}
