/**
 * Plugin modules that cannot be used stop the gateway at start-up, naming the file (and the line
 * when V8 knows it): syntax errors, throwing or unresolvable modules, exports that are not plugins,
 * duplicate names, options schemas that do not compile.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../gateway/errors.js';
import { loadPlugins } from '../../gateway/plugins/load-plugins.js';

function folder(tt: Test, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-plugins-'));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Like the repo's plugins/ folder, whose package.json says "type": "module": without it Node
  // would have to guess the module type from the syntax, which is fragile under load.
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

async function failure(tt: Test, dirs: string[]): Promise<{ file: string; line: number; col: number; message: string; hint?: string }> {
  try {
    await loadPlugins(dirs);
  } catch (e) {
    tt.type(e, ConfigError);
    const d = (e as ConfigError).diagnostics;
    tt.equal(d.length, 1);
    tt.equal(d[0]!.code, 'GW_ERR_CONFIG_PLUGIN');
    return d[0]!;
  }
  tt.fail('loaded');
  return { file: '', line: 0, col: 0, message: '' };
}

const plugin = (name: string, kind = 'transform') => `export default { kind: '${kind}', name: '${name}', create: () => (v) => v };\n`;

t.test('good modules: single and array exports; tests, maps and other files ignored; missing folders skipped', async (tt) => {
  const dir = folder(tt, {
    'a.js': plugin('a'),
    'b.mjs': `export default [{ kind: 'signature', name: 'b', create: () => () => true }, { kind: 'transform', name: 'b', create: () => (v) => v }];\n`,
    'a.test.js': 'throw new Error("a test file must not be imported");\n',
    'a.js.map': '{}',
    'notes.txt': 'hello',
  });
  const r = await loadPlugins([path.join(dir, 'missing'), dir]);
  tt.same(r.names().sort(), ['signature:b', 'transform:a', 'transform:b']);
});

t.test('a syntax error names the file and what V8 found', async (tt) => {
  const dir = folder(tt, { 'broken.js': "export default {\n  kind: 'transform',\n  name: 'x' oops\n};\n" });
  const d = await failure(tt, [dir]);
  tt.equal(path.resolve(d.file), path.join(dir, 'broken.js'));
  tt.equal(d.message, "plugin module failed to load: Unexpected identifier 'oops'");
});

t.test('a module that throws or imports something missing names the file (and the line when known)', async (tt) => {
  const throwing = await failure(tt, [folder(tt, { 'boom.js': "const x = 1;\nif (x) throw new Error('top-level boom');\nexport default {};\n" })]);
  tt.match(throwing, { file: /boom\.js$/, line: 2, message: /plugin module failed to load: top-level boom/ });
  const missing = await failure(tt, [folder(tt, { 'dep.js': "import 'no-such-package-for-gateway-tests';\nexport default {};\n" })]);
  tt.match(missing, { file: /dep\.js$/, message: /no-such-package-for-gateway-tests/ });
});

t.test('a default export that is not a plugin', async (tt) => {
  for (const text of ['export default { hello: 1 };', 'export const x = 1;', "export default { kind: 'cipher', name: 'x', create() {} };", "export default { kind: 'transform', name: '', create() {} };", 'export default [];']) {
    const d = await failure(tt, [folder(tt, { 'odd.js': text })]);
    tt.match(d, { file: /odd\.js$/, message: 'the default export is not a gateway plugin', hint: /docs\/plugins\.md/ }, text);
  }
});

t.test('two plugins with the same kind and name', async (tt) => {
  const one = folder(tt, { 'first.js': plugin('same') });
  const two = folder(tt, { 'second.js': plugin('same'), 'other-kind.js': plugin('same', 'signature') });
  const d = await failure(tt, [one, two]);
  tt.match(d, { file: /second\.js$/, message: /transform plugin `same` is also defined in .*first\.js/ });
});

t.test('an options schema that does not compile', async (tt) => {
  const dir = folder(tt, { 'schema.js': "export default { kind: 'transform', name: 's', optionsSchema: { type: 'object', properties: { a: { type: 'strnig' } } }, create: () => (v) => v };\n" });
  const d = await failure(tt, [dir]);
  tt.match(d, { file: /schema\.js$/, message: /^plugin transform:s: its optionsSchema does not compile/ });
});
