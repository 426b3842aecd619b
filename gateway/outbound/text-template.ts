/**
 * Text with `{source}` placeholders (`/{setting.api_version}/auth`), compiled once. Each hole is a
 * source expression; `encode` URL-encodes the values placed in a path.
 */
import { compileSource, SourceSyntaxError, type SourceRoot, type SourceScope } from '../compile/compile-source.js';
import { ConfigProblem, type Path } from '../compile/problem.js';
import type { RequestContext } from '../pipeline/context.js';
import { outboundError } from './outbound-error.js';

export interface TextTemplate {
  render(ctx: RequestContext): string;
  /** Sources of the holes, for references checks. */
  readonly sources: readonly string[];
  /** True when the text has no holes. */
  readonly constant: boolean;
}

const HOLE = /\{([^{}]+)\}/g;

/**
 * A value placed in a path, encoded as segment text: `/`, `?` and `#` cannot split it. `.` and `..`
 * are refused: URL parsers resolve them (even written %2E) as "this" or "the parent" segment.
 */
function pathSegment(v: string): string {
  if (v === '.' || v === '..') throw outboundError('INVALID_REQUEST', `\`${v}\` cannot be a path segment`);
  return encodeURIComponent(v);
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && 'raw' in (v as object)) return String((v as { raw: unknown }).raw);
  return String(v);
}

/**
 * @example compileText('/{setting.api_version}/auth', ['calls', 'auth', 'path'], ['setting'], settings, {}, true)
 */
export function compileText(template: string, at: Path, roots: readonly SourceRoot[], settings: Readonly<Record<string, string | undefined>>, scope: SourceScope, encode: boolean): TextTemplate {
  const pieces: (string | ((ctx: RequestContext) => string))[] = [];
  const sources: string[] = [];
  let last = 0;
  for (const m of template.matchAll(HOLE)) {
    pieces.push(template.slice(last, m.index));
    const src = m[1]!.trim();
    let get: (ctx: RequestContext) => unknown;
    try {
      get = compileSource(src, roots, settings, scope).get;
    } catch (e) {
      if (e instanceof SourceSyntaxError) throw new ConfigProblem(at, `${e.message} in \`${template}\``, e.hint);
      throw e;
    }
    sources.push(src);
    pieces.push(encode ? (ctx) => pathSegment(text(get(ctx))) : (ctx) => text(get(ctx)));
    last = m.index + m[0].length;
  }
  pieces.push(template.slice(last));
  const parts = pieces.filter((p) => p !== '');
  return {
    sources,
    constant: sources.length === 0,
    render: (ctx) => parts.map((p) => (typeof p === 'string' ? p : p(ctx))).join(''),
  };
}
