/**
 * docs/descriptor-reference.md is generated from schemas/provider.schema.json; it must be exactly
 * what the generator renders today, so the reference cannot drift from the language the loader
 * enforces. Fix a failure with `npm run docs:reference`.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { compact, keyPaths, REFERENCE_FILE, renderDescriptorReference, SCHEMA_FILE, typeOf, type Schema } from '../../gateway/docs/descriptor-reference.js';

const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema;
const committed = readFileSync(REFERENCE_FILE, 'utf8');

t.test('the committed reference is the generated one (run `npm run docs:reference`)', async (tt) => {
  const generated = renderDescriptorReference(schema);
  if (committed !== generated) {
    const a = committed.split('\n');
    const b = generated.split('\n');
    const i = a.findIndex((line, n) => line !== b[n]);
    tt.fail(`docs/descriptor-reference.md is stale from line ${i + 1}: run npm run docs:reference`, { found: a[i], wanted: b[i] });
  } else tt.pass('up to date');
});

t.test('every key of the schema has a row', async (tt) => {
  const paths = keyPaths(schema);
  tt.ok(paths.length > 100, `${paths.length} key paths`);
  for (const p of ['verify.signature.jwks_url', 'verify.signature.format', 'verify.credentials[].secret', 'routes[].map.amount.transform.options', 'amounts.input.scale', 'examples[].request.tamper']) tt.ok(paths.includes(p), p);
  const keys = new Set(paths.map((p) => p.split('.').at(-1)!.replace(/\[\]$/, '')));
  for (const k of keys) if (k !== '<name>') tt.ok(committed.includes(`| \`${k}\` |`), `row for ${k}`);
});

t.test('type descriptions', async (tt) => {
  tt.equal(typeOf({ type: 'integer', minimum: 0, maximum: 18 }), 'integer 0–18');
  tt.equal(typeOf({ type: 'array', minItems: 1, items: { type: 'string' } }), 'list (at least 1) of string');
  tt.equal(typeOf({ $ref: '#/$defs/source' }), '[source](#def-source)');
  tt.equal(typeOf({ type: 'object', additionalProperties: { type: 'string' } }), 'map of name → string');
  tt.equal(typeOf({}), 'any JSON value');
  tt.same(compact(['a.x.b', 'a.y.b', 'a.z.b', 'a.w.b', 'c']), ['a.<key>.b', 'c']);
  tt.same(compact(['a.x', 'a.y']), ['a.x', 'a.y'], 'fewer than four are kept as they are');
});
