import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { diagnosticAt, parseYamlSource, readYamlSource } from '../../gateway/config/yaml-source.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

// Fixtures stay in the source tree; compiled tests run from dist/.
const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'config');

const pick = (d: { code: string; file: string; line: number; col: number }) => ({ code: d.code, file: d.file, line: d.line, col: d.col });

t.test('positionOf: values, keys, sequences, missing paths, empty values', async (t) => {
  const text = [
    'server:', //              1
    '  host: 0.0.0.0', //      2
    '  port: 8080', //         3
    'list:', //                4
    '  - a', //                5
    '  - name: b', //          6
    'empty:', //               7
    'flow: {x: 1, y: [2, 3]}', // 8
  ].join('\n');
  const src = parseYamlSource('f.yaml', text, {});
  t.same(src.diagnostics, []);
  t.same(src.positionOf(['server', 'port']), { line: 3, col: 9 });
  t.same(src.positionOf(['server', 'port'], { key: true }), { line: 3, col: 3 });
  t.same(src.positionOf(['server']), { line: 2, col: 3 }, 'a block mapping starts at its first key');
  t.same(src.positionOf(['server'], { key: true }), { line: 1, col: 1 });
  t.same(src.positionOf(['list', 1, 'name']), { line: 6, col: 11 });
  t.same(src.positionOf(['list', '1', 'name']), { line: 6, col: 11 }, 'indexes may come as strings (JSON pointers)');
  t.same(src.positionOf(['list', 0]), { line: 5, col: 5 });
  t.same(src.positionOf(['flow', 'y', 1]), { line: 8, col: 21 });
  t.same(src.positionOf(['server', 'nope', 'deeper']), { line: 1, col: 1 }, 'missing path → nearest ancestor, at its key');
  t.same(src.positionOf(['list', 9]), { line: 4, col: 1 }, 'index out of range → the list');
  t.same(src.positionOf(['empty']), { line: 7, col: 1 }, 'an empty value points at its key');
  t.same(src.positionOf([]), { line: 1, col: 1 });
});

t.test('positionOf follows aliases and << merge keys', async (t) => {
  const text = ['base: &base', '  host: h', '  port: 1', 'server:', '  <<: *base', '  port: 2', 'copy: *base'].join('\n');
  const src = parseYamlSource('f.yaml', text, {});
  t.same(src.diagnostics, []);
  t.same(src.value, { base: { host: 'h', port: 1 }, server: { host: 'h', port: 2 }, copy: { host: 'h', port: 1 } });
  t.same(src.positionOf(['server', 'host']), { line: 2, col: 9 }, 'a merged key is where the anchor wrote it');
  t.same(src.positionOf(['server', 'port']), { line: 6, col: 9 }, 'an own key wins over the merged one');
  t.same(src.positionOf(['copy', 'port']), { line: 3, col: 9 });
});

t.test('empty text: null value, positions at 1:1', async (t) => {
  const src = parseYamlSource('f.yaml', '', {});
  t.equal(src.value, null);
  t.same(src.diagnostics, []);
  t.same(src.positionOf(['a']), { line: 1, col: 1 });
});

t.test('YAML syntax error fixture: one diagnostic at the offending line', async (t) => {
  const src = await readYamlSource('yaml-syntax.yaml', {}, { cwd: FIXTURES });
  t.same(src.diagnostics.map(pick), [{ code: 'GW_ERR_CONFIG_YAML', file: 'yaml-syntax.yaml', line: 4, col: 1 }]);
  t.match(src.diagnostics[0]!.message, /^invalid YAML: /);
  t.match(src.diagnostics[0]!.hint, /indentation/);
  t.notMatch(src.diagnostics[0]!.message, /line \d+, column/, 'no position or code frame inside the message');
});

t.test('other syntax errors: tabs, several documents, unknown alias, alias bombs', async (t) => {
  const tab = parseYamlSource('f.yaml', 'server:\n\tport: 1\n', {});
  t.same(tab.diagnostics.map(pick), [{ code: 'GW_ERR_CONFIG_YAML', file: 'f.yaml', line: 2, col: 1 }]);
  t.match(tab.diagnostics[0]!.hint, /tabs/);
  const docs = parseYamlSource('f.yaml', 'a: 1\n---\nb: 2\n', {});
  t.equal(docs.diagnostics[0]!.message, 'invalid YAML: source contains multiple documents');
  const alias = parseYamlSource('f.yaml', 'a: 1\nb: *nope\n', {});
  t.same(alias.diagnostics.map(pick), [{ code: 'GW_ERR_CONFIG_YAML', file: 'f.yaml', line: 2, col: 4 }]);
  t.match(alias.diagnostics[0]!.message, /`\*nope`/);
  const rows = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c']]) rows.push(`${name}: &${name} [${Array(10).fill('*' + prev).join(', ')}]`);
  const bomb = parseYamlSource('f.yaml', rows.join('\n'), {});
  t.equal(bomb.value, undefined);
  t.match(bomb.diagnostics[0], { code: 'GW_ERR_CONFIG_YAML', line: 1, col: 1, message: /alias/ });
  const flow = parseYamlSource('f.yaml', 'server: {port: ${P}}\n', {});
  t.equal(flow.diagnostics.length, 1, 'one diagnostic per line, not the parser cascade');
  t.match(flow.diagnostics[0]!.hint, /\$\{VAR\}/, 'explains ${VAR} inside flow collections');
});

t.test('duplicate key fixture: reported at the second key, naming the first line', async (t) => {
  const src = await readYamlSource('duplicate-key.yaml', {}, { cwd: FIXTURES });
  t.same(src.diagnostics.map(pick), [{ code: 'GW_ERR_CONFIG_DUPLICATE', file: 'duplicate-key.yaml', line: 4, col: 3 }]);
  t.equal(src.diagnostics[0]!.message, 'duplicate key `port`');
  t.match(src.diagnostics[0]!.hint, /line 2/);
  t.equal(src.diagnostics[0]!.pointer, '/server/port');
  t.same(src.value, { server: { port: 9090, host: '0.0.0.0' } }, 'the value stays usable for further checks');
});

t.test('interpolation happens on scalars in place, before validation', async (t) => {
  const env = { PORT: '9090', HOST: 'db', FLAG: 'true', EMPTY: '' };
  const text = [
    'a: ${PORT}', //                   1 whole plain → typed: 9090
    'b: "${PORT}"', //                 2 quoted → string
    'c: !!str ${PORT}', //             3 tagged → string
    'd: port ${PORT}', //              4 partial → string
    'e: ${MISSING:-8080}', //          5 default, typed
    'f: ${FLAG}', //                   6 boolean
    'g: ${EMPTY:-}', //                7 empty → null
    'h: $${PORT}', //                  8 escape
    'i: |', //                         9 block scalar: interpolated, stays a string
    '  host=${HOST}', //               10
    '${PORT}: key', //                 11 keys are not interpolated
    'j: ["${HOST:-x}"]', //            12 inside flow collections references are quoted
    'k: 0x${PORT}', //                 13 partial → string even if it looks like a number
  ].join('\n');
  const src = parseYamlSource('f.yaml', text, env);
  t.same(src.diagnostics, []);
  t.same(src.value, {
    a: 9090,
    b: '9090',
    c: '9090',
    d: 'port 9090',
    e: 8080,
    f: true,
    g: null,
    h: '${PORT}',
    i: 'host=db\n',
    '${PORT}': 'key',
    j: ['db'],
    k: '0x9090',
  });
  t.same(src.positionOf(['e']), { line: 5, col: 4 }, 'positions survive interpolation');
  t.same(src.interpolated?.get('/a'), ['PORT']);
  t.equal(src.interpolated?.has('/h'), false, 'an escape alone references no variable');
});

t.test('unset ${VAR} fixture: GW_ERR_CONFIG_ENV at the scalar, naming the variable', async (t) => {
  const src = await readYamlSource('unset-var.yaml', {}, { cwd: FIXTURES });
  t.same(src.diagnostics.map(pick), [{ code: 'GW_ERR_CONFIG_ENV', file: 'unset-var.yaml', line: 2, col: 8 }]);
  t.equal(src.diagnostics[0]!.message, 'environment variable `REDIS_HOST` is not set');
  t.match(src.diagnostics[0]!.hint, '${REDIS_HOST:-');
  t.equal(src.diagnostics[0]!.pointer, '/store/url');
  const set = await readYamlSource('unset-var.yaml', { REDIS_HOST: 'cache' }, { cwd: FIXTURES });
  t.same(set.diagnostics, []);
  t.same(set.value, { store: { url: 'redis://cache:6379' } });
});

t.test('malformed references are diagnostics too', async (t) => {
  const src = parseYamlSource('f.yaml', 'a: x\nb: ${not valid}\n', {});
  t.same(src.diagnostics.map(pick), [{ code: 'GW_ERR_CONFIG_ENV', file: 'f.yaml', line: 2, col: 4 }]);
  t.match(src.diagnostics[0]!.message, 'malformed variable reference `${not valid}`');
});

t.test('readYamlSource: unreadable files are GW_ERR_CONFIG_IO at 1:1', async (t) => {
  const missing = await readYamlSource('nope.yaml', {}, { cwd: FIXTURES });
  t.same(missing.diagnostics.map(pick), [{ code: 'GW_ERR_CONFIG_IO', file: 'nope.yaml', line: 1, col: 1 }]);
  t.match(missing.diagnostics[0]!.message, /does not exist/);
  t.equal(missing.value, undefined);
  t.same(missing.positionOf(['a']), { line: 1, col: 1 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gw-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const isDir = await readYamlSource(dir, {});
  t.match(isDir.diagnostics[0], { code: 'GW_ERR_CONFIG_IO', file: dir, message: /directory/ });
  const absolute = await readYamlSource(path.join(FIXTURES, 'valid.yaml'), {});
  t.same(absolute.diagnostics, [], 'an absolute path ignores cwd');
});

t.test('diagnosticAt places a later check at a path', async (t) => {
  const src = parseYamlSource('p.yaml', 'routes:\n  - template: ok\n', {});
  t.same(diagnosticAt(src, ['routes', 0, 'template'], 'GW_ERR_CONFIG_REFERENCE', 'template `ok` is not defined', 'did you mean `okay`?'), {
    code: 'GW_ERR_CONFIG_REFERENCE',
    file: 'p.yaml',
    line: 2,
    col: 15,
    message: 'template `ok` is not defined',
    hint: 'did you mean `okay`?',
    pointer: '/routes/0/template',
  });
  t.same(diagnosticAt(src, ['routes', 0, 'template'], 'GW_ERR_CONFIG_REFERENCE', 'm', undefined, { key: true }), {
    code: 'GW_ERR_CONFIG_REFERENCE',
    file: 'p.yaml',
    line: 2,
    col: 5,
    message: 'm',
    pointer: '/routes/0/template',
  });
});
