/**
 * Generates docs/descriptor-reference.md from schemas/provider.schema.json, so the reference can
 * never drift from the language the loader enforces: every key, type, default and description comes
 * from the schema. `npm run docs:reference` rewrites the file; a test fails when the committed file
 * differs from what this renders.
 *
 * Run: node dist/gateway/docs/descriptor-reference.js [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT, SCHEMAS_DIR } from '../paths.js';

/** The subset of JSON Schema the descriptor schema uses. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  oneOf?: Schema[];
  anyOf?: Schema[];
  not?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  minProperties?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  $defs?: Record<string, Schema>;
  title?: string;
  [k: string]: unknown;
}

export const REFERENCE_FILE = path.join(PACKAGE_ROOT, 'docs', 'descriptor-reference.md');
export const SCHEMA_FILE = path.join(SCHEMAS_DIR, 'provider.schema.json');

const defName = (ref: string): string => ref.replace('#/$defs/', '');
const anchor = (name: string): string => `def-${name.toLowerCase()}`;

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function code(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function isObjectWithProperties(s: Schema): boolean {
  return s.properties !== undefined && s.$ref === undefined;
}

/**
 * A short type description; objects with properties are described in their own section.
 *
 * @example typeOf({ type: 'integer', minimum: 0, maximum: 18 }) // 'integer 0–18'
 */
export function typeOf(s: Schema, objectLink?: string): string {
  if (s.$ref) return `[${defName(s.$ref)}](#${anchor(defName(s.$ref))})`;
  if (s.enum) return `one of ${s.enum.map(code).join(', ')}`;
  if (s.const !== undefined) return `the constant ${code(s.const)}`;
  const alts = s.oneOf ?? s.anyOf;
  if (alts) return alts.map((a) => typeOf(a, objectLink)).join(', or ');
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return types.join(' or ');
  switch (types[0]) {
    case 'array': {
      const min = s.minItems ? ` (at least ${s.minItems})` : '';
      return `list${min} of ${s.items ? typeOf(s.items, objectLink) : 'values'}`;
    }
    case 'object':
      if (s.properties) return objectLink ? `object, see ${objectLink}` : 'object (keys below)';
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        const key = s.propertyNames?.pattern ? `name (${code(s.propertyNames.pattern)})` : 'name';
        return `map of ${key} → ${typeOf(s.additionalProperties, objectLink)}`;
      }
      return 'object';
    case 'integer':
    case 'number': {
      const range = s.minimum !== undefined && s.maximum !== undefined ? ` ${s.minimum}–${s.maximum}` : s.minimum !== undefined ? ` ≥ ${s.minimum}` : '';
      return `${types[0]}${range}`;
    }
    case 'string': {
      const pattern = s.pattern && s.pattern.length <= 48 ? ` matching ${code(s.pattern)}` : s.pattern ? ' (pattern checked)' : '';
      return `string${pattern}`;
    }
    case undefined:
      return 'any JSON value';
    default:
      return types[0];
  }
}

/** Renders one object's keys as a table, then its inline sub-objects as their own sections. */
function renderObject(out: string[], level: number, heading: string, s: Schema, keyPath: string, anchorId?: string, usedAt?: string[]): void {
  out.push('');
  if (anchorId) out.push(`<a id="${anchorId}"></a>`, '');
  out.push(`${'#'.repeat(level)} ${heading}`);
  if (usedAt && usedAt.length > 0) out.push('', `Used at: ${usedAt.map(code).join(', ')}.`);
  if (s.description) out.push('', s.description);
  if (s.required?.length) out.push('', `Required keys: ${s.required.map(code).join(', ')}.`);
  if (s.minProperties) out.push('', `At least ${s.minProperties} key${s.minProperties > 1 ? 's' : ''}.`);
  const nested: [string, Schema, string][] = [];
  const rows = Object.entries(s.properties ?? {}).map(([key, p]) => {
    const full = keyPath ? `${keyPath}.${key}` : key;
    let link: string | undefined;
    if (isObjectWithProperties(p) || (p.oneOf ?? []).some(isObjectWithProperties)) {
      link = `[\`${full}\`](#${anchorFor(full)})`;
      nested.push([full, p, key]);
    }
    const def = p.default !== undefined ? code(p.default) : '';
    return `| ${code(key)} | ${cell(typeOf(p, link))} | ${s.required?.includes(key) ? 'yes' : ''} | ${cell(def)} | ${cell(p.description ?? '')} |`;
  });
  if (rows.length > 0) out.push('', '| key | type | required | default | meaning |', '|---|---|---|---|---|', ...rows);
  if (s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) {
    out.push('', `Any key: ${typeOf(s.additionalProperties)}.`);
  }
  for (const [full, p] of nested) renderNested(out, level + 1, full, p);
}

function anchorFor(keyPath: string): string {
  return `key-${keyPath.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
}

function renderNested(out: string[], level: number, full: string, p: Schema): void {
  if (isObjectWithProperties(p)) {
    renderObject(out, level, code(full), p, full, anchorFor(full));
    return;
  }
  // A oneOf with object branches (e.g. must_succeed: true, or {budget_ms …}).
  out.push('', `<a id="${anchorFor(full)}"></a>`, '', `${'#'.repeat(level)} ${code(full)}`);
  if (p.description) out.push('', p.description);
  (p.oneOf ?? []).forEach((branch, i) => {
    if (isObjectWithProperties(branch)) renderObject(out, level + 1, `${code(full)} as an object`, branch, full);
    else out.push('', `Form ${i + 1}: ${typeOf(branch)}.`);
  });
}

/** Renders a definition: an object, or a set of alternative forms. */
function renderDefinition(out: string[], name: string, s: Schema, usedAt: string[]): void {
  // Keys inside a definition are named from where it is used, when that is one place.
  const base = usedAt.length === 1 && usedAt[0] !== '(top level)' ? usedAt[0]! : `<${name}>`;
  if (isObjectWithProperties(s)) {
    renderObject(out, 3, code(name), s, base, anchor(name), usedAt);
    return;
  }
  out.push('', `<a id="${anchor(name)}"></a>`, '', `### ${code(name)}`);
  if (usedAt.length > 0) out.push('', `Used at: ${usedAt.map(code).join(', ')}.`);
  if (s.description) out.push('', s.description);
  const alts = s.oneOf ?? s.anyOf;
  if (!alts) {
    out.push('', `Type: ${typeOf(s)}.`);
    return;
  }
  out.push('', 'Written as one of:');
  alts.forEach((a, i) => {
    if (isObjectWithProperties(a)) {
      const keys = Object.keys(a.properties ?? {});
      renderObject(out, 4, `Form ${i + 1}: an object with ${keys.map(code).join(', ')}`, a, base);
    } else {
      out.push('', `- Form ${i + 1}: ${typeOf(a)}${a.description ? ` — ${a.description}` : ''}`);
    }
  });
}

/**
 * Where each definition is referenced, as descriptor key paths, in schema order.
 *
 * @example usages(schema).get('signature') // ['verify.signature']
 */
export function usages(root: Schema): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (name: string, at: string): void => {
    const list = uses.get(name) ?? [];
    if (!list.includes(at)) list.push(at);
    uses.set(name, list);
  };
  const visiting = new Set<string>();
  const walk = (s: Schema | boolean | undefined, at: string): void => {
    if (!s || typeof s !== 'object') return;
    if (s.$ref) {
      const name = defName(s.$ref);
      // A definition inside itself (templates nest) is not another place of use.
      if (visiting.has(name)) return;
      add(name, at || '(top level)');
      visiting.add(name);
      walk(root.$defs?.[name], at);
      visiting.delete(name);
      return;
    }
    for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, at ? `${at}.${k}` : k);
    if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${at}.<name>`);
    if (s.items) walk(s.items, `${at}[]`);
    for (const a of [...(s.oneOf ?? []), ...(s.anyOf ?? [])]) walk(a, at);
  };
  walk(root, '');
  for (const [name, list] of uses) uses.set(name, compact(list));
  return uses;
}

/**
 * Folds paths that differ in one key into one with `<key>`: the twelve `routes[].map.player_id`,
 * `routes[].map.currency` … become `routes[].map.<key>`.
 *
 * @example compact(['a.x.b', 'a.y.b', 'a.z.b', 'a.w.b']) // ['a.<key>.b']
 */
export function compact(paths: readonly string[], min = 4): string[] {
  let list = [...paths];
  for (let changed = true; changed; ) {
    changed = false;
    const groups = new Map<string, string[]>();
    for (const p of list) {
      const segs = p.split('.');
      segs.forEach((_, i) => {
        const key = [...segs.slice(0, i), '\u0000', ...segs.slice(i + 1)].join('.');
        groups.set(key, [...(groups.get(key) ?? []), p]);
      });
    }
    for (const [key, members] of groups) {
      if (members.length < min) continue;
      const folded = key.replace('\u0000', '<key>');
      list = [...new Set(list.map((p) => (members.includes(p) ? folded : p)))];
      changed = true;
      break;
    }
  }
  return list;
}

/**
 * Every key path a descriptor may contain (for tests and tools).
 *
 * @example keyPaths(schema).includes('verify.signature.jwks_url') // true
 */
export function keyPaths(root: Schema): string[] {
  const out = new Set<string>();
  const seen = new Set<Schema>();
  const walk = (s: Schema | boolean | undefined, at: string): void => {
    if (!s || typeof s !== 'object' || seen.has(s)) return;
    if (s.$ref) {
      walk(root.$defs?.[defName(s.$ref)], at);
      return;
    }
    seen.add(s);
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      const full = at ? `${at}.${k}` : k;
      out.add(full);
      walk(p, full);
    }
    if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${at}.<name>`);
    if (s.items) walk(s.items, `${at}[]`);
    for (const a of [...(s.oneOf ?? []), ...(s.anyOf ?? [])]) walk(a, at);
    seen.delete(s);
  };
  walk(root, '');
  return [...out];
}

/**
 * @example renderDescriptorReference(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')))
 */
export function renderDescriptorReference(root: Schema): string {
  const out: string[] = [
    '# Descriptor reference',
    '',
    '<!-- Generated from schemas/provider.schema.json by `npm run docs:reference`. Do not edit by hand:',
    '     change the schema\'s descriptions and regenerate; test/docs/descriptor-reference.test.ts fails',
    '     when this file and the schema disagree. -->',
    '',
    'Every key of a provider descriptor (`providers/*.yaml`), as the loader enforces it: a key not listed',
    'here is an error ("did you mean …?"), and so is a value of the wrong type. `gateway validate` reports',
    'each problem as `file:line:col`. For a walk-through from a provider\'s integration document to a',
    'passing `gateway test`, see [add-a-provider.md](add-a-provider.md); for custom signature recipes and',
    'field transforms, [plugins.md](plugins.md).',
    '',
    'Conventions: `a.b` is the key `b` inside `a`; `a[]` an item of the list `a`; `a.<name>` any key of',
    'the map `a`. Values may use `${VAR}` and `${VAR:-default}` (environment, before validation).',
  ];
  renderObject(out, 2, 'Top level', { ...root, description: undefined }, '');
  out.push('', '## Definitions', '', 'Shapes used at several places (the `Used at` line lists where).');
  const uses = usages(root);
  for (const [name, s] of Object.entries(root.$defs ?? {})) renderDefinition(out, name, s, uses.get(name) ?? []);
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

function main(): void {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema;
  const text = renderDescriptorReference(schema);
  if (process.argv.includes('--write')) {
    writeFileSync(REFERENCE_FILE, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), REFERENCE_FILE)}\n`);
  } else {
    process.stdout.write(text);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
