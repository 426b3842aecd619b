/**
 * Compiles a descriptor's outbound half — `outbound` (defaults and tokens), `sessions`, `catalogs` —
 * into features the admin API runs. Each call compiles once (compile-call.ts); a feature whose
 * settings or optional secrets are unset compiles anyway and reports itself unavailable, naming the
 * variables, so the provider's callbacks keep running while its launches wait for configuration.
 */
import type { AmountRules } from '../compile/amount-rules.js';
import type { Descriptor } from '../compile/descriptor.js';
import type { EngineDeps } from '../compile/engine.js';
import { ConfigProblem } from '../compile/problem.js';
import type { ResolvedSecrets } from '../compile/resolve-secrets.js';
import { JsonNumber } from '../json/json-number.js';
import { catalogFeature, CATALOG_ANSWER, DEFAULT_CATALOG_TIMEOUT_MS, DEFAULT_MAX_ITEMS, DEFAULT_MAX_PAGES, type CatalogFeature } from './catalog.js';
import { compileCall, type CallEnv, type CompiledCall, type CompiledToken } from './compile-call.js';
import type { CallConfig, TokenConfig } from './outbound-config.js';
import { outboundError } from './outbound-error.js';
import { callLauncher, sessionFeature, SESSION_FIELDS, type Launcher, type SessionFeature } from './sessions.js';
import type { CompiledIssued } from '../issued/compile-issued.js';
import { compileTemplate } from '../compile/compile-template.js';
import { OUTBOUND_ROOTS } from '../compile/compile-source.js';
import { compileText } from './text-template.js';
import { collectProblem } from '../compile/problem.js';
import type { SessionsConfig } from './outbound-config.js';
import type { RequestContext } from '../pipeline/context.js';
import { TokenCache } from './token-cache.js';

export interface CompiledOutbound {
  readonly sessions: SessionFeature | undefined;
  readonly catalogs: ReadonlyMap<string, CatalogFeature>;
  readonly tokens: ReadonlyMap<string, CompiledToken & { call: CompiledCall }>;
  /** Lines for `gateway inspect`. */
  describe(): string[];
  /** For `GET /v1/providers`: what is offered and what is not configured (never a token). */
  listing(): Record<string, unknown>;
}

const SESSION_ANSWER = ['launch_url', 'session_token', 'expires_at'];
const TOKEN_ANSWER = ['token', 'expires_in'];
const NO_INPUT: ReadonlySet<string> = new Set();
const DEFAULT_RENEW_BEFORE_S = 60;
const DEFAULT_FAILURE_BACKOFF_S = 5;

/**
 * Environment variables a feature needs and that are unset: `setting.x` / `secret.x` read without a
 * `$default`, and `{setting.x}` placeholders.
 */
function unsetRefs(node: unknown, d: Descriptor, resolved: ResolvedSecrets, out: Set<string>): void {
  const check = (src: string): void => {
    const [root, name] = src.split('.', 2) as [string, string | undefined];
    if (!name) return;
    if (root === 'setting' && resolved.settings[name] === undefined) out.add(d.settings?.[name]?.env ?? `setting ${name}`);
    if (root === 'secret' && !resolved.secrets.has(name)) out.add(d.secrets?.[name]?.env ?? `secret ${name}`);
  };
  if (typeof node === 'string') {
    for (const m of node.matchAll(/\{((?:setting|secret)\.[A-Za-z0-9_]+)\}/g)) check(m[1]!);
    return;
  }
  if (Array.isArray(node)) return node.forEach((n) => unsetRefs(n, d, resolved, out));
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (typeof o['$from'] === 'string') {
    if (!Object.hasOwn(o, '$default')) check(o['$from']);
    return;
  }
  if (Array.isArray(o['$from'])) {
    // A chain needs only one source set; it is missing when none can be (or an input may fill it).
    const chain = o['$from'] as string[];
    if (Object.hasOwn(o, '$default') || chain.some((src) => !/^(setting|secret)\./.test(src))) return;
    const miss = new Set<string>();
    for (const src of chain) unsetRefs({ $from: src }, d, resolved, miss);
    if (miss.size === chain.length) for (const m of miss) out.add(m);
    return;
  }
  for (const v of Object.values(o)) unsetRefs(v, d, resolved, out);
}

function lifetimeOf(v: unknown): number | undefined {
  const t = v instanceof JsonNumber ? v.raw : typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : undefined;
  if (t === undefined || !/^\d{1,9}(\.\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 ? n : undefined;
}

function tokenFetcher(name: string, cfg: TokenConfig, call: CompiledCall): () => Promise<{ token: string; lifetimeS: number }> {
  return async () => {
    const a = await call.run({});
    const token = a.fields['token'];
    if (typeof token !== 'string' || token === '') throw outboundError('PROVIDER_UNAVAILABLE', `token ${name}: the answer carries no token`);
    const lifetimeS = lifetimeOf(a.fields['expires_in']) ?? cfg.default_lifetime_s;
    if (lifetimeS === undefined) throw outboundError('PROVIDER_UNAVAILABLE', `token ${name}: the answer carries no usable expires_in`);
    return { token, lifetimeS };
  };
}

/**
 * @returns the compiled outbound half (undefined when the descriptor declares none), with
 *   `problems` filled for every mistake.
 */
export function compileOutbound(d: Descriptor, resolved: ResolvedSecrets, amounts: AmountRules, deps: EngineDeps, problems: ConfigProblem[], issued: CompiledIssued): CompiledOutbound | undefined {
  if (!d.outbound && !d.sessions && !d.catalogs) return undefined;
  const tokens = new Map<string, CompiledToken & { call: CompiledCall }>();
  const env: CallEnv = { provider: d.id, outbound: d.outbound, settings: resolved.settings, secrets: resolved.secrets, declaredSecrets: new Set(Object.keys(d.secrets ?? {})), amounts, deps, tokens, declaredTokens: new Set(Object.keys(d.outbound?.tokens ?? {})), envName: (kind, name) => (kind === 'setting' ? d.settings?.[name]?.env : d.secrets?.[name]?.env) ?? `${kind} ${name}` };
  const tokenMissing = compileTokens(d.outbound?.tokens, env, deps, problems, (c, miss) => unsetRefs(c, d, resolved, miss));

  /** Unset variables of a call and of the token it uses, as one reason (or undefined). */
  const reasonFor = (calls: readonly (CallConfig | undefined)[], ...compiled: (CompiledCall | undefined)[]): string | undefined => {
    const miss = new Set<string>(compiled.flatMap((c) => c?.missing ?? []));
    for (const c of calls) {
      if (!c) continue;
      unsetRefs(c, d, resolved, miss);
      unsetRefs(c.base_url ?? d.outbound?.base_url, d, resolved, miss);
      unsetRefs(d.outbound?.headers, d, resolved, miss);
      if (c.token) for (const m of tokenMissing.get(c.token) ?? []) miss.add(m);
    }
    return miss.size ? `${[...miss].join(', ')} ${miss.size > 1 ? 'are' : 'is'} not set` : undefined;
  };

  let sessions: SessionFeature | undefined;
  const s = d.sessions;
  if (s) {
    const inputFields = new Set<string>(SESSION_FIELDS);
    const use = { label: 'sessions', inputFields, answerNames: SESSION_ANSWER, requiredAnswer: ['launch_url'] };
    (s.require ?? []).forEach((f, i) => {
      if (!inputFields.has(f)) problems.push(new ConfigProblem(['sessions', 'require', i], `\`${f}\` is not a field of a session request`, `known: ${SESSION_FIELDS.join(', ')}`));
    });
    if (s.demo && s.demo_call) problems.push(new ConfigProblem(['sessions', 'demo'], 'demo: true and demo_call are exclusive', 'keep demo_call for an own demo endpoint, or demo: true to use call'));
    if ((s.call === undefined) === (s.grant === undefined)) {
      problems.push(new ConfigProblem(['sessions'], 'sessions need exactly one of call (the provider opens the session) and grant (the gateway issues it)', 'add call: {…}, or grant: NAME with launch: {…}'));
    } else if (s.call) {
      const call = compileCall(s.call, ['sessions', 'call'], env, use, problems);
      const demoCall = s.demo_call ? compileCall(s.demo_call, ['sessions', 'demo_call'], env, { ...use, label: 'demo sessions' }, problems) : undefined;
      if (call && (!s.demo_call || demoCall)) sessions = sessionFeature(s, callLauncher(call, demoCall), demoCall, deps, d.id, reasonFor([s.call, s.demo_call], call, demoCall));
    } else {
      const launcher = grantLauncher(s, issued, env, problems);
      const miss = new Set<string>();
      unsetRefs(s.launch, d, resolved, miss);
      // The tokens the session will be redeemed for must not be minted without their claims (an iss).
      unsetRefs(d.issue, d, resolved, miss);
      if (launcher) sessions = sessionFeature(s, launcher, undefined, deps, d.id, miss.size ? `${[...miss].join(', ')} ${miss.size > 1 ? 'are' : 'is'} not set` : undefined);
    }
  }

  const catalogs = new Map<string, CatalogFeature>();
  for (const [name, c] of Object.entries(d.catalogs ?? {})) {
    const inputFields = new Set<string>([...(c.query ?? []), 'cursor']);
    const call = compileCall(c.call, ['catalogs', name, 'call'], env, { label: `catalog ${name}`, inputFields, answerNames: CATALOG_ANSWER, requiredAnswer: ['items'] }, problems);
    if (c.call.answer && c.call.answer['next_cursor'] !== undefined && c.call.answer['next_url'] !== undefined) problems.push(new ConfigProblem(['catalogs', name, 'call', 'answer'], 'next_cursor and next_url are exclusive', 'a provider pages by cursor or by next link'));
    const limits = { maxPages: c.max_pages ?? DEFAULT_MAX_PAGES, maxItems: c.max_items ?? DEFAULT_MAX_ITEMS, timeoutMs: c.timeout_ms ?? DEFAULT_CATALOG_TIMEOUT_MS };
    if (call) catalogs.set(name, catalogFeature(d.id, name, c.query ?? [], limits, call, reasonFor([c.call], call)));
  }

  const callLines = (title: string, call: { steps: readonly { name: string; detail: string }[] }, extra: readonly string[] = [], unavailable?: string): string[] => [
    `  ${title}${unavailable ? ` — NOT CONFIGURED: ${unavailable}` : ''}`,
    ...extra.map((e) => `       ${e}`),
    ...call.steps.map((st, i) => `    ${String(i + 1).padStart(2)}. ${st.name.padEnd(18)} ${st.detail}`),
  ];

  return Object.freeze({
    sessions,
    catalogs,
    tokens,
    describe(): string[] {
      const out: string[] = [];
      for (const [name, t] of tokens) out.push('', ...callLines(`token ${name} (for calls naming token: ${name})`, t.call));
      if (sessions) {
        out.push('', ...callLines('POST /v1/sessions → sessions', sessions.launcher, sessions.describe, sessions.unavailable));
        if (sessions.demoCall) out.push('', ...callLines('POST /v1/sessions {demo: true} → demo sessions', sessions.demoCall, [], sessions.unavailable));
      }
      for (const [name, c] of catalogs) out.push('', ...callLines(`GET /v1/providers/${d.id}/catalog/${name}${c.query.length ? ` ?${c.query.join('&')}` : ''} (at most ${c.maxPages} pages, ${c.limits.maxItems} items, ${c.limits.timeoutMs} ms)`, c.call, [], c.unavailable));
      return out;
    },
    listing(): Record<string, unknown> {
      return {
        ...(sessions ? { sessions: { demo: sessions.demoCall !== undefined || d.sessions?.demo === true, ...(sessions.unavailable ? { unavailable: sessions.unavailable } : {}) } } : {}),
        catalogs: [...catalogs.values()].map((c) => ({ name: c.name, query: c.query, ...(c.unavailable ? { unavailable: c.unavailable } : {}) })),
        tokens: [...tokens.values()].map((t) => ({ name: t.name, ...t.cache.state(), renewals: t.cache.fetches })),
      };
    },
  });
}

/**
 * Sessions the gateway issues itself: a one-time grant carrying the session fields, handed to the
 * operator inside a launch URL (`{setting.widget_base_url}?session_request_id={grant.id}&…`); the
 * widget redeems it on a served route. `expires_at` is the grant's.
 */
function grantLauncher(s: SessionsConfig, issued: CompiledIssued, env: CallEnv, problems: ConfigProblem[]): Launcher | undefined {
  const grant = issued.grants.get(s.grant!);
  if (!grant) {
    problems.push(new ConfigProblem(['sessions', 'grant'], `no grant named \`${s.grant}\``, `declare it under grants: (known: ${[...issued.grants.keys()].join(', ') || 'none'})`));
    return undefined;
  }
  if (!s.launch) {
    problems.push(new ConfigProblem(['sessions'], 'sessions with a grant need launch: {base_url, query}', 'say where the launch URL points and how it carries the grant id'));
    return undefined;
  }
  const scope = { inputFields: new Set<string>(SESSION_FIELDS) };
  const tenv = { amounts: env.amounts, settings: env.settings, roots: OUTBOUND_ROOTS, scope };
  const base = collectProblem(problems, () => compileText(s.launch!.base_url, ['sessions', 'launch', 'base_url'], ['setting'], env.settings, {}, false));
  const query = Object.entries(s.launch.query ?? {}).map(([k, node]) => [k, collectProblem(problems, () => compileTemplate(node, ['sessions', 'launch', 'query', k], tenv))] as const);
  if (!base || query.some(([, r]) => !r)) return undefined;
  const now = env.deps.now;
  return {
    steps: [
      { name: 'issue-grant', detail: `grant ${grant.name}: ${grant.describe}, kept in the store` },
      { name: 'launch-url', detail: `${s.launch.base_url}?${query.map(([k]) => k).join('&')}` },
    ],
    async launch(input) {
      const record = await grant.issue(input, now()).catch((e: unknown) => {
        throw outboundError('STORE_UNAVAILABLE', `sessions: the session request could not be stored (${e instanceof Error ? e.name : 'error'}); nothing was issued, try again`);
      });
      const ctx = { requestId: '', method: 'POST', path: '', query: '', headers: {}, raw: Buffer.alloc(0), now: now(), params: {}, input, grant: record } as RequestContext;
      let url: URL;
      try {
        url = new URL(base.render(ctx));
      } catch {
        throw outboundError('PROVIDER_NOT_CONFIGURED', 'sessions: the launch base URL is not a URL');
      }
      for (const [k, r] of query) {
        const v = r!(ctx);
        if (v !== undefined && v !== null) url.searchParams.set(k, typeof v === 'object' && 'raw' in (v as object) ? String((v as { raw: unknown }).raw) : String(v));
      }
      return { launch_url: url.toString(), expires_at: record['expires_at'] };
    },
  };
}

/**
 * Compiles `outbound.tokens` into `env.tokens` (each a TokenCache over its login call); returns, per
 * token, the variables its call needs that are unset.
 */
export function compileTokens(cfgs: Readonly<Record<string, TokenConfig>> | undefined, env: CallEnv, deps: EngineDeps, problems: ConfigProblem[], unset?: (call: CallConfig, miss: Set<string>) => void): Map<string, Set<string>> {
  const tokens = env.tokens as Map<string, CompiledToken & { call: CompiledCall }>;
  const tokenMissing = new Map<string, Set<string>>();
  for (const [name, cfg] of Object.entries(cfgs ?? {})) {
    const at = ['outbound', 'tokens', name];
    if (cfg.call.token !== undefined) {
      problems.push(new ConfigProblem([...at, 'call', 'token'], 'a token call cannot itself use a token', 'remove token: from the token call'));
      continue;
    }
    const call = compileCall(cfg.call, [...at, 'call'], env, { label: `token ${name}`, inputFields: NO_INPUT, answerNames: TOKEN_ANSWER, requiredAnswer: ['token'] }, problems);
    if (!call) continue;
    const renewMs = (cfg.renew_before_s ?? DEFAULT_RENEW_BEFORE_S) * 1000;
    tokens.set(name, { name, call, cache: new TokenCache(tokenFetcher(name, cfg, call), renewMs, deps.now, (cfg.failure_backoff_s ?? DEFAULT_FAILURE_BACKOFF_S) * 1000), header: (cfg.header ?? 'Authorization').toLowerCase(), prefix: cfg.prefix ?? 'Bearer ' });
    const miss = new Set(call.missing);
    unset?.(cfg.call, miss);
    tokenMissing.set(name, miss);
  }

  return tokenMissing;
}
