/**
 * Loads a wallet descriptor: YAML with positions → schemas/wallet.schema.json → secrets and settings
 * from the environment → compile. Every problem is a diagnostic at file:line:col; nothing starts on
 * a broken adapter.
 */
import path from 'node:path';
import type { ConfigDiagnostic } from '../../errors.js';
import type { EngineDeps } from '../../compile/engine.js';
import type { ConfigProblem } from '../../compile/problem.js';
import { resolveSecrets } from '../../compile/resolve-secrets.js';
import type { SchemaChecker } from '../../config/schema-check.js';
import { diagnosticAt, readYamlSource } from '../../config/yaml-source.js';
import { sortDiagnostics } from '../../config/diagnostics.js';
import type { WalletDescriptor } from './adapter-config.js';
import { compileAdapter, type CompiledAdapter } from './compile-adapter.js';

export interface LoadedAdapter {
  adapter: CompiledAdapter | undefined;
  diagnostics: ConfigDiagnostic[];
  /** Loud notes (sandbox secrets in use). */
  warnings: string[];
}

/** @example await loadAdapter('/etc/gateway/wallets/ledgerpro.yaml', deps, checker) */
export async function loadAdapter(file: string, deps: EngineDeps, checker: SchemaChecker, cwd = process.cwd()): Promise<LoadedAdapter> {
  const display = path.relative(cwd, file) || file;
  const src = await readYamlSource(display, deps.env, { cwd });
  if (src.diagnostics.length > 0) return { adapter: undefined, diagnostics: src.diagnostics, warnings: [] };
  const schema = checker.check('wallet', src);
  if (schema.length > 0) return { adapter: undefined, diagnostics: schema, warnings: [] };
  const w = src.value as WalletDescriptor;
  const resolved = resolveSecrets(w.secrets, w.settings, deps.env, deps.settings.sandbox);
  const diagnostics: ConfigDiagnostic[] = resolved.invalid.map((bad) => diagnosticAt(src, ['secrets', bad.name], 'GW_ERR_CONFIG_SECRET', bad.message));
  if (resolved.missing.length > 0) diagnostics.push(diagnosticAt(src, ['secrets'], 'GW_ERR_CONFIG_SECRET', `wallet adapter ${w.id} needs ${resolved.missing.join(', ')}`, 'set the variable (the wallet cannot be reached without it)'));
  if (diagnostics.length > 0) return { adapter: undefined, diagnostics, warnings: [] };
  const problems: ConfigProblem[] = [];
  const adapter = compileAdapter(w, resolved, deps, problems);
  for (const p of problems) diagnostics.push(diagnosticAt(src, p.path, p.code, p.message, p.hint));
  const warnings = resolved.sandboxed.length ? [`SANDBOX MODE: wallet adapter ${w.id} runs on its descriptor's sandbox secret(s) ${resolved.sandboxed.join(', ')}`] : [];
  // YAML anchors (`*money_answer`) compile once per use: each problem is reported once.
  return { adapter: diagnostics.length ? undefined : adapter, diagnostics: sortDiagnostics(diagnostics), warnings };
}
