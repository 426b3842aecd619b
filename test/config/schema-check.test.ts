import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createSchemaChecker, loadSchemas, type CheckOptions } from '../../gateway/config/schema-check.js';
import { parseYamlSource } from '../../gateway/config/yaml-source.js';
import { formatDiagnostic } from '../../gateway/errors.js';

// Small schemas of our own: these tests pin the machinery, not any real config format.
const server = {
  $id: 'server',
  type: 'object',
  additionalProperties: false,
  required: ['port'],
  properties: {
    host: { type: 'string', description: 'Address to bind.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, 'x-hint': 'a port from 1 to 65535' },
    mode: { enum: ['fast', 'safe'] },
    secret: { type: 'string', minLength: 8, 'x-secret': true },
    tags: { type: 'array', uniqueItems: true, items: { type: 'string' } },
    name: { type: 'string', pattern: '^[a-z]+$', description: 'Lower-case letters only.\nMore text.' },
    code: { type: 'string', pattern: '^[A-Z]+$' },
    db: { type: 'object', required: ['url'], properties: { url: { type: 'string', description: 'Where the database is.' } } },
    limits: { type: 'object', additionalProperties: false },
    currencies: {
      type: 'object',
      propertyNames: { pattern: '^[A-Z]{3}$', 'x-hint': 'three upper-case letters' },
      additionalProperties: { type: 'integer' },
    },
    old: false,
  },
};

const auth = {
  $id: 'auth',
  type: 'object',
  additionalProperties: false,
  properties: {
    auth: { description: 'How callbacks are signed.', oneOf: [{ $ref: '#/$defs/hmac' }, { $ref: '#/$defs/jwt' }, { type: 'string', title: 'a preset name' }] },
    any: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+s$' }] },
    both: { oneOf: [{ type: 'string' }, { type: 'string', maxLength: 5 }] },
  },
  $defs: {
    hmac: { title: 'an hmac block', type: 'object', additionalProperties: false, required: ['hmac'], properties: { hmac: { $ref: '#/$defs/hmacOptions' } } },
    hmacOptions: {
      type: 'object',
      additionalProperties: false,
      required: ['secret'],
      properties: { secret: { type: 'string' }, encoding: { enum: ['hex', 'base64'] } },
    },
    jwt: {
      title: 'a jwt block',
      type: 'object',
      additionalProperties: false,
      required: ['jwt'],
      properties: {
        jwt: {
          oneOf: [
            { type: 'string', title: 'a key id' },
            { type: 'object', additionalProperties: false, properties: { alg: { enum: ['RS256', 'ES256'] } } },
          ],
        },
      },
    },
  },
};

const checker = createSchemaChecker([server, auth]);

function check(schemaId: string, text: string, env: Record<string, string> = {}, opts?: CheckOptions): string[] {
  return checker.check(schemaId, parseYamlSource('t.yaml', text, env), opts).map(formatDiagnostic);
}

t.test('a valid document has no diagnostics', async (t) => {
  t.same(check('server', 'port: 8080\nhost: 0.0.0.0\ntags: [a, b]\n'), []);
});

t.test('unknown keys: at the key, with "did you mean" or the allowed keys', async (t) => {
  const src = parseYamlSource('t.yaml', 'port: 80\nprot: 81\n', {});
  const [d] = checker.check('server', src);
  t.match(d, { code: 'GW_ERR_CONFIG_UNKNOWN_KEY', file: 't.yaml', line: 2, col: 1, pointer: '/prot' });
  t.equal(formatDiagnostic(d!), 't.yaml:2:1: unknown key `prot` (hint: did you mean `port`?)');
  t.same(check('server', 'port: 80\nzzzzzz: 1\n'), [
    't.yaml:2:1: unknown key `zzzzzz` (hint: allowed keys here: host, port, mode, secret, tags, name, code, db, limits, currencies, old)',
  ]);
  t.same(check('server', 'port: 80\nlimits:\n  max: 1\n'), ['t.yaml:3:3: unknown key `max` in /limits (hint: no other keys are allowed here)']);
});

t.test('missing required keys: at the key of the object that lacks them', async (t) => {
  t.same(check('server', '# comment\nhost: x\n'), ['t.yaml:2:1: the file is missing required key `port` (hint: `port`: a port from 1 to 65535)']);
  t.same(check('server', 'port: 1\ndb:\n  user: x\n'), ['t.yaml:2:1: /db is missing required key `url` (hint: `url`: Where the database is.)']);
});

t.test('wrong types, with "remove the quotes" when that is the fix', async (t) => {
  t.same(check('server', 'port: "8080"\n'), ['t.yaml:1:7: /port must be an integer, got "8080" (hint: remove the quotes: 8080)']);
  t.same(check('server', 'port: abc\n'), ['t.yaml:1:7: /port must be an integer, got "abc" (hint: a port from 1 to 65535)']);
  t.same(check('server', 'port: 1\nhost: [a]\n'), ['t.yaml:2:7: /host must be a string, got a list (hint: Address to bind.)']);
  t.same(check('server', '- a\n'), ['t.yaml:1:1: the file must be a mapping (key: value), got a list']);
  t.same(check('server', 'port:\n'), ['t.yaml:1:1: /port must be an integer, got an empty value (hint: a port from 1 to 65535)'], 'an empty value points at its key');
});

t.test('x-secret values are never echoed', async (t) => {
  t.same(check('server', 'port: 1\nsecret: 12345678\n'), ['t.yaml:2:9: /secret must be a string']);
  t.same(check('server', 'port: 1\nsecret: shh\n'), ['t.yaml:2:9: /secret must have at least 8 characters']);
});

t.test('enums, patterns, ranges', async (t) => {
  t.same(check('server', 'port: 1\nmode: fsat\n'), ['t.yaml:2:7: /mode must be one of fast, safe, got "fsat" (hint: did you mean `fast`?)']);
  t.same(check('server', 'port: 1\nname: Bob\n'), ['t.yaml:2:7: /name is not in the expected format, got "Bob" (hint: Lower-case letters only.)']);
  t.same(check('server', 'port: 1\ncode: abc\n'), ['t.yaml:2:7: /code is not in the expected format, got "abc" (hint: it must match /^[A-Z]+$/)']);
  t.same(check('server', 'port: 0\n'), ['t.yaml:1:7: /port must be at least 1, got 0 (hint: a port from 1 to 65535)']);
  t.same(check('server', 'port: 70000\n'), ['t.yaml:1:7: /port must be at most 65535, got 70000 (hint: a port from 1 to 65535)']);
});

t.test('list and key constraints point at the offending item or key', async (t) => {
  t.same(check('server', 'port: 1\ntags: [a, b, a]\n'), ['t.yaml:2:14: /tags lists "a" more than once (hint: each item may appear only once)']);
  t.same(check('server', 'port: 1\ncurrencies:\n  EUR: 2\n  usdt: 6\n'), ['t.yaml:4:3: invalid key `usdt` in /currencies (hint: three upper-case letters)']);
  t.same(check('server', 'port: 1\nold: yes\n'), ['t.yaml:2:1: `old` is not allowed here']);
});

t.test('all problems at once, sorted by position, each once', async (t) => {
  const text = ['mode: slow', 'port: "1"', 'prot: 2', 'tags: [x, x]', 'name: A'].join('\n');
  t.same(check('server', text), [
    't.yaml:1:7: /mode must be one of fast, safe, got "slow"',
    't.yaml:2:7: /port must be an integer, got "1" (hint: remove the quotes: 1)',
    't.yaml:3:1: unknown key `prot` (hint: did you mean `port`?)',
    't.yaml:4:11: /tags lists "x" more than once (hint: each item may appear only once)',
    't.yaml:5:7: /name is not in the expected format, got "A" (hint: Lower-case letters only.)',
  ]);
});

t.test('oneOf: the errors of the branch the data was written for, nothing else', async (t) => {
  t.same(check('auth', 'auth:\n  hmac:\n    secret: s\n    encoding: hax\n'), [
    't.yaml:4:15: /auth/hmac/encoding must be one of hex, base64, got "hax" (hint: did you mean `hex`?)',
  ]);
  t.same(check('auth', 'auth:\n  hmac:\n    secret: s\n    encodng: hex\n'), ['t.yaml:4:5: unknown key `encodng` in /auth/hmac (hint: did you mean `encoding`?)']);
  t.same(check('auth', 'auth:\n  hmac: {secret: s}\n  extra: 1\n'), ['t.yaml:3:3: unknown key `extra` in /auth (hint: allowed keys here: hmac)']);
  t.same(check('auth', 'auth:\n  hmac: {}\n'), ['t.yaml:2:3: /auth/hmac is missing required key `secret`']);
});

t.test('oneOf nested in a branch is tamed the same way', async (t) => {
  t.same(check('auth', 'auth:\n  jwt:\n    alg: HS256\n'), ['t.yaml:3:10: /auth/jwt/alg must be one of RS256, ES256, got "HS256" (hint: did you mean `RS256`?)']);
});

t.test('oneOf without a clear branch: one "must be one of the forms" message', async (t) => {
  t.same(check('auth', 'auth: {}\n'), ['t.yaml:1:7: /auth must be one of: an hmac block; a jwt block; a preset name, got a mapping (hint: How callbacks are signed.)']);
  t.same(check('auth', 'auth: 5\n'), ['t.yaml:1:7: /auth must be one of: an hmac block; a jwt block; a preset name, got 5 (hint: How callbacks are signed.)']);
  t.same(check('auth', 'any: true\n'), ['t.yaml:1:6: /any must be one of: an integer; a string, got true']);
  t.same(check('auth', 'any: 5m\n'), ['t.yaml:1:6: /any is not in the expected format, got "5m" (hint: it must match /^[0-9]+s$/)'], 'one plausible branch: its error');
  t.same(check('auth', 'both: abc\n'), ['t.yaml:1:7: /both matches more than one of the allowed forms (a string; a string) (hint: make it match exactly one)']);
});

t.test('an error outside a oneOf that a branch repeats is still reported', async (t) => {
  const schema = {
    $id: 'sibling',
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' }, a: { type: 'integer' }, b: { type: 'integer' } },
    oneOf: [{ required: ['name', 'a'] }, { required: ['b'] }],
  };
  const src = parseYamlSource('t.yaml', 'c: 1\n', {});
  t.same(createSchemaChecker([schema]).check('sibling', src).map(formatDiagnostic), [
    't.yaml:1:1: the file is missing required key `name`',
    't.yaml:1:1: the file must be one of: a mapping with `name`, `a`; a mapping with `b`, got a mapping',
  ]);
});

t.test('unevaluatedProperties: did you mean across allOf and $ref', async (t) => {
  const schema = {
    $id: 'ue',
    type: 'object',
    allOf: [{ $ref: '#/$defs/base' }],
    properties: { own: { type: 'string' } },
    unevaluatedProperties: false,
    $defs: { base: { type: 'object', properties: { host: { type: 'string' } } } },
  };
  const src = parseYamlSource('t.yaml', 'own: x\nhots: y\n', {});
  t.same(createSchemaChecker([schema]).check('ue', src).map(formatDiagnostic), ['t.yaml:2:1: unknown key `hots` (hint: did you mean `host`?)']);
});

t.test('the rest of the vocabulary reads as sentences', async (t) => {
  const schema = {
    $id: 'misc',
    type: 'object',
    properties: {
      kind: { const: 'v1' },
      url: { type: 'string', format: 'uri' },
      list: { type: 'array', minItems: 1, contains: { const: 'x' } },
      map: { type: 'object', maxProperties: 1 },
      step: { type: 'number', multipleOf: 5, exclusiveMaximum: 100 },
      word: { type: 'string', not: { const: 'admin' }, maxLength: 3 },
    },
    dependentRequired: { user: ['password'] },
  };
  const text = ['kind: v2', 'url: not a uri', 'list: []', 'map: {a: 1, b: 2}', 'step: 7', 'word: admin', 'user: u'].join('\n');
  t.same(createSchemaChecker([schema]).check('misc', parseYamlSource('t.yaml', text, {})).map(formatDiagnostic), [
    't.yaml:1:1: the file is missing key `password`, required when `user` is set',
    't.yaml:1:7: /kind must be "v1", got "v2"',
    't.yaml:2:6: /url must be a valid uri, got "not a uri"',
    't.yaml:3:7: /list must contain at least 1 matching item(s)',
    't.yaml:3:7: /list must not be empty',
    't.yaml:4:6: /map must have at most 1 key',
    't.yaml:5:7: /step must be a multiple of 5, got 7',
    't.yaml:6:7: /word has a value that is not allowed here',
    't.yaml:6:7: /word must have at most 3 characters',
  ]);
});

t.test('interplay with the source: YAML errors, ${VAR} problems, interpolated values', async (t) => {
  t.same(check('server', 'port: [1\n'), [], 'a file with YAML errors is not schema-checked');
  const unset = parseYamlSource('t.yaml', 'port: ${NOPE}\n', {});
  t.equal(unset.diagnostics.length, 1);
  t.same(checker.check('server', unset), [], 'the unset variable is the one report for that node');
  t.same(check('server', 'port: ${P}\n', { P: 'abc' }), ['t.yaml:1:7: /port must be an integer, got the value of $P (hint: a port from 1 to 65535; the value comes from $P)'], 'a value from the environment is named, never quoted (it may be a secret)');
  t.same(check('server', 'port: ${P}\n', { P: '8080' }), [], 'a whole-scalar reference is typed like YAML');
});

t.test('describe renames the subject of messages', async (t) => {
  t.same(check('server', 'port: x\n', {}, { describe: (p) => `PORT_VAR (${p})` }), ['t.yaml:1:7: PORT_VAR (/port) must be an integer, got "x" (hint: a port from 1 to 65535)']);
});

t.test('schema problems are programming errors and throw at creation', async (t) => {
  t.throws(() => createSchemaChecker([{ type: 'object' }]), /\$id/);
  t.throws(() => createSchemaChecker([{ $id: 'bad', type: 'object', propertiez: {} }]), /strict mode/);
  t.throws(() => checker.check('nope', parseYamlSource('t.yaml', 'a: 1\n', {})), /no schema with \$id "nope"/);
});

t.test('loadSchemas reads every *.schema.json', async (t) => {
  const ids = (await loadSchemas()).map((s) => (s as { $id: string }).$id);
  t.ok(ids.includes('gateway-config'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gw-schemas-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'b.schema.json'), JSON.stringify({ $id: 'b' }));
  await writeFile(path.join(dir, 'a.schema.json'), JSON.stringify({ $id: 'a' }));
  await writeFile(path.join(dir, 'notes.json'), '{}');
  t.same(await loadSchemas(dir), [{ $id: 'a' }, { $id: 'b' }]);
  await writeFile(path.join(dir, 'c.schema.json'), '{ nope');
  await t.rejects(loadSchemas(dir), /c\.schema\.json/);
});

t.test('oneOf branches that $ref another schema file are tamed too', async (t) => {
  const common = {
    $id: 'common',
    $defs: {
      hmac: { title: 'an hmac block', type: 'object', additionalProperties: false, required: ['secret'], properties: { secret: { type: 'string' }, encoding: { enum: ['hex', 'base64'] } } },
    },
  };
  const main = {
    $id: 'main',
    type: 'object',
    properties: { auth: { oneOf: [{ $ref: 'common#/$defs/hmac' }, { type: 'string', title: 'a preset name' }, { $ref: '#/$defs/none' }] } },
    $defs: { none: { type: 'null' } },
  };
  const twoFiles = createSchemaChecker([common, main]);
  const run = (text: string) => twoFiles.check('main', parseYamlSource('t.yaml', text, {})).map(formatDiagnostic);
  t.same(run('auth:\n  secret: s\n  encoding: b64\n'), ['t.yaml:3:13: /auth/encoding must be one of hex, base64, got "b64" (hint: did you mean `base64`?)']);
  t.same(run('auth: 5\n'), ['t.yaml:1:7: /auth must be one of: an hmac block; a preset name; empty, got 5']);
});
