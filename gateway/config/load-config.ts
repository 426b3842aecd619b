/**
 * Loads gateway.config.yaml: file → `${VAR}` interpolation → schema check → GATEWAY_* overrides
 * (checked too) → defaults → cross-key checks → one frozen GatewayConfig, or one ConfigError
 * carrying every problem found.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type ConfigDiagnostic } from '../errors.js';
import { sortDiagnostics } from './diagnostics.js';
import { ENV_FILE, describeEnvPointer, envSource, readEnvOverrides, type EnvLayer } from './env-overrides.js';
import { DEFAULT_CONFIG, type GatewayConfig } from './gateway-config.js';
import { toPointer, type DocPath } from './pointer.js';
import { createSchemaChecker, loadSchemas, type SchemaChecker } from './schema-check.js';
import { diagnosticAt, readYamlSource, type Env, type YamlSource } from './yaml-source.js';

/** The file looked for in the working directory when no file is named. */
export const DEFAULT_CONFIG_FILE = 'gateway.config.yaml';
const SCHEMA_ID = 'gateway-config';

export interface LoadConfigOptions {
  /** Config file; relative to `cwd`. Default: ./gateway.config.yaml if it exists, else none. */
  file?: string;
  env: Env;
  /** Default: process.cwd(). */
  cwd?: string;
  /** A checker already built over the schemas (e.g. shared with descriptor validation). */
  checker?: SchemaChecker;
}

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge where `over` wins; objects merge key by key, anything else is replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = merge(base[key], value);
  return out;
}

function getIn(value: unknown, docPath: DocPath): unknown {
  let node = value;
  for (const segment of docPath) node = isPlainObject(node) || Array.isArray(node) ? (node as Json)[String(segment)] : undefined;
  return node;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Where a key's effective value was set, so a cross-key problem is reported where it can be fixed. */
class Places {
  constructor(
    private readonly src: YamlSource | undefined,
    private readonly env: EnvLayer,
  ) {}

  origin(docPath: DocPath): 'env' | 'file' | 'default' {
    if (this.env.variables.has(toPointer(docPath))) return 'env';
    return this.src && getIn(this.src.value, docPath) !== undefined ? 'file' : 'default';
  }

  /** A diagnostic at the place `docPath` was set; `say` words the message around its subject. */
  diagnostic(docPath: DocPath, code: ConfigDiagnostic['code'], say: (subject: string) => string, hint?: string): ConfigDiagnostic {
    const pointer = toPointer(docPath);
    const variable = this.env.variables.get(pointer);
    if (variable || !this.src) {
      const subject = variable ? `${variable.name} (${docPath.join('.')})` : docPath.join('.');
      return { code, file: ENV_FILE, line: 0, col: 0, message: say(subject), ...(hint ? { hint } : {}), pointer };
    }
    return diagnosticAt(this.src, docPath, code, say(pointer), hint);
  }
}

/** Problems no schema can see: they involve several keys. Written defensively: the value may be invalid. */
function crossKeyChecks(merged: Json, places: Places): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const retry = getIn(merged, ['wallet', 'retry']) as Json | undefined;
  const [initial, max] = [retry?.['initial_backoff_ms'], retry?.['max_backoff_ms']];
  if (typeof initial === 'number' && typeof max === 'number' && initial > max) {
    const hint = 'the first pause cannot be longer than the longest pause';
    out.push(
      places.origin(['wallet', 'retry', 'initial_backoff_ms']) === 'default'
        ? places.diagnostic(['wallet', 'retry', 'max_backoff_ms'], 'GW_ERR_CONFIG_SCHEMA', (s) => `${s} (${max}) is smaller than initial_backoff_ms (${initial})`, hint)
        : places.diagnostic(['wallet', 'retry', 'initial_backoff_ms'], 'GW_ERR_CONFIG_SCHEMA', (s) => `${s} (${initial}) is larger than max_backoff_ms (${max})`, hint),
    );
  }
  const [serverPort, adminPort] = [getIn(merged, ['server', 'port']), getIn(merged, ['admin', 'port'])];
  const [serverHost, adminHost] = [getIn(merged, ['server', 'host']), getIn(merged, ['admin', 'host'])];
  const wildcard = (h: unknown): boolean => h === '0.0.0.0' || h === '::';
  if (typeof serverPort === 'number' && serverPort !== 0 && serverPort === adminPort && (serverHost === adminHost || wildcard(serverHost) || wildcard(adminHost))) {
    const key = places.origin(['admin', 'port']) === 'default' ? ['server', 'port'] : ['admin', 'port'];
    const other = key[0] === 'admin' ? 'public' : 'admin';
    out.push(places.diagnostic(key, 'GW_ERR_CONFIG_DUPLICATE', (s) => `${s} is ${serverPort}, the port of the ${other} listener too`, 'give server.port and admin.port different values'));
  }
  const workers = getIn(merged, ['server', 'workers']);
  if (typeof workers === 'number' && workers > 1) {
    const storeUrl = getIn(merged, ['store', 'url']);
    if (typeof storeUrl === 'string' && storeUrl.startsWith('memory:')) {
      out.push(places.diagnostic(['server', 'workers'], 'GW_ERR_CONFIG_SCHEMA', (s) => `${s} is ${workers}, but the memory store lives in one process: each worker would keep its own idempotency records and nonces`, 'use a shared store (store.url: redis://…) or server.workers: 1'));
    }
    if (getIn(merged, ['wallet', 'url']) === 'sandbox' && !getIn(merged, ['wallet', 'adapter'])) {
      out.push(places.diagnostic(['server', 'workers'], 'GW_ERR_CONFIG_SCHEMA', (s) => `${s} is ${workers}, but the sandbox wallet's ledger lives in one process: each worker would keep its own balances`, 'point wallet.url at the core wallet, or use server.workers: 1 with the sandbox'));
    }
  }
  const players = getIn(merged, ['sandbox', 'players']);
  if (Array.isArray(players)) {
    const firstIndex = new Map<string, number>();
    players.forEach((player, i) => {
      const id = isPlainObject(player) ? player['id'] : undefined;
      if (typeof id !== 'string') return;
      const first = firstIndex.get(id);
      if (first === undefined) firstIndex.set(id, i);
      else out.push(places.diagnostic(['sandbox', 'players', i, 'id'], 'GW_ERR_CONFIG_DUPLICATE', (s) => `${s}: player \`${id}\` is defined twice`, `the first definition is /sandbox/players/${first}`));
    });
  }
  return out;
}

/** Turns the validated, merged value into the typed config: absolute providers.dir, string balances. */
function finish(merged: Json, places: Places, dirs: { cwd: string; fileDir: string }): GatewayConfig {
  const config = merged as unknown as GatewayConfig;
  // From the environment a relative path means what it means in the shell: relative to the cwd.
  const base = places.origin(['providers', 'dir']) === 'env' ? dirs.cwd : dirs.fileDir;
  return deepFreeze({
    ...config,
    providers: { ...config.providers, dir: path.resolve(base, config.providers.dir) },
    wallet: { ...config.wallet, adapter: config.wallet.adapter ? path.resolve(places.origin(['wallet', 'adapter']) === 'env' ? dirs.cwd : dirs.fileDir, config.wallet.adapter) : null },
    sandbox: {
      players: config.sandbox.players.map((p) => ({ ...p, balance: String(p.balance), blocked: p.blocked ?? false })),
    },
  });
}

/**
 * Loads and validates the gateway config. Throws ConfigError with every problem, sorted by
 * position; environment problems come first, at `<env>:0:0`.
 *
 * @example
 * const { config } = await loadGatewayConfig({ file: 'gateway.config.yaml', env: process.env });
 * config.server.port // 8080, or GATEWAY_PORT
 */
export async function loadGatewayConfig(opts: LoadConfigOptions): Promise<{ config: GatewayConfig; file?: string }> {
  const cwd = opts.cwd ?? process.cwd();
  let shown = opts.file;
  if (shown === undefined && (await isFile(path.resolve(cwd, DEFAULT_CONFIG_FILE)))) shown = DEFAULT_CONFIG_FILE;
  const absolute = shown === undefined ? undefined : path.resolve(cwd, shown);
  const checker = opts.checker ?? createSchemaChecker(await loadSchemas());
  const diagnostics: ConfigDiagnostic[] = [];

  let src: YamlSource | undefined;
  if (shown !== undefined) {
    src = await readYamlSource(shown, opts.env, { cwd });
    // An empty file is a valid config: all defaults.
    if (src.value == null && src.diagnostics.length === 0) src = { ...src, value: {} };
    diagnostics.push(...src.diagnostics, ...checker.check(SCHEMA_ID, src));
  }

  const layer = readEnvOverrides(opts.env);
  diagnostics.push(...checker.check(SCHEMA_ID, envSource(layer), { describe: (p) => describeEnvPointer(layer, p) }));
  // `port: ${GATEWAY_PORT}` with GATEWAY_PORT=abc is one mistake: report it once, as the variable.
  const reportedByEnv = (d: ConfigDiagnostic): boolean => {
    const variable = d.pointer === undefined ? undefined : layer.variables.get(d.pointer);
    return d.file !== ENV_FILE && variable !== undefined && (src?.interpolated?.get(d.pointer!) ?? []).includes(variable.name);
  };
  const kept = diagnostics.filter((d) => !reportedByEnv(d));

  const places = new Places(src, layer);
  // A clone: finish() freezes what it returns, and parts of the defaults would be shared into it.
  const merged = merge(merge(structuredClone(DEFAULT_CONFIG), isPlainObject(src?.value) ? src.value : {}), layer.value) as Json;
  kept.push(...crossKeyChecks(merged, places));
  if (kept.length > 0) throw new ConfigError(sortDiagnostics(kept));

  const config = finish(merged, places, { cwd, fileDir: absolute ? path.dirname(absolute) : cwd });
  return absolute === undefined ? { config } : { config, file: absolute };
}
