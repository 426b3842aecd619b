/**
 * A YAML config file parsed into a plain value that still knows where each of its parts was
 * written, so every later check can report `file:line:col`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLError } from 'yaml';
import type { ConfigDiagnostic, ConfigErrorCode } from '../errors.js';
import { toPointer, type DocPath } from './pointer.js';
import { keyName, walkDocument } from './yaml-walk.js';

/** 1-based position in a file. */
export interface Position {
  line: number;
  col: number;
}

/** Environment used for `${VAR}` interpolation. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A parsed config file. */
export interface YamlSource {
  /** The file name as diagnostics print it. */
  file: string;
  /** The document as plain JS (after interpolation); undefined when the file could not be read. */
  value: unknown;
  /** Problems found while reading and parsing: I/O, YAML syntax, duplicate keys, `${VAR}`. */
  diagnostics: ConfigDiagnostic[];
  /**
   * Position of the node at `path` (of its key with `opts.key`). A path that does not exist gives
   * its nearest existing ancestor (that ancestor's key, when it has one); an empty value (`port:`)
   * gives its key, since an empty node has no place of its own worth pointing at.
   */
  positionOf(path: DocPath, opts?: { key?: boolean }): Position;
  /** JSON pointer of each scalar that contained `${…}` → the variables it referenced. */
  interpolated?: ReadonlyMap<string, readonly string[]>;
}

const YAML_HINTS: Partial<Record<YAMLError['code'], string>> = {
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs',
  BAD_INDENT: 'check the indentation: entries of one mapping or list must line up',
  MISSING_CHAR: 'a quote, bracket or brace is not closed',
  MULTIPLE_DOCS: 'a config file holds one document; remove the extra `---`',
  TAG_RESOLVE_FAILED: 'tags such as `!foo` are not supported; quote the value instead',
  BLOCK_AS_IMPLICIT_KEY: 'a key must fit on one line; is a `:` missing or misplaced?',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; is a `:` missing or misplaced?',
  UNEXPECTED_TOKEN: 'quote values that contain `: ` or ` #`, or that start with a special character',
  BAD_SCALAR_START: 'quote values that start with a special character such as @ or `',
  BAD_ALIAS: 'an *alias must refer to an &anchor defined above it',
};

/** yaml's message without its advice to programmers, starting lower-case like the rest of the line. */
function bareMessage(message: string): string {
  return message.replace(/; please use YAML\.\w+\(\)/, '').replace(/^\w/, (c) => c.toLowerCase());
}

// `{` and `}` delimit flow mappings, so an unquoted ${VAR} inside `{…}` or `[…]` breaks the syntax.
const FLOW_REFERENCE_HINT = 'an unquoted ${VAR} cannot stand inside { } or [ ]; use block style (`key: ${VAR}` on its own line) or quote it';

/**
 * YAML errors as diagnostics, one per line: the parser often reports a cascade of follow-up errors
 * for a single mistake, and only the first says anything useful.
 */
function yamlDiagnostics(file: string, text: string, lineCounter: LineCounter, errors: readonly YAMLError[]): ConfigDiagnostic[] {
  const lines = text.split(/\r?\n/);
  const byLine = new Map<number, ConfigDiagnostic>();
  for (const error of errors) {
    // prettyErrors would append " at line L, column C:" and a code frame to the message; we print
    // positions our own way, so we take the bare message and locate it with the same LineCounter.
    const { line, col } = lineCounter.linePos(error.pos[0]);
    if (byLine.has(line)) continue;
    const hint = lines[line - 1]?.includes('${') && error.code !== 'MULTIPLE_DOCS' ? FLOW_REFERENCE_HINT : YAML_HINTS[error.code];
    byLine.set(line, {
      code: 'GW_ERR_CONFIG_YAML',
      file,
      line,
      col,
      message: `invalid YAML: ${bareMessage(error.message)}`,
      ...(hint ? { hint } : {}),
    });
  }
  return [...byLine.values()];
}

/**
 * Parses `text` as the contents of `file`: YAML errors (and warnings: a config should not parse
 * "with caveats") become GW_ERR_CONFIG_YAML diagnostics, duplicate keys GW_ERR_CONFIG_DUPLICATE,
 * `${VAR}` problems GW_ERR_CONFIG_ENV. `<<` merge keys and aliases are supported.
 *
 * @example
 * const src = parseYamlSource('gateway.config.yaml', 'server:\n  port: ${PORT:-8080}\n', process.env);
 * src.value // { server: { port: 8080 } }
 * src.positionOf(['server', 'port']) // { line: 2, col: 9 }
 */
export function parseYamlSource(file: string, text: string, env: Env): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const diagnostics = yamlDiagnostics(file, text, lineCounter, [...doc.errors, ...doc.warnings]);
  const interpolated = new Map<string, readonly string[]>();
  walkDocument(doc.contents, { doc, file, env, lineCounter, diagnostics, interpolated });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // toJS throws on alias bombs and on aliases yaml already reported; report the former too.
    if (diagnostics.length === 0) {
      diagnostics.push({ code: 'GW_ERR_CONFIG_YAML', file, line: 1, col: 1, message: `invalid YAML: ${bareMessage((err as Error).message)}` });
    }
  }
  return {
    file,
    value,
    diagnostics,
    interpolated,
    positionOf: (p, opts) => locate(doc, lineCounter, p, opts?.key === true),
  };
}

/**
 * Reads and parses a YAML file; a file that cannot be read gives a GW_ERR_CONFIG_IO diagnostic at
 * 1:1 instead of a throw, so it is reported together with every other problem. `opts.cwd` resolves
 * a relative `file` while keeping `file` as written in diagnostics.
 *
 * @example const src = await readYamlSource('providers/acme.yaml', process.env);
 */
export async function readYamlSource(file: string, env: Env, opts: { cwd?: string } = {}): Promise<YamlSource> {
  let text: string;
  try {
    text = await readFile(path.resolve(opts.cwd ?? process.cwd(), file), 'utf8');
  } catch (err) {
    return failedSource(file, ioMessage(err as NodeJS.ErrnoException));
  }
  return parseYamlSource(file, text, env);
}

function ioMessage(err: NodeJS.ErrnoException): { message: string; hint?: string } {
  switch (err.code) {
    case 'ENOENT':
      return { message: 'cannot read the file: it does not exist', hint: 'check the path; a relative path starts at the working directory' };
    case 'EACCES':
    case 'EPERM':
      return { message: 'cannot read the file: permission denied' };
    case 'EISDIR':
      return { message: 'cannot read the file: it is a directory' };
    default:
      return { message: `cannot read the file: ${err.message}` };
  }
}

function failedSource(file: string, problem: { message: string; hint?: string }): YamlSource {
  return {
    file,
    value: undefined,
    diagnostics: [{ code: 'GW_ERR_CONFIG_IO', file, line: 1, col: 1, ...problem }],
    positionOf: () => ({ line: 1, col: 1 }),
  };
}

/**
 * A diagnostic at `path` in `src`, for checks that run after the schema (unknown references,
 * duplicates across entries …). The message is used as given.
 *
 * @example diagnosticAt(src, ['routes', 3, 'template'], 'GW_ERR_CONFIG_REFERENCE', 'template `ok` is not defined', 'did you mean `okay`?')
 */
export function diagnosticAt(
  src: Pick<YamlSource, 'file' | 'positionOf'>,
  path: DocPath,
  code: ConfigErrorCode,
  message: string,
  hint?: string,
  opts?: { key?: boolean },
): ConfigDiagnostic {
  return {
    code,
    file: src.file,
    ...src.positionOf(path, opts),
    message,
    ...(hint ? { hint } : {}),
    pointer: toPointer(path),
  };
}

// ---- locating nodes -------------------------------------------------------------------------

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The pair for `name` in a map, looking through `<<` merges the way toJS resolves them. */
function findPair(doc: Document, map: unknown, name: string, depth = 0): Pair | undefined {
  if (!isMap(map) || depth > 20) return undefined;
  let found: Pair | undefined;
  for (const pair of map.items) if (keyName(pair.key) === name) found = pair; // last one wins, as in toJS
  if (found) return found;
  for (const pair of map.items) {
    if (keyName(pair.key) !== '<<') continue;
    const source = deref(doc, pair.value);
    const sources = isSeq(source) ? source.items.map((item) => deref(doc, item)) : [source];
    for (const s of sources) {
      const inner = findPair(doc, s, name, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

function isEmpty(node: unknown): boolean {
  if (node == null) return true;
  return isScalar(node) && node.value === null && node.range != null && node.range[0] === node.range[1];
}

function locate(doc: Document, lineCounter: LineCounter, docPath: DocPath, wantKey: boolean): Position {
  const at = (node: unknown): Position | undefined => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lineCounter.linePos(range[0]) : undefined;
  };
  let node: unknown = doc.contents;
  let key: unknown;
  let found = true;
  for (const segment of docPath) {
    const container = deref(doc, node);
    let next: unknown;
    let nextKey: unknown;
    if (isMap(container)) {
      const pair = findPair(doc, container, String(segment));
      next = pair?.value;
      nextKey = pair?.key;
      if (!pair) found = false;
    } else if (isSeq(container) && /^\d+$/.test(String(segment)) && Number(segment) < container.items.length) {
      next = container.items[Number(segment)];
    } else {
      found = false;
    }
    if (!found) break;
    node = next;
    key = nextKey;
  }
  const preferKey = wantKey || !found || isEmpty(node);
  return (preferKey ? at(key) : undefined) ?? at(node) ?? at(key) ?? { line: 1, col: 1 };
}
