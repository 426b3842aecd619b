/**
 * A descriptor that names an unknown plugin or gives it bad options fails at load time, at the
 * descriptor's file:line:col, with a hint — before any stage is built or any request is served.
 */
import t from 'tap';
import { ConfigError } from '../../gateway/errors.js';
import { startTestGateway } from '../helpers/gateway.js';
import { FIXTURES, loadDiagnostics, TEST_PLUGINS_DIR } from './plugin-rig.js';
import path from 'node:path';

const env = { BAD_PLUGIN_SECRET: 'x' };
const one = async (file: string) => loadDiagnostics([`plugins-bad/${file}`], env);

t.test('unknown signature plugin: did you mean', async (tt) => {
  tt.same(await one('unknown-plugin.yaml'), ['plugins-bad/unknown-plugin.yaml:7:13: no signature plugin named `sorted-param-hash` (hint: did you mean `sorted-params-hash`?)']);
});

t.test('options checked against the plugin\'s own schema', async (tt) => {
  tt.same(await one('bad-option-value.yaml'), ['plugins-bad/bad-option-value.yaml:10:15: plugin sorted-params-hash: options.digest must be one of md5, sha1, sha256, sha512']);
  tt.same(await one('unknown-option.yaml'), ['plugins-bad/unknown-option.yaml:10:13: plugin sorted-params-hash: unknown option `fild` (hint: did you mean `field`?)']);
  tt.same(await one('missing-option.yaml'), ['plugins-bad/missing-option.yaml:8:14: plugin sorted-params-hash: missing option `secret`']);
});

t.test('a problem the plugin finds at create time is located at its options', async (tt) => {
  tt.same(await one('missing-secret.yaml'), ['plugins-bad/missing-secret.yaml:8:14: plugin sorted-params-hash: secret `api_key` is not declared or not set (declare it under secrets:)']);
});

t.test('plugin keys in the wrong place', async (tt) => {
  tt.same(await one('options-without-plugin.yaml'), ['plugins-bad/options-without-plugin.yaml:9:14: `options` applies only to algorithm: plugin (hint: set algorithm: plugin, or remove the key)']);
  tt.same(await one('no-plugin-name.yaml'), ['plugins-bad/no-plugin-name.yaml:4:5: algorithm: plugin needs `plugin` (the plugin name) (hint: add plugin: NAME; see docs/plugins.md)']);
});

t.test('transform plugins: every problem of the file, each at its place', async (tt) => {
  tt.same(await one('transform-errors.yaml'), [
    'plugins-bad/transform-errors.yaml:8:63: plugin strip-prefix: options.prefix must be string',
    'plugins-bad/transform-errors.yaml:14:30: no transform plugin named `strip-prefixes` (hint: did you mean `strip-prefix`?)',
    'plugins-bad/transform-errors.yaml:20:30: no transform plugin named `sorted-params-hash` (hint: `sorted-params-hash` is a signature plugin, not a transform plugin)',
    'plugins-bad/transform-errors.yaml:26:48: plugin explode: options are given but this plugin takes none (hint: remove `options`)',
  ]);
});

t.test('the gateway refuses to start on a plugin problem', async (tt) => {
  const dir = path.join(FIXTURES, 'plugins-bad');
  const err = await startTestGateway(tt, { env, providersDir: dir, enabled: ['bad-option-value'], pluginDirs: [TEST_PLUGINS_DIR] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  tt.type(err, ConfigError);
  tt.match((err as ConfigError).message, /bad-option-value\.yaml:10:15: plugin sorted-params-hash: options\.digest must be one of/);
});
