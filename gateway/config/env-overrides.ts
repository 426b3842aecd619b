/**
 * GATEWAY_* environment variables (CONTRACT §2, fixed names) and the config keys they override.
 * They win over the file. Their values are checked by the same schema as the file, with
 * diagnostics placed at `<env>:0:0` and naming the variable, since they have no file position.
 */
import type { ConfigDiagnostic } from '../errors.js';
import type { DocPath } from './pointer.js';
import { toPointer } from './pointer.js';
import type { Env, YamlSource } from './yaml-source.js';

/** One override: the variable, the config key it sets, and how its text becomes a value. */
export interface EnvOverride {
  readonly name: string;
  readonly path: DocPath;
  readonly kind: 'string' | 'integer';
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { name: 'GATEWAY_HOST', path: ['server', 'host'], kind: 'string' },
  { name: 'GATEWAY_PORT', path: ['server', 'port'], kind: 'integer' },
  { name: 'GATEWAY_WORKERS', path: ['server', 'workers'], kind: 'integer' },
  { name: 'GATEWAY_ADMIN_HOST', path: ['admin', 'host'], kind: 'string' },
  { name: 'GATEWAY_ADMIN_PORT', path: ['admin', 'port'], kind: 'integer' },
  { name: 'GATEWAY_ADMIN_TOKEN', path: ['admin', 'token'], kind: 'string' },
  { name: 'GATEWAY_STORE_URL', path: ['store', 'url'], kind: 'string' },
  { name: 'GATEWAY_WALLET_URL', path: ['wallet', 'url'], kind: 'string' },
  { name: 'GATEWAY_WALLET_TIMEOUT_MS', path: ['wallet', 'timeout_ms'], kind: 'integer' },
  { name: 'GATEWAY_WALLET_HMAC_SECRET', path: ['wallet', 'hmac_secret'], kind: 'string' },
  { name: 'GATEWAY_WALLET_ADAPTER', path: ['wallet', 'adapter'], kind: 'string' },
  { name: 'GATEWAY_PROVIDERS_DIR', path: ['providers', 'dir'], kind: 'string' },
  { name: 'GATEWAY_LOG_LEVEL', path: ['log', 'level'], kind: 'string' },
];

/** The file name environment diagnostics carry; their line and column are 0. */
export const ENV_FILE = '<env>';

/** The overrides present in `env`, as a sparse config object and a pointer → variable map. */
export interface EnvLayer {
  readonly value: Record<string, unknown>;
  readonly variables: ReadonlyMap<string, EnvOverride>;
}

function setIn(target: Record<string, unknown>, path: DocPath, value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const key = String(segment);
    node = (node[key] ??= {}) as Record<string, unknown>;
  }
  node[String(path[path.length - 1])] = value;
}

/**
 * Reads the overrides from `env`. An empty variable counts as unset (as `${VAR:-x}` does), so
 * `GATEWAY_ADMIN_TOKEN=` in a compose file does not set an empty token. Integer variables that
 * are not integers stay strings, for the schema to report.
 *
 * @example readEnvOverrides({ GATEWAY_PORT: '9090' }).value // { server: { port: 9090 } }
 */
export function readEnvOverrides(env: Env): EnvLayer {
  const value: Record<string, unknown> = {};
  const variables = new Map<string, EnvOverride>();
  for (const override of ENV_OVERRIDES) {
    const text = env[override.name];
    if (text === undefined || text === '') continue;
    const trimmed = text.trim();
    const parsed = override.kind === 'integer' && /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : text;
    setIn(value, override.path, parsed);
    variables.set(toPointer(override.path), override);
  }
  return { value, variables };
}

/**
 * A source view of the environment layer, so the schema checker can check it like a file.
 *
 * @example checker.check('gateway-config', envSource(layer), { describe: (p) => describeEnvPointer(layer, p) })
 */
export function envSource(layer: EnvLayer, diagnostics: ConfigDiagnostic[] = []): YamlSource {
  return { file: ENV_FILE, value: layer.value, diagnostics, positionOf: () => ({ line: 0, col: 0 }) };
}

/**
 * Names a place in the environment layer for messages.
 *
 * @example describeEnvPointer(readEnvOverrides({ GATEWAY_PORT: 'x' }), '/server/port') // 'GATEWAY_PORT (server.port)'
 */
export function describeEnvPointer(layer: EnvLayer, pointer: string): string {
  const override = layer.variables.get(pointer);
  return override ? `${override.name} (${override.path.join('.')})` : `the environment (${pointer || '/'})`;
}
