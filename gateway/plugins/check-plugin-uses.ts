/**
 * Resolves every plugin a descriptor names and checks its `options` against the plugin's own
 * schema, before anything of that descriptor is compiled. This is what makes an unknown plugin or
 * a bad option a load-time ConfigProblem located at the descriptor's `plugin:` or `options:` line,
 * instead of a failure at the first request.
 */
import { didYouMean } from '../config/did-you-mean.js';
import type { Descriptor } from '../compile/descriptor.js';
import { ConfigProblem, type Path } from '../compile/problem.js';
import type { PluginKind, PluginRegistry } from './registry.js';

interface Use {
  kind: PluginKind;
  name: string | undefined;
  options: unknown;
  /** Where the `plugin:` key's parent is (verify.signature, or a mapping's transform). */
  at: Path;
  /** Transforms take no secrets, so they can be created here to surface create-time errors. */
  tryCreate: boolean;
}

function usesOf(d: Descriptor): Use[] {
  const uses: Use[] = [];
  const sig = d.verify?.signature;
  if (sig && (sig.algorithm === 'plugin' || sig.plugin !== undefined || sig.options !== undefined)) {
    uses.push({ kind: 'signature', name: sig.plugin, options: sig.options, at: ['verify', 'signature'], tryCreate: false });
  }
  d.routes.forEach((r, i) => {
    for (const [field, m] of Object.entries(r.map ?? {})) {
      if (m && typeof m === 'object' && 'transform' in m && m.transform) {
        uses.push({ kind: 'transform', name: m.transform.plugin, options: m.transform.options, at: ['routes', i, 'map', field, 'transform'], tryCreate: true });
      }
    }
  });
  return uses;
}

function unknownPlugin(use: Use, registry: PluginRegistry): ConfigProblem {
  const name = use.name ?? '';
  const same = registry.namesOf(use.kind);
  const other = registry.namesOf(use.kind === 'signature' ? 'transform' : 'signature');
  const guess = didYouMean(name, same);
  const hint = guess
    ? `did you mean \`${guess}\`?`
    : other.includes(name)
      ? `\`${name}\` is a ${use.kind === 'signature' ? 'transform' : 'signature'} plugin, not a ${use.kind} plugin`
      : `known ${use.kind} plugins: ${same.join(', ') || 'none'} (plugins load from dist/plugins/ and plugins/; see docs/plugins.md)`;
  return new ConfigProblem([...use.at, 'plugin'], `no ${use.kind} plugin named \`${name}\``, hint, 'GW_ERR_CONFIG_PLUGIN');
}

/**
 * @returns the problems found (empty when every plugin resolves and accepts its options).
 * @example const problems = checkPluginUses(descriptor, deps.plugins);
 */
export function checkPluginUses(d: Descriptor, registry: PluginRegistry): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const use of usesOf(d)) {
    if (use.kind === 'signature' && d.verify?.signature?.algorithm !== 'plugin') {
      const key = use.name !== undefined ? 'plugin' : 'options';
      problems.push(new ConfigProblem([...use.at, key], `\`${key}\` applies only to algorithm: plugin`, 'set algorithm: plugin, or remove the key', 'GW_ERR_CONFIG_PLUGIN'));
      continue;
    }
    if (use.name === undefined) {
      problems.push(new ConfigProblem(use.at, 'algorithm: plugin needs `plugin` (the plugin name)', 'add plugin: NAME; see docs/plugins.md', 'GW_ERR_CONFIG_PLUGIN'));
      continue;
    }
    const plugin = registry.get(use.kind, use.name);
    if (!plugin) {
      problems.push(unknownPlugin(use, registry));
      continue;
    }
    const bad = registry.check(use.kind, use.name, use.options);
    for (const p of bad) problems.push(new ConfigProblem([...use.at, ...p.path], `plugin ${use.name}: ${p.message}`, p.hint, 'GW_ERR_CONFIG_PLUGIN'));
    if (bad.length === 0 && use.tryCreate && plugin.kind === 'transform') {
      try {
        plugin.create(use.options);
      } catch (e) {
        problems.push(new ConfigProblem([...use.at, 'options'], `plugin ${use.name}: ${(e as Error).message}`, undefined, 'GW_ERR_CONFIG_PLUGIN'));
      }
    }
  }
  return problems;
}
