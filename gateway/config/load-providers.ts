/**
 * Loads every descriptor in providers.dir: YAML with positions → JSON Schema check → secrets →
 * compile. Every problem in every file is collected (file:line:col) before anything is swapped in.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigDiagnostic } from '../errors.js';
import { compileProvider, type CompiledProvider } from '../compile/compile-provider.js';
import type { Descriptor } from '../compile/descriptor.js';
import type { EngineDeps } from '../compile/engine.js';
import type { ConfigProblem } from '../compile/problem.js';
import { resolveSecrets } from '../compile/resolve-secrets.js';
import { compileErrors, type ErrorRenderer } from '../compile/compile-errors.js';
import { compileAmountRules } from '../compile/amount-rules.js';
import type { DisabledProvider } from '../server/provider-set.js';
import { sortDiagnostics } from './diagnostics.js';
import type { SchemaChecker } from './schema-check.js';
export type { SchemaChecker } from './schema-check.js';
import { diagnosticAt, readYamlSource } from './yaml-source.js';

export interface LoadResult {
  providers: CompiledProvider[];
  disabled: DisabledProvider[];
  /** The error envelopes of providers disabled for missing secrets (they answer 503 in them). */
  disabledErrors: Map<string, ErrorRenderer>;
  diagnostics: ConfigDiagnostic[];
  /** Loud notes for start-up (sandbox secrets in use …). */
  warnings: string[];
}

/** Descriptor files in a folder, sorted: *.yaml and *.yml. */
export async function descriptorFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(dir, n));
}

/**
 * @param files explicit files (CLI `validate FILES…`), else every descriptor in `dir`.
 * @param enabled when set, only these ids load, and their missing secrets are errors.
 */
export async function loadProviders(opts: {
  dir: string;
  files?: string[];
  deps: EngineDeps;
  checker: SchemaChecker;
  enabled?: readonly string[];
  cwd?: string;
}): Promise<LoadResult> {
  const { deps, checker, enabled } = opts;
  const out: LoadResult = { providers: [], disabled: [], disabledErrors: new Map(), diagnostics: [], warnings: [] };
  let files: string[];
  try {
    files = opts.files ?? (await descriptorFiles(opts.dir));
  } catch (e) {
    out.diagnostics.push({ code: 'GW_ERR_CONFIG_IO', file: opts.dir, line: 1, col: 1, message: `cannot read the providers folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, hint: 'set providers.dir or GATEWAY_PROVIDERS_DIR' });
    return out;
  }
  const seen = new Map<string, string>();
  for (const file of files) {
    const cwd = opts.cwd ?? process.cwd();
    const display = path.relative(cwd, file) || file;
    const src = await readYamlSource(display, deps.env, { cwd });
    // A descriptor left out by providers.enabled does not block start-up with its problems.
    const declaredId = typeof src.value === 'object' && src.value !== null ? (src.value as { id?: unknown }).id : undefined;
    if (enabled && typeof declaredId === 'string' && !enabled.includes(declaredId)) {
      out.disabled.push({ id: declaredId, file: display, reason: 'not listed in providers.enabled' });
      continue;
    }
    out.diagnostics.push(...src.diagnostics);
    if (src.diagnostics.length > 0) continue;
    const schemaProblems = checker.check('provider', src);
    if (schemaProblems.length > 0) {
      out.diagnostics.push(...schemaProblems);
      continue;
    }
    const d = src.value as Descriptor;
    if (seen.has(d.id)) {
      out.diagnostics.push(diagnosticAt(src, ['id'], 'GW_ERR_CONFIG_DUPLICATE', `provider id \`${d.id}\` is also defined in ${seen.get(d.id)}`, 'each provider id is defined once'));
      continue;
    }
    seen.set(d.id, display);
    if (enabled && !enabled.includes(d.id)) {
      out.disabled.push({ id: d.id, file: display, reason: 'not listed in providers.enabled' });
      continue;
    }
    const resolved = resolveSecrets(d.secrets, d.settings, deps.env, deps.settings.sandbox);
    for (const bad of resolved.invalid) out.diagnostics.push(diagnosticAt(src, ['secrets', bad.name], 'GW_ERR_CONFIG_SECRET', bad.message));
    if (resolved.missing.length > 0) {
      const reason = `missing ${resolved.missing.join(', ')}`;
      if (enabled) {
        out.diagnostics.push(diagnosticAt(src, ['secrets'], 'GW_ERR_CONFIG_SECRET', `provider ${d.id} is enabled but ${resolved.missing.join(', ')} ${resolved.missing.length > 1 ? 'are' : 'is'} not set`, 'set the variable, or remove the provider from providers.enabled'));
      } else {
        out.disabled.push({ id: d.id, file: display, reason });
        // Its error table needs no secret: callbacks keep getting the provider's own envelope.
        try {
          out.disabledErrors.set(d.id, compileErrors(d.errors, ['errors'], { amounts: compileAmountRules(d.amounts, deps.settings.currencies), settings: resolved.settings }));
        } catch {
          /* a broken table: the gateway's 404 it is */
        }
      }
      continue;
    }
    if (resolved.invalid.length > 0) continue;
    const problems: ConfigProblem[] = [];
    const compiled = compileProvider(d, resolved, deps, problems);
    // A YAML anchor used twice (`<<: *page`) compiles twice: sortDiagnostics reports it once.
    for (const p of problems) out.diagnostics.push(diagnosticAt(src, p.path, p.code, p.message, p.hint));
    if (!compiled) continue;
    if (resolved.sandboxed.length > 0) {
      out.warnings.push(`SANDBOX MODE: provider ${d.id} runs on its descriptor's sandbox secret(s) ${resolved.sandboxed.join(', ')} — never use this in production; set ${Object.entries(d.secrets ?? {}).filter(([n]) => resolved.sandboxed.includes(n)).map(([, s]) => s.env).join(', ')}`);
    }
    out.providers.push(compiled);
  }
  out.diagnostics = sortDiagnostics(out.diagnostics);
  return out;
}
