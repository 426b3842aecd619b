/** `gateway validate [FILES…] [--config F] [--json]`: every problem as file:line:col, exit 1 on any. */
import path from 'node:path';
import { ConfigError, formatDiagnostic, type ConfigDiagnostic } from '../errors.js';
import { descriptorFiles, loadProviders } from '../config/load-providers.js';
import { loadAdapter } from '../wallet/adapter/load-adapter.js';
import { cliContext, offlineDeps } from './context.js';

export async function validate(files: string[], configFile: string | undefined, json: boolean): Promise<number> {
  let diagnostics: ConfigDiagnostic[] = [];
  const summary: { providers: string[]; disabled: { id: string; reason: string }[]; wallets: string[] } = { providers: [], disabled: [], wallets: [] };
  try {
    const c = await cliContext(configFile);
    // Secrets are checked as `serve` would; validate itself never needs them, so sandbox values count.
    const deps = await offlineDeps(c, true);
    // Wallet descriptors: named files under a wallets/ folder, the configured adapter, and every
    // descriptor of the wallets/ folder beside the config file.
    const isWallet = (f: string): boolean => path.basename(path.dirname(path.resolve(f))) === 'wallets';
    const providerFiles = files.filter((f) => !isWallet(f));
    const walletFiles = new Set(files.filter(isWallet).map((f) => path.resolve(f)));
    if (files.length === 0) {
      if (c.config.wallet.adapter) walletFiles.add(c.config.wallet.adapter);
      const dir = path.join(c.configFile ? path.dirname(path.resolve(c.configFile)) : process.cwd(), 'wallets');
      for (const f of await descriptorFiles(dir).catch(() => [])) walletFiles.add(f);
    }
    const r = files.length && providerFiles.length === 0 ? { diagnostics: [], providers: [], disabled: [] } : await loadProviders({ dir: c.config.providers.dir, ...(providerFiles.length ? { files: providerFiles.map((f) => path.resolve(f)) } : {}), deps, checker: c.checker });
    diagnostics = [...r.diagnostics];
    for (const f of walletFiles) {
      const w = await loadAdapter(f, deps, c.checker);
      diagnostics.push(...w.diagnostics);
      if (w.adapter) summary.wallets.push(w.adapter.id);
    }
    summary.providers = r.providers.map((p) => p.id);
    summary.disabled = r.disabled.map((d) => ({ id: d.id, reason: d.reason }));
  } catch (e) {
    if (e instanceof ConfigError) diagnostics = [...e.diagnostics];
    else throw e;
  }
  if (json) {
    process.stdout.write(JSON.stringify({ ok: diagnostics.length === 0, diagnostics, ...summary }, null, 2) + '\n');
  } else if (diagnostics.length > 0) {
    for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
    process.stderr.write(`${diagnostics.length} problem${diagnostics.length > 1 ? 's' : ''} found\n`);
  } else {
    process.stdout.write(`ok: ${summary.providers.length} provider(s) valid: ${summary.providers.join(', ')}${summary.wallets.length ? `; wallet adapter(s): ${summary.wallets.join(', ')}` : ''}\n`);
  }
  return diagnostics.length === 0 ? 0 : 1;
}
