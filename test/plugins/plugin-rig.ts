/** Loading descriptors with the repo's plugins plus the test plugins, without starting servers. */
import path from 'node:path';
import { DEFAULT_SETTINGS } from '../../gateway/compile/engine.js';
import { loadProviders } from '../../gateway/config/load-providers.js';
import { createSchemaChecker, loadSchemas } from '../../gateway/config/schema-check.js';
import { formatDiagnostic } from '../../gateway/errors.js';
import { silentLogger } from '../../gateway/log.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { loadPlugins } from '../../gateway/plugins/load-plugins.js';
import { defaultPluginDirs } from '../../gateway/server/gateway.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { SandboxWallet } from '../../gateway/wallet/sandbox-wallet.js';
import { SandboxLedger } from '../../gateway/wallet/sandbox-ledger.js';

export const TEST_PLUGINS_DIR = path.join(PACKAGE_ROOT, 'dist', 'test', 'fixtures', 'plugins');
export const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'descriptors');

/** Loads `files` (relative to test/fixtures/descriptors) and returns each diagnostic as `file:line:col: message (hint: …)`. */
export async function loadDiagnostics(files: string[], env: Record<string, string> = {}): Promise<string[]> {
  const plugins = await loadPlugins([...defaultPluginDirs(), TEST_PLUGINS_DIR]);
  const r = await loadProviders({
    dir: FIXTURES,
    files: files.map((f) => path.join(FIXTURES, f)),
    deps: { store: new MemoryStore(), wallet: new SandboxWallet(new SandboxLedger()), log: silentLogger, settings: DEFAULT_SETTINGS, env, plugins, now: Date.now },
    checker: createSchemaChecker(await loadSchemas()),
    cwd: path.join(FIXTURES),
  });
  return r.diagnostics.map(formatDiagnostic);
}
