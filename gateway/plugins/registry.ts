/**
 * The plugin contract (docs/plugins.md). Custom code enters only through `plugins/`: a module there
 * default-exports one {@link GatewayPlugin} (or an array of them); descriptors name it
 * (`algorithm: plugin, plugin: NAME` or a mapping's `transform: {plugin: NAME}`), and its
 * `optionsSchema` checks the descriptor's `options` at load time, so a bad option fails fast with
 * the descriptor's file and line instead of at the first request.
 */
import { createError, GatewayError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import { compileOptionsSchema, type OptionsValidator } from './plugin-options.js';

/** Verifies one request's signature. `message` is what the recipe composed; may be async (key fetch). */
export type SignatureCheck = (input: {
  message: Buffer;
  /** Signatures found in the header, decoded with the recipe's encoding ([] when the recipe names no header). */
  candidates: readonly Buffer[];
  ctx: RequestContext;
}) => boolean | Promise<boolean>;

/** What a signature plugin is given at load time besides its options. */
export interface SignaturePluginEnv {
  /** The provider's secrets by name (key bytes; PEM secrets hold the PEM text). */
  secrets: ReadonlyMap<string, Buffer>;
}

export interface SignaturePlugin {
  kind: 'signature';
  name: string;
  /** JSON Schema (draft 2020-12) of `options`; checked at load time, defaults applied. */
  optionsSchema?: object;
  /**
   * Called once per descriptor at load time with options that passed `optionsSchema`. Throw (an
   * Error whose message names the option) for problems the schema cannot express, such as a secret
   * name that the descriptor does not declare: the load fails at the descriptor's `options`.
   */
  create(options: unknown, env: SignaturePluginEnv): SignatureCheck;
}

/**
 * Turns one mapped value into another (e.g. a provider-specific id format). Throw a
 * {@link TransformRejection} to reject the request as INVALID_REQUEST (final: the provider must not
 * retry the same payload); any other exception is a plugin failure, answered INTERNAL_ERROR
 * (uncertain: the provider retries or rolls back).
 */
export type Transform = (value: unknown, ctx: RequestContext) => unknown;

/**
 * Thrown by a transform for a value it refuses (the provider's fault, not the plugin's).
 *
 * @example if (typeof value !== 'string') throw new TransformRejection('expected a string');
 */
export class TransformRejection extends Error {
  override readonly name = 'TransformRejection';
}

export interface TransformPlugin {
  kind: 'transform';
  name: string;
  /** JSON Schema (draft 2020-12) of `options`; checked at load time, defaults applied. */
  optionsSchema?: object;
  /** Called once per use at load time with options that passed `optionsSchema`. */
  create(options: unknown): Transform;
}

export type GatewayPlugin = SignaturePlugin | TransformPlugin;

export type PluginKind = GatewayPlugin['kind'];

/** Options that failed a plugin's schema: one line per problem, each with its place under `options`. */
export class PluginOptionsError extends Error {
  override readonly name = 'PluginOptionsError';
  constructor(
    readonly plugin: string,
    readonly problems: readonly { path: readonly (string | number)[]; message: string; hint?: string }[],
  ) {
    super(`${plugin}: ${problems.map((p) => p.message).join('; ')}`);
  }
}

export interface PluginRegistry {
  /**
   * The plugin of that kind and name, or undefined. Its `create` checks the options against the
   * plugin's schema first (throwing {@link PluginOptionsError}) and hands the plugin a frozen copy
   * with the schema's defaults filled in.
   */
  get<K extends PluginKind>(kind: K, name: string): Extract<GatewayPlugin, { kind: K }> | undefined;
  /** Checks `options` for that plugin without creating anything; [] when they are fine. */
  check(kind: PluginKind, name: string, options: unknown): PluginOptionsError['problems'];
  /** `kind:name` of every plugin. */
  names(): string[];
  /** Names of the plugins of one kind (for "did you mean"). */
  namesOf(kind: PluginKind): string[];
}

/** Where a plugin came from, for messages ("defined in …"). */
export interface PluginEntry {
  plugin: GatewayPlugin;
  file?: string;
}

function checked(p: GatewayPlugin, validate: OptionsValidator): GatewayPlugin {
  const prepare = (options: unknown): unknown => {
    const r = validate(options);
    if (r.problems.length > 0) throw new PluginOptionsError(p.name, r.problems);
    return r.value;
  };
  if (p.kind === 'signature') {
    const inner = p;
    return Object.freeze({ ...inner, create: (options: unknown, env: SignaturePluginEnv) => inner.create(prepare(options), env) });
  }
  const inner = p;
  return Object.freeze({
    ...inner,
    create: (options: unknown): Transform => {
      const fn = inner.create(prepare(options));
      return (value, ctx) => {
        try {
          return fn(value, ctx);
        } catch (e) {
          if (e instanceof GatewayError) throw e;
          // The message stays internal (logs); the provider sees its envelope's INVALID_REQUEST / INTERNAL_ERROR.
          // By name too: a plain-JS plugin dropped into plugins/ may not import this module.
          if (e instanceof TransformRejection || (e as Error)?.name === 'TransformRejection') throw createError('GW_ERR_REQUEST_FIELD_TYPE', `transform ${inner.name}: ${(e as Error).message}`);
          throw createError('GW_ERR_INTERNAL', `transform ${inner.name} failed: ${(e as Error)?.message ?? String(e)}`);
        }
      };
    },
  });
}

/**
 * A registry over plugins already imported (tests build one directly; the loader builds one from
 * plugins/). Each plugin's options schema is compiled here, once; a schema that does not compile
 * throws naming the plugin (and its file when known).
 *
 * @example
 * const registry = staticRegistry([myPlugin]);
 * registry.get('transform', 'strip-prefix')?.create({ prefix: 'usr_' });
 */
export function staticRegistry(plugins: readonly (GatewayPlugin | PluginEntry)[]): PluginRegistry {
  const byKey = new Map<string, { plugin: GatewayPlugin; validate: OptionsValidator }>();
  for (const item of plugins) {
    const { plugin, file } = 'plugin' in item ? item : { plugin: item, file: undefined };
    const key = `${plugin.kind}:${plugin.name}`;
    let validate: OptionsValidator;
    try {
      validate = compileOptionsSchema(plugin.optionsSchema);
    } catch (e) {
      throw new Error(`${file ? `${file}: ` : ''}plugin ${key}: its optionsSchema does not compile: ${(e as Error).message}`);
    }
    byKey.set(key, { plugin: checked(plugin, validate), validate });
  }
  return {
    get: (kind, name) => byKey.get(`${kind}:${name}`)?.plugin as never,
    check(kind, name, options) {
      const entry = byKey.get(`${kind}:${name}`);
      return entry ? entry.validate(options).problems : [];
    },
    names: () => [...byKey.keys()],
    namesOf: (kind) => [...byKey.values()].filter((e) => e.plugin.kind === kind).map((e) => e.plugin.name),
  };
}
