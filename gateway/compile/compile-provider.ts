/**
 * Compiles one validated descriptor into a frozen route table. Everything the request path needs is
 * prepared here: header names lower-cased, signature recipes built, sources resolved into accessors,
 * templates into render functions. Nothing in the YAML is interpreted per request.
 */
import { createError } from '../errors.js';
import { JsonNumber } from '../json/json-number.js';
import { compose, type Handler, type RequestContext, type Stage } from '../pipeline/context.js';
import { parseJsonStage } from '../pipeline/stages/parse-json.js';
import { checkPluginUses } from '../plugins/check-plugin-uses.js';
import { compileAmountRules } from './amount-rules.js';
import { compileErrors, type ErrorRenderer } from './compile-errors.js';
import { compileRoute, type CompiledRoute } from './compile-route.js';
import { compileSource, REQUEST_ROOTS, SourceSyntaxError } from './compile-source.js';
import { compileVerify } from './compile-verify.js';
import type { Descriptor, RouteConfig } from './descriptor.js';
import type { EngineDeps } from './engine.js';
import { ConfigProblem } from './problem.js';
import type { ResolvedSecrets } from './resolve-secrets.js';
import { compileOutbound, type CompiledOutbound } from '../outbound/compile-outbound.js';
import { compileIssued } from '../issued/compile-issued.js';
import { compileServeRoute, corsStage, preflightHandler } from './compile-serve.js';

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
}

export interface CompiledProvider {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly bodyLimit: number;
  readonly errors: ErrorRenderer;
  /** Every route with its full stage list (shared verification + its own), for inspect. */
  readonly routes: readonly { route: CompiledRoute; shared: readonly Stage[] }[];
  /** Finds the handler for a method and a path below the mount. */
  match(method: string, subpath: string): RouteMatch | undefined;
  /** The methods some route of this provider answers on `subpath` (for a 405's Allow header). */
  allowed(subpath: string): string[];
  /** Secret names running on sandbox values (announced at start-up). */
  readonly sandboxed: readonly string[];
  readonly descriptor: Descriptor;
  /** The calls the operator makes to this provider (sessions, catalogues), when declared. */
  readonly outbound: CompiledOutbound | undefined;
}

interface PathGroup {
  method: string;
  segments: ({ literal: string } | { param: string })[];
  handler: Handler;
}

function splitPattern(path: string): PathGroup['segments'] {
  return path.split('/').slice(1).map((seg) => (seg.startsWith('{') ? { param: seg.slice(1, -1) } : { literal: seg }));
}

function whenKey(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof JsonNumber) return v.raw;
  return undefined;
}

/** The `dispatch` terminal: picks the route whose `when` matches; a route without `when` is the fallback. */
function dispatcher(routes: readonly { cfg: RouteConfig; compiled: CompiledRoute }[], settings: Readonly<Record<string, string | undefined>>): Handler {
  if (routes.length === 1 && !routes[0]!.cfg.when) {
    const { handler, name } = routes[0]!.compiled;
    return (ctx) => {
      ctx.routeName = name;
      return handler(ctx);
    };
  }
  const tests = routes.map(({ cfg, compiled }) => ({
    compiled,
    preds: Object.entries(cfg.when ?? {}).map(([src, want]) => ({
      get: compileSource(src, REQUEST_ROOTS, settings).get,
      values: new Set((Array.isArray(want) ? want : [want]).map(String)),
    })),
  }));
  return (ctx: RequestContext) => {
    for (const t of tests) {
      if (t.preds.every((p) => {
        const k = whenKey(p.get(ctx));
        return k !== undefined && p.values.has(k);
      })) {
        ctx.routeName = t.compiled.name;
        return t.compiled.handler(ctx);
      }
    }
    throw createError('GW_ERR_REQUEST_ACTION_UNKNOWN');
  };
}

/**
 * @returns the compiled provider, or undefined with `problems` filled (each with its path).
 */
export function compileProvider(d: Descriptor, resolved: ResolvedSecrets, deps: EngineDeps, problems: ConfigProblem[]): CompiledProvider | undefined {
  const before = problems.length;
  // Plugins first: a stage must never be built from a plugin that rejects its options. Compiling
  // stops here on any plugin problem, as it stops before compiling on a schema problem.
  const pluginProblems = checkPluginUses(d, deps.plugins);
  if (pluginProblems.length > 0) {
    problems.push(...pluginProblems);
    return undefined;
  }
  const settings = resolved.settings;
  const amounts = compileAmountRules(d.amounts, deps.settings.currencies);
  let errors: ErrorRenderer | undefined;
  try {
    errors = compileErrors(d.errors, ['errors'], { amounts, settings });
  } catch (e) {
    if (e instanceof ConfigProblem) problems.push(e);
    else throw e;
  }
  const issued = compileIssued(d, resolved, amounts, deps, problems);
  const indexWalletTx = d.routes.some((r) => r.operation === 'rollback' && r.map?.reference_wallet_transaction_id !== undefined);
  const awaitTimeoutMs = d.limits?.await_timeout_ms ?? deps.settings.awaitTimeoutMs;
  const walletTimeoutMs = d.limits?.wallet_timeout_ms ?? deps.settings.walletTimeoutMs;

  // The verify block compiles once per provider (twice at most: reads may pass a store outage),
  // and only the first compile reports its problems, so each is reported once.
  const verifyEnv = { provider: d.id, secrets: resolved.secrets, declared: new Set(Object.keys(d.secrets ?? {})), settings, deps, store: deps.store };
  let moneyStages: Stage[] | undefined;
  let readStages: Stage[] | undefined;
  let verifyReported = false;
  const verifyProblems = (): ConfigProblem[] => (verifyReported ? [] : ((verifyReported = true), problems));
  const verifyForMoney = (): Stage[] => (moneyStages ??= compileVerify(d.verify, ['verify'], verifyEnv, verifyProblems(), false));
  const verifyForReads = (): Stage[] => (readStages ??= compileVerify(d.verify, ['verify'], verifyEnv, verifyProblems(), true));

  // Group routes by method + path: one group shares verification and parsing, then dispatches.
  const groups = new Map<string, { cfg: RouteConfig; index: number }[]>();
  d.routes.forEach((r, index) => {
    const k = `${r.method ?? 'POST'} ${r.path}`;
    const list = groups.get(k) ?? [];
    list.push({ cfg: r, index });
    groups.set(k, list);
  });

  const table: PathGroup[] = [];
  const listing: { route: CompiledRoute; shared: readonly Stage[] }[] = [];
  for (const [k, list] of groups) {
    const fallbacks = list.filter((x) => !x.cfg.when);
    if (list.length > 1 && fallbacks.length > 1) {
      for (const f of fallbacks.slice(1)) problems.push(new ConfigProblem(['routes', f.index], `two routes for ${k} without \`when\``, 'add when: {body.action: …} to tell them apart', 'GW_ERR_CONFIG_DUPLICATE'));
    }
    for (const x of list) {
      for (const src of Object.keys(x.cfg.when ?? {})) {
        try {
          compileSource(src, REQUEST_ROOTS, settings);
        } catch (e) {
          if (e instanceof SourceSyntaxError) problems.push(new ConfigProblem(['routes', x.index, 'when', src], e.message, e.hint));
        }
      }
    }
    const served = list.filter((x) => x.cfg.serve);
    if (served.length > 0 && served.length < list.length) {
      problems.push(new ConfigProblem(['routes', served[0]!.index], `${k} mixes a served route with wallet routes`, 'give the served route its own path'));
      continue;
    }
    const isServe = served.length > 0;
    const isRead = list.every((x) => x.cfg.operation === 'balance' || x.cfg.operation === 'authenticate');
    // Served routes are called by browsers and widgets: the provider's verify block is not theirs.
    const shared = isServe ? [] : [...(isRead ? verifyForReads() : verifyForMoney())];
    const method = list[0]!.cfg.method ?? 'POST';
    const needsBody = method !== 'GET' && method !== 'DELETE' && !(isServe && list.every((x) => x.cfg.serve && !('redeem' in x.cfg.serve)));
    if (!(isServe && method === 'GET')) shared.push(parseJsonStage({ allowEmpty: !needsBody }));
    // Fallback (no `when`) last, so specific routes are tried first.
    const ordered = [...list.filter((x) => x.cfg.when), ...fallbacks];
    const compiled = ordered
      .map((x) => {
        if (!errors) return { cfg: x.cfg, compiled: undefined };
        const env = { descriptor: d, amounts, settings, errors, deps, indexWalletTx, awaitTimeoutMs, walletTimeoutMs };
        return { cfg: x.cfg, compiled: x.cfg.serve ? compileServeRoute(x.cfg, ['routes', x.index], { ...env, issued }, problems) : compileRoute(x.cfg, ['routes', x.index], env, problems) };
      })
      .filter((x): x is { cfg: RouteConfig; compiled: CompiledRoute } => x.compiled !== undefined);
    if (compiled.length !== list.length) continue;
    const cors = compiled.find((c) => c.compiled.cors)?.compiled.cors;
    if (cors) shared.unshift(corsStage(cors));
    const { handler } = compose(shared, dispatcher(compiled, settings));
    table.push({ method, segments: splitPattern(list[0]!.cfg.path), handler });
    if (cors) table.push({ method: 'OPTIONS', segments: splitPattern(list[0]!.cfg.path), handler: preflightHandler(cors, method) });
    for (const c of compiled) listing.push({ route: c.compiled, shared });
  }
  const outbound = compileOutbound(d, resolved, amounts, deps, problems, issued);
  if (problems.length > before || !errors) return undefined;

  const frozenTable = Object.freeze(table);
  return Object.freeze({
    id: d.id,
    name: d.name ?? d.id,
    ...(d.description ? { description: d.description } : {}),
    bodyLimit: d.limits?.body_limit_bytes ?? deps.settings.bodyLimitBytes,
    errors,
    routes: Object.freeze(listing),
    sandboxed: Object.freeze([...resolved.sandboxed]),
    descriptor: d,
    outbound,
    allowed(subpath: string): string[] {
      const methods = new Set<string>();
      for (const g of frozenTable) if (this.match(g.method, subpath)) methods.add(g.method);
      return [...methods];
    },
    match(method: string, subpath: string): RouteMatch | undefined {
      const segs = subpath.split('/').slice(1);
      for (const g of frozenTable) {
        if (g.method !== method || g.segments.length !== segs.length) continue;
        let params: Record<string, string> | undefined;
        let ok = true;
        for (let i = 0; i < segs.length; i++) {
          const want = g.segments[i]!;
          const got = segs[i]!;
          if ('literal' in want) {
            if (want.literal !== got) {
              ok = false;
              break;
            }
          } else {
            if (got === '') {
              ok = false;
              break;
            }
            let value: string;
            try {
              value = decodeURIComponent(got);
            } catch {
              ok = false;
              break;
            }
            (params ??= {})[want.param] = value;
          }
        }
        if (ok) return { handler: g.handler, params: params ?? {} };
      }
      return undefined;
    },
  });
}
