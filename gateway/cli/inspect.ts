/** `gateway inspect PROVIDER`: the compiled stage list of each route, as the engine runs it. */
import { formatDiagnostic } from '../errors.js';
import { loadProviders } from '../config/load-providers.js';
import { cliContext, offlineDeps } from './context.js';

export async function inspect(ids: string[], configFile: string | undefined): Promise<number> {
  const c = await cliContext(configFile);
  const deps = await offlineDeps(c, true);
  const r = await loadProviders({ dir: c.config.providers.dir, deps, checker: c.checker });
  for (const d of r.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  const wanted = ids.length ? ids : [...r.providers.map((p) => p.id)];
  let status = r.diagnostics.length ? 1 : 0;
  for (const id of wanted) {
    const p = r.providers.find((x) => x.id === id);
    if (!p) {
      process.stderr.write(`unknown provider ${id} (loaded: ${r.providers.map((x) => x.id).join(', ') || 'none'})\n`);
      status = 1;
      continue;
    }
    const out: string[] = [`${p.id} — ${p.name}${p.description ? `: ${p.description}` : ''}`, `  body limit ${p.bodyLimit} bytes; errors: ${p.errors.describe}`];
    for (const { route, shared } of p.routes) {
      const when = route.when ? ` when ${Object.entries(route.when).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}` : '';
      out.push('', `  ${route.method} /${p.id}${route.path}${when} → ${route.operation} (${route.name})`);
      const all = [...shared, ...route.stages];
      all.forEach((s, i) => out.push(`    ${String(i + 1).padStart(2)}. ${s.name.padEnd(18)} ${s.detail}`));
      out.push(`    ${String(all.length + 1).padStart(2)}. ${'respond'.padEnd(18)} success template, else error table`);
    }
    if (p.outbound) out.push('', '  Outbound calls (admin API → provider):', ...p.outbound.describe());
    process.stdout.write(out.join('\n') + '\n\n');
  }
  return status;
}
