/**
 * Compiles what a provider's gateway issues itself: one-time `grants` (session requests) and the
 * tokens minted from them (`issue`: a JWS algorithm, a key set, a lifetime, claims from the grant and
 * settings). A key that is missing or does not suit its algorithm is a load problem naming the
 * variable; the provider then does not run (or start-up stops when it is listed in providers.enabled).
 */
import type { AmountRules } from '../compile/amount-rules.js';
import { CLAIM_ROOTS } from '../compile/compile-source.js';
import { compileTemplate, type Render } from '../compile/compile-template.js';
import type { Descriptor } from '../compile/descriptor.js';
import type { EngineDeps } from '../compile/engine.js';
import { collectProblem, ConfigProblem } from '../compile/problem.js';
import type { ResolvedSecrets } from '../compile/resolve-secrets.js';
import { JsonNumber } from '../json/json-number.js';
import type { JwsAlgorithm } from '../outbound/sign-jwt.js';
import type { RequestContext } from '../pipeline/context.js';
import { SESSION_FIELDS } from '../outbound/sessions.js';
import { compileGrant, type CompiledGrant, type GrantConfig } from './grants.js';
import { KeySet } from './key-set.js';

export interface IssuedTokenConfig {
  algorithm: JwsAlgorithm;
  /** Secret (`pem: true`) with one or several private keys; the first signs. */
  keys: string;
  lifetime_s: number;
  claims?: Record<string, unknown>;
  /** Cache-Control max-age of the JWKS answer. */
  jwks_max_age_s?: number;
}

export interface CompiledIssuedToken {
  readonly name: string;
  readonly keys: KeySet;
  readonly lifetimeS: number;
  readonly jwksMaxAgeS: number;
  /** Mints a token from the claims template (reading `ctx.grant`), `iat` = now, `exp` = now + lifetime. */
  mint(ctx: RequestContext): Promise<{ token: string; expires_at: string }>;
  /** The claims of a token signed by one of the keys and not expired; rejects otherwise. */
  verify(token: string, now: number): Promise<Record<string, unknown>>;
  readonly describe: string;
}

export interface CompiledIssued {
  readonly grants: ReadonlyMap<string, CompiledGrant>;
  readonly tokens: ReadonlyMap<string, CompiledIssuedToken>;
}

/** JWT claims are plain JSON: exact numbers become numbers here (claims are not money). */
function plain(v: unknown): unknown {
  if (v instanceof JsonNumber) return Number(v.raw);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function compileToken(d: Descriptor, name: string, cfg: IssuedTokenConfig, resolved: ResolvedSecrets, amounts: AmountRules): CompiledIssuedToken {
  const at = ['issue', name];
  const pem = resolved.secrets.get(cfg.keys);
  const env = d.secrets?.[cfg.keys]?.env ?? cfg.keys;
  if (!d.secrets?.[cfg.keys]) throw new ConfigProblem([...at, 'keys'], `secret \`${cfg.keys}\` is not declared`, 'declare it under secrets: with pem: true');
  if (!pem) throw new ConfigProblem([...at, 'keys'], `${env} is not set: ${name} tokens cannot be signed`, 'set it to PEM text or a path', 'GW_ERR_CONFIG_SECRET');
  const keys = KeySet.load(pem, cfg.algorithm, [...at, 'keys'], cfg.keys, env);
  const claims: Render | undefined = cfg.claims ? compileTemplate(cfg.claims, [...at, 'claims'], { amounts, settings: resolved.settings, roots: CLAIM_ROOTS }) : undefined;
  const lifetimeS = cfg.lifetime_s;
  // The issuer every token carries, when it is fixed (a literal, or a setting): tokens presented
  // back must carry it too (a token of another environment sharing the key is refused).
  const iss = cfg.claims?.['iss'];
  const issFrom = iss !== null && typeof iss === 'object' && typeof (iss as { $from?: unknown }).$from === 'string' ? (iss as { $from: string }).$from : undefined;
  const issuer = typeof iss === 'string' ? iss : issFrom?.startsWith('setting.') ? resolved.settings[issFrom.slice('setting.'.length)] : undefined;
  return Object.freeze({
    name,
    keys,
    lifetimeS,
    jwksMaxAgeS: cfg.jwks_max_age_s ?? 300,
    async mint(ctx: RequestContext) {
      const iat = Math.floor(ctx.now / 1000);
      const exp = iat + lifetimeS;
      const payload = { ...(plain(claims?.(ctx) ?? {}) as Record<string, unknown>), iat, exp };
      return { token: await keys.sign(payload), expires_at: new Date(exp * 1000).toISOString().replace('.000Z', 'Z') };
    },
    async verify(token: string, now: number) {
      return (await keys.verify(token, now, issuer)) as Record<string, unknown>;
    },
    describe: `${cfg.algorithm} JWT, ${keys.size} key${keys.size > 1 ? 's' : ''} (the first signs, all published), lifetime ${lifetimeS}s${cfg.claims ? `, claims ${Object.keys(cfg.claims).join(', ')}` : ''}`,
  });
}

/** @returns the compiled grants and tokens (empty maps when the descriptor declares none). */
export function compileIssued(d: Descriptor, resolved: ResolvedSecrets, amounts: AmountRules, deps: EngineDeps, problems: ConfigProblem[]): CompiledIssued {
  const grants = new Map<string, CompiledGrant>();
  for (const [name, cfg] of Object.entries(d.grants ?? {}) as [string, GrantConfig][]) {
    cfg.fields.forEach((f, i) => {
      if (!(SESSION_FIELDS as readonly string[]).includes(f)) problems.push(new ConfigProblem(['grants', name, 'fields', i], `\`${f}\` is not a field of a session request`, `known: ${SESSION_FIELDS.join(', ')}`));
    });
    grants.set(name, compileGrant(d.id, name, cfg, deps.store));
  }
  const tokens = new Map<string, CompiledIssuedToken>();
  for (const [name, cfg] of Object.entries(d.issue ?? {}) as [string, IssuedTokenConfig][]) {
    const t = collectProblem(problems, () => compileToken(d, name, cfg, resolved, amounts));
    if (t) tokens.set(name, t);
  }
  return { grants, tokens };
}
