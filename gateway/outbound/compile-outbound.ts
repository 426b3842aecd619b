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
import { catalogFeature, CATALOG_ANSWER, DEFAULT_MAX_PAGES, type CatalogFeature } from './catalog.js';
import { compileCall, type CallEnv, type CompiledCall, type CompiledToken } from './compile-call.js';
import type { CallConfig, TokenConfig } from './outbound-config.js';
import { outboundError } from './outbound-error.js';
import { sessionFeature, SESSION_FIELDS, type SessionFeature } from './sessions.js';
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
export function compileOutbound(d: Descriptor, resolved: ResolvedSecrets, amounts: AmountRules, deps: EngineDeps, problems: ConfigProblem[]): CompiledOutbound | undefined {
  if (!d.outbound && !d.sessions && !d.catalogs) return undefined;
  const tokens = new Map<string, CompiledToken & { call: CompiledCall }>();
  const env: CallEnv = { provider: d.id, outbound: d.outbound, settings: resolved.settings, secrets: resolved.secrets, declaredSecrets: new Set(Object.keys(d.secrets ?? {})), amounts, deps, tokens, declaredTokens: new Set(Object.keys(d.outbound?.tokens ?? {})) };
  const tokenMissing = new Map<string, Set<string>>();

  for (const [name, cfg] of Object.entries(d.outbound?.tokens ?? {})) {
    const at = ['outbound', 'tokens', name];
    if (cfg.call.token !== undefined) {
      problems.push(new ConfigProblem([...at, 'call', 'token'], 'a token call cannot itself use a token', 'remove token: from the token call'));
      continue;
    }
    const call = compileCall(cfg.call, [...at, 'call'], env, { label: `token ${name}`, inputFields: NO_INPUT, answerNames: TOKEN_ANSWER, requiredAnswer: ['token'] }, problems);
    if (!call) continue;
    const renewMs = (cfg.renew_before_s ?? DEFAULT_RENEW_BEFORE_S) * 1000;
    tokens.set(name, { name, call, cache: new TokenCache(tokenFetcher(name, cfg, call), renewMs, deps.now), header: (cfg.header ?? 'Authorization').toLowerCase(), prefix: cfg.prefix ?? 'Bearer ' });
    const miss = new Set(call.missing.map((s) => d.settings?.[s.slice('setting.'.length)]?.env ?? s));
    unsetRefs(cfg.call, d, resolved, miss);
    tokenMissing.set(name, miss);
  }

  /** Unset variables of a call and of the token it uses, as one reason (or undefined). */
  const reasonFor = (calls: readonly (CallConfig | undefined)[]): string | undefined => {
    const miss = new Set<string>();
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
    const call = compileCall(s.call, ['sessions', 'call'], env, use, problems);
    const demoCall = s.demo_call ? compileCall(s.demo_call, ['sessions', 'demo_call'], env, { ...use, label: 'demo sessions' }, problems) : undefined;
    if (call && (!s.demo_call || demoCall)) sessions = sessionFeature(s, call, demoCall, deps, d.id, reasonFor([s.call, s.demo_call]));
  }

  const catalogs = new Map<string, CatalogFeature>();
  for (const [name, c] of Object.entries(d.catalogs ?? {})) {
    const inputFields = new Set<string>([...(c.query ?? []), 'cursor']);
    const call = compileCall(c.call, ['catalogs', name, 'call'], env, { label: `catalog ${name}`, inputFields, answerNames: CATALOG_ANSWER, requiredAnswer: ['items'] }, problems);
    if (c.call.answer && c.call.answer['next_cursor'] !== undefined && c.call.answer['next_url'] !== undefined) problems.push(new ConfigProblem(['catalogs', name, 'call', 'answer'], 'next_cursor and next_url are exclusive', 'a provider pages by cursor or by next link'));
    if (call) catalogs.set(name, catalogFeature(d.id, name, c.query ?? [], c.max_pages ?? DEFAULT_MAX_PAGES, call, reasonFor([c.call])));
  }

  const callLines = (title: string, call: CompiledCall, extra: readonly string[] = [], unavailable?: string): string[] => [
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
        out.push('', ...callLines('POST /v1/sessions → sessions', sessions.call, sessions.describe, sessions.unavailable));
        if (sessions.demoCall) out.push('', ...callLines('POST /v1/sessions {demo: true} → demo sessions', sessions.demoCall, [], sessions.unavailable));
      }
      for (const [name, c] of catalogs) out.push('', ...callLines(`GET /v1/providers/${d.id}/catalog/${name}${c.query.length ? ` ?${c.query.join('&')}` : ''} (at most ${c.maxPages} pages)`, c.call, [], c.unavailable));
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
