/**
 * Loads plugins: every `*.js`/`*.mjs` module in the plugins folders default-exports a
 * GatewayPlugin (or an array of them). The repo's TypeScript plugins compile to dist/plugins/;
 * operators may drop plain JS modules into plugins/.
 *
 * Any failure is fatal and names the file, because a provider whose plugin is missing cannot run:
 * a module that does not import (syntax error, missing dependency, throwing top level), a default
 * export that is not a plugin, two plugins with the same kind and name, or an options schema that
 * does not compile. They are {@link ConfigError}s, so the CLI prints them as `file:line:col:`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, type ConfigDiagnostic } from '../errors.js';
import { staticRegistry, type GatewayPlugin, type PluginEntry, type PluginRegistry } from './registry.js';

function isPlugin(p: unknown): p is GatewayPlugin {
  const o = p as GatewayPlugin | undefined;
  return !!o && typeof o === 'object' && (o.kind === 'signature' || o.kind === 'transform') && typeof o.name === 'string' && o.name !== '' && typeof o.create === 'function';
}

function problem(file: string, message: string, hint?: string, line = 1, col = 1): ConfigDiagnostic {
  // Printed like descriptor paths: relative to the working directory, so editors can open it.
  const shown = path.relative(process.cwd(), file) || file;
  return { code: 'GW_ERR_CONFIG_PLUGIN', file: shown, line, col, message, ...(hint ? { hint } : {}) };
}

/** The position of an import failure inside `file`, when V8 reports one (syntax errors do). */
function positionIn(file: string, e: unknown): { line: number; col: number } {
  const url = pathToFileURL(file).href;
  const text = String((e as Error)?.stack ?? '');
  for (const prefix of [url, file]) {
    const i = text.indexOf(`${prefix}:`);
    if (i < 0) continue;
    const m = /^:(\d+)(?::(\d+))?/.exec(text.slice(i + prefix.length));
    if (m) return { line: Number(m[1]), col: m[2] ? Number(m[2]) : 1 };
  }
  return { line: 1, col: 1 };
}

async function importPlugins(file: string): Promise<GatewayPlugin[]> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    const { line, col } = positionIn(file, e);
    throw new ConfigError([problem(file, `plugin module failed to load: ${(e as Error)?.message ?? String(e)}`, 'fix the module or remove it from the plugins folder', line, col)]);
  }
  const list = Array.isArray(mod.default) ? mod.default : [mod.default];
  if (list.length === 0 || !list.every(isPlugin)) {
    throw new ConfigError([problem(file, 'the default export is not a gateway plugin', 'export default { kind: "signature" | "transform", name, create } (or an array of them); see docs/plugins.md')]);
  }
  return list;
}

/**
 * Imports the plugins in `dirs`; a folder that does not exist is skipped.
 *
 * @throws ConfigError naming the file of the first bad module.
 * @example const registry = await loadPlugins([path.join(PACKAGE_ROOT, 'dist', 'plugins')]);
 */
export async function loadPlugins(dirs: readonly string[]): Promise<PluginRegistry> {
  const entries: PluginEntry[] = [];
  const where = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /\.m?js$/.test(n) && !n.endsWith('.test.js')).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const file = path.join(dir, n);
      for (const plugin of await importPlugins(file)) {
        const key = `${plugin.kind}:${plugin.name}`;
        const earlier = where.get(key);
        if (earlier !== undefined) {
          throw new ConfigError([problem(file, `${plugin.kind} plugin \`${plugin.name}\` is also defined in ${earlier}`, 'plugin names are unique per kind; rename one')]);
        }
        where.set(key, file);
        entries.push({ plugin, file });
      }
    }
  }
  try {
    return staticRegistry(entries);
  } catch (e) {
    const message = (e as Error).message;
    const file = entries.find((x) => message.startsWith(`${x.file}: `))?.file ?? dirs[0] ?? '.';
    throw new ConfigError([problem(file, message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message)]);
  }
}
