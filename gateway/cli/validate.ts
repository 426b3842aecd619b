/** `gateway validate [FILES…] [--config F] [--json]`: every problem as file:line:col, exit 1 on any. */
import path from 'node:path';
import { ConfigError, formatDiagnostic, type ConfigDiagnostic } from '../errors.js';
import { loadProviders } from '../config/load-providers.js';
import { cliContext, offlineDeps } from './context.js';

export async function validate(files: string[], configFile: string | undefined, json: boolean): Promise<number> {
  let diagnostics: ConfigDiagnostic[] = [];
  const summary: { providers: string[]; disabled: { id: string; reason: string }[] } = { providers: [], disabled: [] };
  try {
    const c = await cliContext(configFile);
    // Secrets are checked as `serve` would; validate itself never needs them, so sandbox values count.
    const deps = await offlineDeps(c, true);
    const r = await loadProviders({ dir: c.config.providers.dir, ...(files.length ? { files: files.map((f) => path.resolve(f)) } : {}), deps, checker: c.checker });
    diagnostics = r.diagnostics;
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
    process.stdout.write(`ok: ${summary.providers.length} provider(s) valid: ${summary.providers.join(', ')}\n`);
  }
  return diagnostics.length === 0 ? 0 : 1;
}
