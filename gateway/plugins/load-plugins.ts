/**
 * Loads plugins: every `*.js`/`*.mjs` module in the plugins folders default-exports a
 * GatewayPlugin (or an array of them). The repo's TypeScript plugins compile to dist/plugins/.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { staticRegistry, type GatewayPlugin, type PluginRegistry } from './registry.js';

function isPlugin(p: unknown): p is GatewayPlugin {
  const o = p as GatewayPlugin | undefined;
  return !!o && (o.kind === 'signature' || o.kind === 'transform') && typeof o.name === 'string' && typeof o.create === 'function';
}

/** Imports the plugins in `dirs`; a folder that does not exist is skipped. Throws naming a bad file. */
export async function loadPlugins(dirs: readonly string[]): Promise<PluginRegistry> {
  const plugins: GatewayPlugin[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /\.(m?js)$/.test(n) && !n.endsWith('.test.js')).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const file = path.join(dir, n);
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      const list = Array.isArray(mod.default) ? mod.default : [mod.default];
      for (const p of list) {
        if (!isPlugin(p)) throw new Error(`${file}: the default export is not a gateway plugin ({kind, name, create})`);
        const key = `${p.kind}:${p.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        plugins.push(p);
      }
    }
  }
  return staticRegistry(plugins);
}
