/**
 * The plugin contract (docs/plugins.md). Custom code enters only through `plugins/`: a module there
 * default-exports one {@link GatewayPlugin}; descriptors name it (`algorithm: plugin, plugin: NAME`
 * or a mapping's `transform: {plugin: NAME}`), and its `optionsSchema` checks the descriptor's
 * `options` at load time, so a bad option fails fast with the descriptor's file and line.
 */
import type { RequestContext } from '../pipeline/context.js';

/** Verifies one request's signature. `message` is what the recipe composed; may be async (key fetch). */
export type SignatureCheck = (input: {
  message: Buffer;
  /** Signatures found in the header, decoded with the recipe's encoding. */
  candidates: readonly Buffer[];
  ctx: RequestContext;
}) => boolean | Promise<boolean>;

export interface SignaturePlugin {
  kind: 'signature';
  name: string;
  /** JSON Schema of `options`; checked at load time. */
  optionsSchema?: object;
  /** Called once per descriptor at load time. */
  create(options: unknown, env: { secrets: ReadonlyMap<string, Buffer> }): SignatureCheck;
}

/** Turns one mapped value into another (e.g. a provider-specific id format). Throw to reject. */
export type Transform = (value: unknown, ctx: RequestContext) => unknown;

export interface TransformPlugin {
  kind: 'transform';
  name: string;
  optionsSchema?: object;
  create(options: unknown): Transform;
}

export type GatewayPlugin = SignaturePlugin | TransformPlugin;

export interface PluginRegistry {
  get<K extends GatewayPlugin['kind']>(kind: K, name: string): Extract<GatewayPlugin, { kind: K }> | undefined;
  names(): string[];
}

/** A registry over plugins already imported (tests; the loader builds one from plugins/). */
export function staticRegistry(plugins: readonly GatewayPlugin[]): PluginRegistry {
  const byKey = new Map(plugins.map((p) => [`${p.kind}:${p.name}`, p]));
  return {
    get: (kind, name) => byKey.get(`${kind}:${name}`) as never,
    names: () => plugins.map((p) => `${p.kind}:${p.name}`),
  };
}
