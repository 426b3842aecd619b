import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { ENV_OVERRIDES } from '../../gateway/config/env-overrides.js';
import { DEFAULT_CONFIG } from '../../gateway/config/gateway-config.js';
import { loadGatewayConfig, type LoadConfigOptions } from '../../gateway/config/load-config.js';
import { createSchemaChecker, loadSchemas } from '../../gateway/config/schema-check.js';
import { ConfigError, formatDiagnostic, type ConfigDiagnostic } from '../../gateway/errors.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

// Fixtures stay in the source tree; compiled tests run from dist/.
const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'config');
const schemas = await loadSchemas();
const checker = createSchemaChecker(schemas);

/** Loads from the fixtures folder, so diagnostics name fixtures by their short name. */
function load(opts: Partial<LoadConfigOptions> = {}) {
  return loadGatewayConfig({ env: {}, cwd: FIXTURES, checker, ...opts });
}

async function failure(opts: Partial<LoadConfigOptions>): Promise<ConfigDiagnostic[]> {
  try {
    await load(opts);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.diagnostics];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const where = (d: ConfigDiagnostic) => ({ code: d.code, file: d.file, line: d.line, col: d.col });

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gw-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the repository gateway.config.yaml loads cleanly with no env and equals the defaults', async (t) => {
  const { config, file } = await loadGatewayConfig({ file: 'gateway.config.yaml', env: {}, cwd: PACKAGE_ROOT });
  t.equal(file, path.join(PACKAGE_ROOT, 'gateway.config.yaml'));
  t.same(config, { ...DEFAULT_CONFIG, providers: { dir: path.join(PACKAGE_ROOT, 'providers'), enabled: null } });
});

t.test('without a file: ./gateway.config.yaml when present, else defaults + env', async (t) => {
  const found = await loadGatewayConfig({ env: {}, cwd: PACKAGE_ROOT, checker });
  t.equal(found.file, path.join(PACKAGE_ROOT, 'gateway.config.yaml'));
  const dir = await tempDir(t);
  const none = await loadGatewayConfig({ env: { GATEWAY_PORT: '9999' }, cwd: dir, checker });
  t.equal(none.file, undefined);
  t.equal(none.config.server.port, 9999);
  t.equal(none.config.providers.dir, path.join(dir, 'providers'), 'providers.dir is relative to cwd without a file');
  t.same({ ...none.config, server: { ...none.config.server, port: 8080 }, providers: DEFAULT_CONFIG.providers }, DEFAULT_CONFIG);
});

t.test('an empty file is all defaults', async (t) => {
  const { config } = await load({ file: 'empty.yaml' });
  t.equal(config.server.port, 8080);
  t.equal(config.providers.dir, path.join(FIXTURES, 'providers'));
});

t.test('file values, defaults for the rest, typed and frozen', async (t) => {
  const { config } = await load({ file: 'valid.yaml' });
  t.equal(config.server.port, 7000);
  t.equal(config.server.host, '0.0.0.0', 'default');
  t.equal(config.log.level, 'warn');
  t.equal(config.providers.dir, path.join(FIXTURES, 'descriptors'), 'relative to the config file');
  t.same(config.providers.enabled, ['sportsbook']);
  t.same(config.currencies, { USDT: 6 });
  t.same(config.sandbox.players, [
    { id: 'p1', currency: 'EUR', balance: '100.50', name: 'Ada', blocked: false },
    { id: 'p2', currency: 'USDT', balance: '20', blocked: true },
  ]);
  t.ok(Object.isFrozen(config) && Object.isFrozen(config.server) && Object.isFrozen(config.sandbox.players[0]));
  t.throws(() => {
    (config.server as { port: number }).port = 1;
  });
  t.equal(Object.isFrozen(DEFAULT_CONFIG.server), false, 'loading does not freeze the shared defaults');
});

t.test('environment overrides win over the file', async (t) => {
  const cwd = await tempDir(t);
  const { config } = await load({
    file: path.join(FIXTURES, 'valid.yaml'),
    cwd,
    env: {
      GATEWAY_PORT: '7100',
      GATEWAY_HOST: '', // empty = unset
      GATEWAY_ADMIN_HOST: '10.0.0.1',
      GATEWAY_ADMIN_PORT: '7101',
      GATEWAY_ADMIN_TOKEN: 'admin-token',
      GATEWAY_STORE_URL: 'redis://cache:6379/0',
      GATEWAY_WALLET_URL: 'https://wallet.example/api',
      GATEWAY_WALLET_TIMEOUT_MS: ' 2500 ',
      GATEWAY_WALLET_HMAC_SECRET: 'wallet-secret',
      GATEWAY_PROVIDERS_DIR: 'from-env',
      GATEWAY_LOG_LEVEL: 'debug',
    },
  });
  t.same(config.server, { ...DEFAULT_CONFIG.server, port: 7100 });
  t.same(config.admin, { host: '10.0.0.1', port: 7101, token: 'admin-token' });
  t.equal(config.store.url, 'redis://cache:6379/0');
  t.same(config.wallet, { ...DEFAULT_CONFIG.wallet, url: 'https://wallet.example/api', timeout_ms: 2500, hmac_secret: 'wallet-secret' });
  t.equal(config.providers.dir, path.join(cwd, 'from-env'), 'a relative dir from the environment is relative to cwd');
  t.same(config.providers.enabled, ['sportsbook'], 'keys without override keep the file value');
  t.equal(config.log.level, 'debug');
});

t.test('YAML syntax error fixture', async (t) => {
  const ds = await failure({ file: 'yaml-syntax.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_YAML', file: 'yaml-syntax.yaml', line: 4, col: 1 }]);
});

t.test('duplicate key fixture', async (t) => {
  const ds = await failure({ file: 'duplicate-key.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_DUPLICATE', file: 'duplicate-key.yaml', line: 4, col: 3 }]);
  t.equal(formatDiagnostic(ds[0]!), 'duplicate-key.yaml:4:3: duplicate key `port` (hint: `port` is already set on line 2; keep only one)');
});

t.test('unknown key fixture, with did you mean', async (t) => {
  const ds = await failure({ file: 'unknown-key.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_UNKNOWN_KEY', file: 'unknown-key.yaml', line: 3, col: 3 }]);
  t.equal(formatDiagnostic(ds[0]!), 'unknown-key.yaml:3:3: unknown key `prot` in /server (hint: did you mean `port`?)');
});

t.test('wrong type fixture', async (t) => {
  const ds = await failure({ file: 'wrong-type.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_SCHEMA', file: 'wrong-type.yaml', line: 3, col: 15 }]);
  t.equal(ds[0]!.message, '/wallet/timeout_ms must be an integer, got "soon"');
});

t.test('bad enum fixture', async (t) => {
  const ds = await failure({ file: 'bad-enum.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_SCHEMA', file: 'bad-enum.yaml', line: 2, col: 10 }]);
  t.equal(ds[0]!.message, '/log/level must be one of debug, info, warn, error, silent, got "verbose"');
});

t.test('missing required key fixture', async (t) => {
  const ds = await failure({ file: 'missing-required.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_SCHEMA', file: 'missing-required.yaml', line: 3, col: 7 }]);
  t.equal(ds[0]!.message, '/sandbox/players/0 is missing required key `currency`');
});

t.test('unset ${VAR} fixture', async (t) => {
  const ds = await failure({ file: 'unset-var.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_ENV', file: 'unset-var.yaml', line: 2, col: 8 }]);
  t.match(ds[0]!.message, 'REDIS_HOST');
  const { config } = await load({ file: 'unset-var.yaml', env: { REDIS_HOST: 'cache' } });
  t.equal(config.store.url, 'redis://cache:6379');
});

t.test('an unreadable file named explicitly', async (t) => {
  const ds = await failure({ file: 'does-not-exist.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_IO', file: 'does-not-exist.yaml', line: 1, col: 1 }]);
});

t.test('bad environment overrides: <env>:0:0, naming the variable', async (t) => {
  const cwd = await tempDir(t);
  const ds = await failure({ cwd, env: { GATEWAY_PORT: 'abc', GATEWAY_LOG_LEVEL: 'INFO', GATEWAY_ADMIN_PORT: '99999', GATEWAY_STORE_URL: 'ftp://user:hunter2@x' } });
  t.same(ds.map(where), Array(4).fill({ code: 'GW_ERR_CONFIG_SCHEMA', file: '<env>', line: 0, col: 0 }));
  t.same(ds.map((d) => d.message), [
    'GATEWAY_ADMIN_PORT (admin.port) must be at most 65535, got 99999',
    'GATEWAY_LOG_LEVEL (log.level) must be one of debug, info, warn, error, silent, got "INFO"',
    'GATEWAY_PORT (server.port) must be an integer, got "abc"',
    'GATEWAY_STORE_URL (store.url) is not in the expected format',
  ]);
  t.equal(ds[1]!.hint, 'did you mean `info`?');
  t.notMatch(ds.map(formatDiagnostic).join('\n'), 'hunter2', 'secret-bearing values are not echoed');
});

t.test('a bad variable used by ${VAR} in the file is reported once, as the variable', async (t) => {
  const ds = await failure({ file: 'gateway.config.yaml', cwd: PACKAGE_ROOT, env: { GATEWAY_PORT: 'abc' } });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_SCHEMA', file: '<env>', line: 0, col: 0 }]);
});

t.test('many errors in one file are reported together, in order', async (t) => {
  const ds = await failure({ file: 'many-errors.yaml' });
  t.same(ds.map(where), [
    { code: 'GW_ERR_CONFIG_UNKNOWN_KEY', file: 'many-errors.yaml', line: 3, col: 3 },
    { code: 'GW_ERR_CONFIG_SCHEMA', file: 'many-errors.yaml', line: 4, col: 21 },
    { code: 'GW_ERR_CONFIG_ENV', file: 'many-errors.yaml', line: 6, col: 8 },
    { code: 'GW_ERR_CONFIG_SCHEMA', file: 'many-errors.yaml', line: 8, col: 12 },
    { code: 'GW_ERR_CONFIG_DUPLICATE', file: 'many-errors.yaml', line: 11, col: 3 },
    { code: 'GW_ERR_CONFIG_SCHEMA', file: 'many-errors.yaml', line: 14, col: 7 },
  ]);
  try {
    await load({ file: 'many-errors.yaml' });
  } catch (err) {
    t.equal((err as Error).message, ds.map(formatDiagnostic).join('\n'), 'the error message lists them all');
  }
});

t.test('interpolation: defaults, escapes, typing, unset variables', async (t) => {
  const { config } = await load({ file: 'interpolation.yaml', env: { TEST_WALLET_SECRET: 's3cret' } });
  t.equal(config.server.host, '127.0.0.2');
  t.equal(config.server.port, 9000, '${TEST_PORT:-9000} is a number');
  t.equal(config.admin.token, null, '${TEST_ADMIN_TOKEN:-} is empty = none');
  t.equal(config.store.url, 'redis://localhost:6379');
  t.equal(config.store.prefix, 'app:');
  t.equal(config.sandbox.players[0]!.name, '${app}:', '$${ is a literal ${');
  t.equal(config.wallet.hmac_secret, 's3cret');
  const set = await load({ file: 'interpolation.yaml', env: { TEST_WALLET_SECRET: 's', TEST_PORT: '9100', TEST_ADMIN_TOKEN: 'tok', TEST_REDIS_HOST: 'r' } });
  t.equal(set.config.server.port, 9100);
  t.equal(set.config.admin.token, 'tok');
  t.equal(set.config.store.url, 'redis://r:6379');
  const ds = await failure({ file: 'interpolation.yaml' });
  t.same(ds.map(where), [{ code: 'GW_ERR_CONFIG_ENV', file: 'interpolation.yaml', line: 10, col: 16 }]);
});

t.test('cross-key checks: retry order, port clash, duplicate sandbox players', async (t) => {
  const retry = await failure({ file: 'retry-order.yaml' });
  t.same(retry.map(where), [{ code: 'GW_ERR_CONFIG_SCHEMA', file: 'retry-order.yaml', line: 3, col: 25 }]);
  t.equal(retry[0]!.message, '/wallet/retry/initial_backoff_ms (5000) is larger than max_backoff_ms (1000)');

  const dir = await tempDir(t);
  const write = (text: string) => writeFile(path.join(dir, 'gateway.config.yaml'), text);
  await write('server:\n  port: 8081\n');
  const clash = await failure({ cwd: dir });
  t.same(clash.map(where), [{ code: 'GW_ERR_CONFIG_DUPLICATE', file: 'gateway.config.yaml', line: 2, col: 9 }], 'at the key that was set');
  const envClash = await failure({ cwd: dir, env: { GATEWAY_ADMIN_PORT: '8081' } });
  t.same(envClash.map(where), [{ code: 'GW_ERR_CONFIG_DUPLICATE', file: '<env>', line: 0, col: 0 }]);
  t.match(envClash[0]!.message, /^GATEWAY_ADMIN_PORT \(admin\.port\) is 8081/);
  await load({ cwd: dir, env: { GATEWAY_PORT: '0', GATEWAY_ADMIN_PORT: '0' } }).then(() => t.pass('port 0 twice is fine'));
  await load({ cwd: dir, env: { GATEWAY_HOST: '10.0.0.1', GATEWAY_ADMIN_HOST: '127.0.0.1', GATEWAY_ADMIN_PORT: '8081' } }).then(() =>
    t.pass('same port on different addresses is fine'),
  );

  await write('wallet:\n  retry:\n    max_backoff_ms: 10\n');
  const max = await failure({ cwd: dir });
  t.same(max.map(where), [{ code: 'GW_ERR_CONFIG_SCHEMA', file: 'gateway.config.yaml', line: 3, col: 21 }]);

  await write('sandbox:\n  players:\n    - {id: a, currency: EUR, balance: "1"}\n    - {id: a, currency: USD, balance: "2"}\n');
  const dup = await failure({ cwd: dir });
  t.same(dup.map(where), [{ code: 'GW_ERR_CONFIG_DUPLICATE', file: 'gateway.config.yaml', line: 4, col: 12 }]);
});

// ---- keeping the schema, the defaults, the repository file and the docs in step ----------------

type SchemaNode = { properties?: Record<string, SchemaNode>; default?: unknown };

function leaves(node: SchemaNode, prefix: string[] = []): Array<{ path: string[]; default: unknown }> {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) =>
    child.properties ? leaves(child, [...prefix, key]) : [{ path: [...prefix, key], default: child.default }],
  );
}

const gatewaySchema = schemas.find((s) => (s as { $id: string }).$id === 'gateway-config') as SchemaNode;
const getIn = (value: unknown, keys: string[]) => keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

t.test('the schema defaults are DEFAULT_CONFIG', async (t) => {
  const all = leaves(gatewaySchema);
  t.ok(all.length >= 25);
  for (const leaf of all) t.same(leaf.default, getIn(DEFAULT_CONFIG, leaf.path), leaf.path.join('.'));
});

t.test('the repository gateway.config.yaml spells out every key', async (t) => {
  const text = await readFile(path.join(PACKAGE_ROOT, 'gateway.config.yaml'), 'utf8');
  const value = parse(text) as unknown;
  for (const leaf of leaves(gatewaySchema)) t.not(getIn(value, leaf.path), undefined, leaf.path.join('.'));
});

t.test('docs/configuration.md documents every key and environment variable', async (t) => {
  const docs = await readFile(path.join(PACKAGE_ROOT, 'docs', 'configuration.md'), 'utf8');
  for (const leaf of leaves(gatewaySchema)) t.ok(docs.includes('`' + leaf.path.join('.') + '`'), leaf.path.join('.'));
  for (const override of ENV_OVERRIDES) t.ok(docs.includes(override.name), override.name);
});

t.test('store.url accepts exactly the forms the store understands', async (t) => {
  const cwd = await tempDir(t);
  for (const url of ['memory://', 'redis://cache:6379/2', 'rediss://user:pw@cache:6380', 'redis+sentinel://a:26379,b:26379/main', 'redis+cluster://a:7000,b:7001']) {
    const { config } = await load({ cwd, env: { GATEWAY_STORE_URL: url } });
    t.equal(config.store.url, url);
  }
  for (const url of ['memory://x', 'redis://', 'rediss+cluster://a:1', 'http://cache']) {
    const ds = await failure({ cwd, env: { GATEWAY_STORE_URL: url } });
    t.same(ds.map((d) => d.message), ['GATEWAY_STORE_URL (store.url) is not in the expected format'], url);
  }
});

t.test('server.workers > 1 is refused with the memory store or the sandbox wallet, where it was set', async (t) => {
  const dir = await tempDir(t);
  const write = (text: string) => writeFile(path.join(dir, 'gateway.config.yaml'), text);
  await write('server:\n  port: 0\n  workers: 4\n');
  const both = await failure({ cwd: dir });
  t.same(both.map(where), [
    { code: 'GW_ERR_CONFIG_SCHEMA', file: 'gateway.config.yaml', line: 3, col: 12 },
    { code: 'GW_ERR_CONFIG_SCHEMA', file: 'gateway.config.yaml', line: 3, col: 12 },
  ]);
  t.match(both[0]!.message, /^\/server\/workers is 4, but the memory store lives in one process/);
  t.match(both[0]!.hint, /redis/);
  t.match(both[1]!.message, /sandbox wallet's ledger lives in one process/);
  const env = await failure({ cwd: dir, env: { GATEWAY_WORKERS: '2', GATEWAY_STORE_URL: 'redis://127.0.0.1:6379' } });
  t.same(env.map(where), [{ code: 'GW_ERR_CONFIG_SCHEMA', file: '<env>', line: 0, col: 0 }], 'only the sandbox problem is left, reported at the variable');
  t.match(env[0]!.message, /^GATEWAY_WORKERS \(server\.workers\) is 2/);
  const ok = await load({ cwd: dir, env: { GATEWAY_STORE_URL: 'redis://127.0.0.1:6379', GATEWAY_WALLET_URL: 'http://wallet:9000' } });
  t.equal(ok.config.server.workers, 4);
  await write('server:\n  port: 0\n');
  t.equal((await load({ cwd: dir })).config.server.workers, 1, 'default: one process');
  const zero = await failure({ cwd: dir, env: { GATEWAY_WORKERS: '0' } });
  t.equal(zero.length, 1, 'at least one worker');
});
