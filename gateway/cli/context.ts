/** Shared CLI set-up: config, schemas, a compile environment that touches no network. */
import { loadGatewayConfig } from '../config/load-config.js';
import { createSchemaChecker, loadSchemas } from '../config/schema-check.js';
import type { EngineDeps } from '../compile/engine.js';
import { engineSettings, defaultPluginDirs, isSandboxWallet, sandboxLedger, type RuntimeConfig } from '../server/gateway.js';
import { silentLogger } from '../log.js';
import { loadPlugins } from '../plugins/load-plugins.js';
import { MemoryStore } from '../store/memory-store.js';
import { SandboxWallet } from '../wallet/sandbox-wallet.js';
import type { SchemaChecker } from '../config/load-providers.js';

export interface CliContext {
  config: RuntimeConfig;
  configFile: string | undefined;
  checker: SchemaChecker;
  env: Readonly<Record<string, string | undefined>>;
}

export async function cliContext(configFile: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): Promise<CliContext> {
  const checker = createSchemaChecker(await loadSchemas());
  const { config, file } = await loadGatewayConfig({ ...(configFile ? { file: configFile } : {}), env, checker });
  return { config: config as unknown as RuntimeConfig, configFile: file, checker, env };
}

/** Compile-time dependencies with an in-memory store and the sandbox ledger: no network. */
export async function offlineDeps(c: CliContext, sandbox: boolean): Promise<EngineDeps> {
  const settings = { ...engineSettings(c.config), sandbox: sandbox || isSandboxWallet(c.config) };
  return {
    store: new MemoryStore(),
    wallet: new SandboxWallet(sandboxLedger(c.config)),
    log: silentLogger,
    settings,
    env: c.env,
    plugins: await loadPlugins(defaultPluginDirs()),
    now: Date.now,
  };
}
