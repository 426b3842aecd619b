/**
 * One pass over a parsed YAML document, before its value is taken: duplicate keys are reported and
 * `${VAR}` references in string scalars are substituted in place, so every later position (schema
 * errors, semantic errors) still points at what the operator wrote.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type Scalar } from 'yaml';
import type { ConfigDiagnostic } from '../errors.js';
import { coreScalar, interpolate } from './interpolate.js';
import { toPointer } from './pointer.js';

/** What the walk needs and what it fills in. */
export interface WalkContext {
  readonly doc: Document;
  readonly file: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly lineCounter: LineCounter;
  readonly diagnostics: ConfigDiagnostic[];
  /** JSON pointer of each interpolated scalar → the variables it referenced. */
  readonly interpolated: Map<string, readonly string[]>;
}

const MERGE_KEY = '<<';

/** The name of a map key as the document's JS value will spell it. @example keyName(pair.key) // 'port' */
export function keyName(key: unknown): string {
  // With merge keys enabled, yaml gives `<<` a Symbol value.
  if (isScalar(key)) return typeof key.value === 'symbol' ? '<<' : String(key.value ?? '');
  return String(key);
}

/**
 * Walks `node` (the document's contents) depth first. Aliases are not followed: their anchor was walked.
 *
 * @example walkDocument(doc.contents, { doc, file, env, lineCounter, diagnostics: [], interpolated: new Map() })
 */
export function walkDocument(node: unknown, ctx: WalkContext, path: Array<string | number> = []): void {
  if (isAlias(node)) {
    // yaml leaves this to toJS(), which throws without a position.
    if (node.resolve(ctx.doc) === undefined) {
      ctx.diagnostics.push({
        code: 'GW_ERR_CONFIG_YAML',
        file: ctx.file,
        ...positionOf(node, ctx),
        message: `invalid YAML: unknown alias \`*${node.source}\``,
        hint: 'an *alias must refer to an &anchor defined above it',
      });
    }
    return;
  }
  if (isMap(node)) {
    const seen = new Map<string, Pair>();
    for (const pair of node.items) {
      const name = keyName(pair.key);
      if (name !== MERGE_KEY) checkDuplicate(pair, seen, name, path, ctx);
      walkDocument(pair.value, ctx, [...path, name]);
    }
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, index) => walkDocument(item, ctx, [...path, index]));
    return;
  }
  if (isScalar(node) && typeof node.value === 'string') interpolateScalar(node, path, ctx);
}

function positionOf(node: unknown, ctx: WalkContext): { line: number; col: number } {
  const range = (node as Node | null)?.range;
  return range ? ctx.lineCounter.linePos(range[0]) : { line: 1, col: 1 };
}

// The yaml package can report duplicates too, but only at the second key; we also name the first.
function checkDuplicate(pair: Pair, seen: Map<string, Pair>, name: string, path: Array<string | number>, ctx: WalkContext): void {
  const first = seen.get(name);
  if (!first) {
    seen.set(name, pair);
    return;
  }
  const firstLine = positionOf(first.key, ctx).line;
  ctx.diagnostics.push({
    code: 'GW_ERR_CONFIG_DUPLICATE',
    file: ctx.file,
    ...positionOf(pair.key, ctx),
    message: `duplicate key \`${name}\``,
    hint: `\`${name}\` is already set on line ${firstLine}; keep only one`,
    pointer: toPointer([...path, name]),
  });
}

/**
 * Substitutes references in one scalar. Re-typing: a PLAIN (unquoted, untagged) scalar that is
 * exactly one reference is typed by YAML core-schema rules after substitution, as if the value had
 * been written there (`port: ${PORT:-8080}` → 8080, `token: ${TOKEN:-}` → null). Quoted, block,
 * tagged or partially interpolated scalars stay strings: quoting is how an operator says "string".
 */
function interpolateScalar(node: Scalar, path: Array<string | number>, ctx: WalkContext): void {
  const text = node.value as string;
  if (!text.includes('$')) return;
  const result = interpolate(text, ctx.env);
  const at = { file: ctx.file, ...positionOf(node, ctx), pointer: toPointer(path) };
  for (const name of result.missing) {
    ctx.diagnostics.push({
      code: 'GW_ERR_CONFIG_ENV',
      ...at,
      message: `environment variable \`${name}\` is not set`,
      hint: `set ${name}, or give a default: \${${name}:-value}`,
    });
  }
  for (const reference of result.malformed) {
    ctx.diagnostics.push({
      code: 'GW_ERR_CONFIG_ENV',
      ...at,
      message: `malformed variable reference \`${reference}\``,
      hint: 'write ${NAME} or ${NAME:-default}; write $${ for a literal ${',
    });
  }
  if (!result.changed) return;
  const retype = result.whole && node.type === 'PLAIN' && node.tag === undefined;
  node.value = retype ? coreScalar(result.value) : result.value;
  if (result.names.length > 0) ctx.interpolated.set(at.pointer, result.names);
}
