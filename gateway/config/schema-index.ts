/**
 * Where each subschema object lives (`schemaId#/json/pointer`). ajv reports errors inside a `$ref`
 * with paths relative to the referenced definition, so an error cannot be traced back to the
 * `oneOf` branch that produced it; knowing each branch's own address lets us validate it alone.
 */
import { toPointer } from './pointer.js';

type Json = Record<string, unknown>;

// Keywords whose values are data, not subschemas: nothing inside them is worth indexing.
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An index over a set of root schemas, each with a string `$id`. */
export class SchemaIndex {
  private readonly roots = new Map<string, Json>();
  private readonly addresses = new Map<object, { root: string; pointer: string }>();

  constructor(schemas: readonly object[]) {
    for (const schema of schemas) {
      const id = (schema as Json)['$id'];
      if (typeof id !== 'string') throw new Error('every schema needs a string $id');
      this.roots.set(id, schema as Json);
      this.walk(schema, id, []);
    }
  }

  private walk(node: unknown, root: string, path: Array<string | number>): void {
    if (Array.isArray(node)) {
      node.forEach((item, i) => this.walk(item, root, [...path, i]));
      return;
    }
    if (!isObject(node)) return;
    if (!this.addresses.has(node)) this.addresses.set(node, { root, pointer: toPointer(path) });
    for (const [key, value] of Object.entries(node)) {
      if (!DATA_KEYWORDS.has(key)) this.walk(value, root, [...path, key]);
    }
  }

  /** The `id#fragment` ajv's getSchema() accepts for `schema`, if it is one of ours. */
  refOf(schema: unknown): string | undefined {
    if (!isObject(schema)) return undefined;
    const address = this.addresses.get(schema);
    if (!address) return undefined;
    const fragment = address.pointer.split('/').map(encodeURIComponent).join('/');
    return `${address.root}#${fragment}`;
  }

  /**
   * The schema object a `$ref` found in `from` points at: `#/…` within `from`'s root, or
   * `otherId#/…` in another root. Anchors and relative URIs are not resolved (undefined).
   */
  resolve(ref: string, from: unknown): Json | undefined {
    const hash = ref.indexOf('#');
    const id = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    const rootId = id === '' ? (isObject(from) ? this.addresses.get(from)?.root : undefined) : id;
    let node: unknown = rootId === undefined ? undefined : this.roots.get(rootId);
    if (fragment !== '' && !fragment.startsWith('/')) return undefined;
    for (const raw of fragment === '' ? [] : fragment.slice(1).split('/')) {
      const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = Array.isArray(node) ? node[Number(segment)] : isObject(node) ? node[segment] : undefined;
    }
    return isObject(node) ? node : undefined;
  }

  /**
   * Property names a schema accepts, following allOf/anyOf/oneOf/if/then/else and local `$ref`s:
   * the candidates for "did you mean" under `unevaluatedProperties`.
   */
  propertyNames(schema: unknown, depth = 0): string[] {
    if (!isObject(schema) || depth > 10) return [];
    const names = new Set(isObject(schema['properties']) ? Object.keys(schema['properties']) : []);
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const list = schema[key];
      if (Array.isArray(list)) for (const sub of list) for (const n of this.propertyNames(sub, depth + 1)) names.add(n);
    }
    for (const key of ['if', 'then', 'else']) for (const n of this.propertyNames(schema[key], depth + 1)) names.add(n);
    if (typeof schema['$ref'] === 'string') {
      for (const n of this.propertyNames(this.resolve(schema['$ref'], schema), depth + 1)) names.add(n);
    }
    return [...names];
  }
}
