/**
 * Public routes the gateway answers itself, with no wallet operation behind them (`serve:`):
 * - `redeem`: takes a one-time grant by the id the request carries (atomically, in the store) and
 *   mints a token from it → the route's response template (`issued.token`, `issued.expires_at`);
 * - `jwks`: the public keys of an issued token, as a cacheable JWK Set;
 * - `verify_token`: verifies a presented token (a header) → the template reads `claims.*`.
 * They skip the provider's `verify` block (a browser widget calls them), may override rows of the
 * error table (an unknown session request is 404 where the table says 401), and may allow browser
 * origins (CORS, with the preflight answered).
 */
import { createError, GatewayError } from '../errors.js';
import type { CompiledIssued } from '../issued/compile-issued.js';
import { stringifyJson } from '../json/stringify-json.js';
import type { Handler, Reply, RequestContext, Stage } from '../pipeline/context.js';
import { compose } from '../pipeline/context.js';
import { respondHandler } from '../pipeline/stages/respond.js';
import { storeDown } from '../pipeline/store-down.js';
import { compileErrors, type ErrorRenderer, type ErrorsConfig } from './compile-errors.js';
import { compileSource, REQUEST_ROOTS, SourceSyntaxError, type Accessor } from './compile-source.js';
import { compileTemplate } from './compile-template.js';
import { responseOf, type CompiledRoute, type RouteEnv } from './compile-route.js';
import type { RouteConfig } from './descriptor.js';
import { collectProblem, ConfigProblem, type Path } from './problem.js';

export interface ServeEnv extends RouteEnv {
  issued: CompiledIssued;
}

function source(text: string, at: Path, env: ServeEnv): Accessor {
  try {
    return compileSource(text, REQUEST_ROOTS, env.settings).get;
  } catch (e) {
    if (e instanceof SourceSyntaxError) throw new ConfigProblem(at, e.message, e.hint);
    throw e;
  }
}

/** A compiled CORS policy: the allowed origins, and the headers an allowed request gets. */
export interface Cors {
  origins: ReadonlySet<string>;
  maxAgeS: number;
}

/** Origins from URLs or origins (settings allowed): `{setting.widget_base_url}` → its origin. */
export function compileCors(cfg: RouteConfig['cors'], at: Path, env: ServeEnv): Cors | undefined {
  if (!cfg) return undefined;
  const origins = new Set<string>();
  cfg.origins.forEach((text, i) => {
    const rendered = text.replace(/\{setting\.([A-Za-z0-9_]+)\}/g, (_m, n: string) => {
      if (!Object.hasOwn(env.settings, n)) throw new ConfigProblem([...at, 'cors', 'origins', i], `setting \`${n}\` is not declared`);
      return env.settings[n] ?? '';
    });
    if (rendered === '*') return void origins.add('*');
    if (rendered === '') return; // an unset setting allows nothing
    try {
      origins.add(new URL(rendered).origin);
    } catch {
      throw new ConfigProblem([...at, 'cors', 'origins', i], `\`${rendered}\` is not a URL or origin`, 'write https://widget.example.com');
    }
  });
  return { origins, maxAgeS: cfg.max_age_s ?? 600 };
}

function allowedOrigin(cors: Cors, ctx: RequestContext): string | undefined {
  const o = ctx.headers.origin;
  if (typeof o !== 'string') return undefined;
  return cors.origins.has('*') ? '*' : cors.origins.has(o) ? o : undefined;
}

/** Adds the CORS answer headers to a reply for an allowed origin. */
export function corsStage(cors: Cors): Stage {
  return {
    name: 'cors',
    detail: `browser origins ${[...cors.origins].join(', ') || '(none set)'}`,
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const reply = await next(ctx);
        const origin = allowedOrigin(cors, ctx);
        if (!origin) return reply;
        return { ...reply, headers: { ...reply.headers, 'access-control-allow-origin': origin, vary: 'Origin' } };
      };
    },
  };
}

/** The OPTIONS preflight of a CORS route. */
export function preflightHandler(cors: Cors, method: string): Handler {
  return async (ctx) => {
    const origin = allowedOrigin(cors, ctx);
    const headers: Record<string, string> = { vary: 'Origin' };
    if (origin) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-allow-methods'] = method;
      headers['access-control-allow-headers'] = 'Content-Type, Session';
      headers['access-control-max-age'] = String(cors.maxAgeS);
    }
    return { status: 204, body: '', headers };
  };
}

/** Errors of this route rendered with its own table (the provider's, with its overrides). */
function errorStage(errors: ErrorRenderer): Stage {
  return {
    name: 'route-errors',
    detail: 'this route\'s error rows',
    wrap(next: Handler): Handler {
      return async (ctx) => {
        try {
          return await next(ctx);
        } catch (e) {
          if (e instanceof GatewayError) return errors.render(ctx, e);
          throw e;
        }
      };
    },
  };
}

export function compileServeRoute(route: RouteConfig, at: Path, env: ServeEnv, problems: ConfigProblem[]): CompiledRoute | undefined {
  const serve = route.serve!;
  const before = problems.length;
  const d = env.descriptor;
  const attempt = <T>(fn: () => T): T | undefined => collectProblem(problems, fn);
  const tenv = { amounts: env.amounts, settings: env.settings };
  const errors = route.errors ? attempt(() => compileErrors({ ...d.errors, codes: { ...d.errors.codes, ...route.errors } } as ErrorsConfig, ['errors'], tenv)) : env.errors;
  const cors = attempt(() => compileCors(route.cors, at, env));
  const token = (name: string, key: string) => {
    const t = env.issued.tokens.get(name);
    // A token declared but not compiled (its key is missing) has its own problem already.
    if (!t && !d.issue?.[name]) problems.push(new ConfigProblem([...at, 'serve', key], `no issued token named \`${name}\``, `declare it under issue: (known: ${[...env.issued.tokens.keys()].join(', ') || 'none'})`));
    return t;
  };
  let terminal: Handler | undefined;
  const own: Stage[] = [];
  let label: string;
  const respond = (): Handler | undefined => {
    const r = attempt(() => responseOf(route, at, env));
    if (!r) return undefined;
    const body = attempt(() => compileTemplate(r.cfg.body, [...r.path, 'body'], tenv));
    return body && errors ? respondHandler({ status: r.cfg.status ?? 200, headers: { 'content-type': 'application/json', ...r.cfg.headers }, body, errors }) : undefined;
  };
  if ('redeem' in serve) {
    label = `redeem ${serve.redeem}`;
    const grant = env.issued.grants.get(serve.redeem);
    if (!grant) problems.push(new ConfigProblem([...at, 'serve', 'redeem'], `no grant named \`${serve.redeem}\``, `declare it under grants: (known: ${[...env.issued.grants.keys()].join(', ') || 'none'})`));
    const mint = token(serve.mint, 'mint');
    const idGet = attempt(() => source(serve.id, [...at, 'serve', 'id'], env));
    terminal = respond();
    if (grant && mint && idGet) {
      const log = env.deps.log;
      own.push({
        name: 'redeem',
        detail: `${serve.id} → grant ${grant.name} (${grant.describe}), taken atomically; mint ${mint.name}: ${mint.describe}`,
        wrap: (next) => async (ctx) => {
          const id = idGet(ctx);
          if (id === undefined || id === null || id === '') throw createError('GW_ERR_REQUEST_FIELD_MISSING', `${serve.id} is required`);
          if (typeof id !== 'string' || !grant.wellFormed(id)) throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${serve.id} is not a ${grant.name} id`);
          // Minted before the grant is consumed: only the caller whose consume wins gets its token.
          const issued = await grant
            .redeem(id, ctx.now, async (record) => {
              const attemptCtx = { ...ctx, grant: record };
              return { record, token: await mint.mint(attemptCtx) };
            })
            .catch(storeDown);
          if (!issued) throw createError('GW_ERR_GRANT_UNKNOWN');
          ctx.grant = issued.record;
          ctx.issued = issued.token;
          ctx.outcome = { class: 'success' };
          log.info('grant redeemed', { provider: d.id, grant: grant.name, request_id: ctx.requestId, player_id: issued.record['player_id'], token_expires_at: ctx.issued.expires_at });
          return next(ctx);
        },
      });
    }
  } else if ('jwks' in serve) {
    label = `jwks ${serve.jwks}`;
    const t = token(serve.jwks, 'jwks');
    if (t) {
      const headers = { 'content-type': 'application/json', 'cache-control': `public, max-age=${t.jwksMaxAgeS}` };
      terminal = async (): Promise<Reply> => ({ status: 200, body: stringifyJson(await t.keys.jwks()), headers });
      own.push({ name: 'jwks', detail: `public keys of ${t.name} (${t.describe}), Cache-Control max-age=${t.jwksMaxAgeS}`, wrap: (next) => next });
    }
  } else {
    label = `verify ${serve.verify_token}`;
    const t = token(serve.verify_token, 'verify_token');
    const get = attempt(() => source(serve.from, [...at, 'serve', 'from'], env));
    terminal = respond();
    if (t && get) {
      own.push({
        name: 'verify-token',
        detail: `${serve.from} → ${t.name} (any listed key, by kid; expiry checked)`,
        wrap: (next) => async (ctx) => {
          const v = get(ctx);
          const text = typeof v === 'string' ? v.replace(/^Bearer\s+/i, '').trim() : '';
          if (!text) throw createError('GW_ERR_TOKEN_INVALID', `${serve.from} is missing`);
          try {
            ctx.claims = await t.verify(text, ctx.now);
          } catch {
            throw createError('GW_ERR_TOKEN_INVALID');
          }
          ctx.outcome = { class: 'success' };
          return next(ctx);
        },
      });
    }
  }
  if (problems.length > before || !terminal || !errors) return undefined;
  // CORS is applied by the route group (outermost, so even a parse failure carries it).
  const composed = compose([errors !== env.errors ? errorStage(errors) : undefined, ...own], terminal);
  return Object.freeze({
    name: route.name ?? label,
    method: route.method ?? 'POST',
    path: route.path,
    operation: label,
    ...(route.when ? { when: route.when } : {}),
    stages: Object.freeze(composed.stages),
    handler: composed.handler,
    ...(cors ? { cors } : {}),
  });
}
