/**
 * Templates: JSON values with `{$from: SOURCE, $as?, $default?}` holes, compiled once into render
 * functions. An absent value drops its key, so one template serves answers with and without, say,
 * a player name.
 */
import { JsonNumber } from '../json/json-number.js';
import type { RequestContext } from '../pipeline/context.js';
import type { AmountRules } from './amount-rules.js';
import { compileSource, SourceSyntaxError, TEMPLATE_ROOTS, type SourceRoot, type SourceScope } from './compile-source.js';
import { ConfigProblem, type Path } from './problem.js';
import { compileText } from '../outbound/text-template.js';

export type Render = (ctx: RequestContext) => unknown;

export interface TemplateEnv {
  amounts: AmountRules;
  settings: Readonly<Record<string, string | undefined>>;
  /** Roots a `$from` may start with here (default: the callback template roots). */
  roots?: readonly SourceRoot[];
  /** Secrets and operator fields known here (outbound calls). */
  scope?: SourceScope;
}

type As = 'raw' | 'string' | 'amount' | 'number' | 'boolean';

function isRef(node: unknown): node is { $from: string | string[]; $as?: As; $default?: unknown } {
  return node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, '$from');
}

/** Converts a value for `$as`; undefined when it cannot be represented. */
function converter(as: As, env: TemplateEnv): (v: unknown, ctx: RequestContext) => unknown {
  switch (as) {
    case 'raw':
      return (v) => v;
    case 'string':
      return (v) => (v === undefined || v === null ? undefined : v instanceof JsonNumber ? v.raw : typeof v === 'object' ? JSON.stringify(v) : String(v));
    case 'number':
      return (v) => {
        if (v instanceof JsonNumber) return v;
        if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return new JsonNumber(v);
        if (typeof v === 'number' && Number.isFinite(v)) return v;
        return undefined;
      };
    case 'boolean':
      return (v) => (v === undefined ? undefined : v === true || v === 'true');
    case 'amount':
      return (v, ctx) => {
        if (typeof v !== 'string') return undefined;
        const currency = ctx.outcome?.currency ?? ctx.canonical?.currency ?? ctx.input?.['currency'];
        return env.amounts.write(v, typeof currency === 'string' ? currency : undefined);
      };
  }
}

/**
 * Compiles a template node found at `path` of the descriptor.
 *
 * @example compileTemplate({ status: 'OK', balance: { $from: 'outcome.balance', $as: 'amount' } }, ['responses', 'ok', 'body'], env)
 */
export function compileTemplate(node: unknown, path: Path, env: TemplateEnv): Render {
  if (node !== null && typeof node === 'object' && !Array.isArray(node) && typeof (node as { $text?: unknown }).$text === 'string') {
    // Text with {source} holes: `{ $text: "{input.provider}:{input.transaction_id}" }`.
    const tpl = compileText((node as { $text: string }).$text, [...path, '$text'], env.roots ?? TEMPLATE_ROOTS, env.settings, env.scope ?? {}, false);
    return (ctx) => tpl.render(ctx);
  }
  if (isRef(node)) {
    // Several sources: the first present wins ([input.theme, setting.theme]).
    const texts = Array.isArray(node.$from) ? node.$from : [node.$from];
    const gets = texts.map((text, i) => {
      try {
        return compileSource(text, env.roots ?? TEMPLATE_ROOTS, env.settings, env.scope).get;
      } catch (e) {
        if (e instanceof SourceSyntaxError) throw new ConfigProblem(Array.isArray(node.$from) ? [...path, '$from', i] : [...path, '$from'], e.message, e.hint);
        throw e;
      }
    });
    const get = gets.length === 1 ? gets[0]! : (ctx: RequestContext): unknown => {
      for (const g of gets) {
        const v = g(ctx);
        if (v !== undefined && v !== null && v !== '') return v;
      }
      return undefined;
    };
    const convert = converter(node.$as ?? 'raw', env);
    const fallback = node.$default;
    return (ctx) => {
      const v = convert(get(ctx), ctx);
      return v === undefined ? fallback : v;
    };
  }
  if (Array.isArray(node)) {
    const items = node.map((n, i) => compileTemplate(n, [...path, i], env));
    return (ctx) => items.map((r) => r(ctx) ?? null);
  }
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node).map(([k, v]) => [k, compileTemplate(v, [...path, k], env)] as const);
    return (ctx) => {
      const out: Record<string, unknown> = {};
      for (const [k, r] of entries) {
        const v = r(ctx);
        if (v !== undefined) out[k] = v;
      }
      return out;
    };
  }
  return () => node;
}
