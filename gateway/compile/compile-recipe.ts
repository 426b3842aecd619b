/**
 * Compiles `verify.signature` (a signature recipe) into the `verify-signature` stage: the message,
 * the header reader, the decoder, and the check (HMAC, public key or plugin). Every mistake is a
 * ConfigProblem at its place in the descriptor.
 */
import type { Stage } from '../pipeline/context.js';
import type { SignatureCheck } from '../plugins/registry.js';
import type { Accessor } from './compile-source.js';
import { compileHeaderReader, compileMessage, hmacCheck, isHmac, signatureStage, type HeaderFormat, type SignatureConfig } from './compile-signature.js';
import type { EngineDeps } from './engine.js';
import { collectProblem, ConfigProblem, type Path } from './problem.js';
import { compilePublicKeyCheck } from './public-key-check.js';
import { secretRefs } from './secret-refs.js';

export interface RecipeEnv {
  secrets: ReadonlyMap<string, Buffer>;
  /** Secret names declared in the descriptor, set or not (optional rotation secrets may be unset). */
  declared?: ReadonlySet<string> | undefined;
  settings: Readonly<Record<string, string | undefined>>;
  deps: EngineDeps;
  /** Accessors of verify.timestamp.from / verify.nonce.from, for the `timestamp` / `nonce` parts. */
  timestamp?: Accessor | undefined;
  nonce?: Accessor | undefined;
}

/** Places a source may read `signature.KEY`: only a key-value header ever fills those. */
export interface SignatureSourceUse {
  at: Path;
  text: string;
}

/**
 * `signature.KEY` sources read the key-value signature header (`t=…,v1=…`); with any other format
 * they would always be empty, so that is a load-time problem.
 */
/** @example checkSignatureSources([{ at: ['verify', 'timestamp', 'from'], text: 'signature.t' }], 'plain') // one problem */
export function checkSignatureSources(uses: readonly SignatureSourceUse[], format: HeaderFormat | undefined): ConfigProblem[] {
  if (format !== undefined && typeof format === 'object' && 'pairs' in format) return [];
  return uses
    .filter((u) => u.text.startsWith('signature.'))
    .map((u) => new ConfigProblem(u.at, `\`${u.text}\` reads a key-value signature header, but signature.format is not {pairs: …}`, 'set signature.format: {pairs: ",", key: v1}, or read the value from a header'));
}

/**
 * One line for `gateway inspect`.
 *
 * @example describeRecipe({ algorithm: 'hmac-sha256', header: 'X-Sig' }) // 'hmac-sha256 hex in X-Sig over body'
 */
export function describeRecipe(sig: SignatureConfig): string {
  const parts = (sig.message ?? ['body']).map((p) => (typeof p === 'string' ? p : 'literal' in p ? JSON.stringify(p.literal) : p.from)).join(' + ');
  const format = sig.format ?? 'plain';
  const shape = format === 'plain' ? '' : 'list' in format ? `, ${JSON.stringify(format.list)}-separated list${format.item_prefix ? ` of ${JSON.stringify(format.item_prefix)}…` : ''}` : `, ${format.key}${format.assign ?? '='}… pairs`;
  const keys =
    sig.secrets && sig.secrets.length > 1
      ? ` (${sig.secrets.length} secrets)`
      : sig.public_keys
        ? ` (${sig.public_keys.length} public key${sig.public_keys.length > 1 ? 's' : ''})`
        : sig.jwks_url
          ? ` (keys from ${sig.jwks_url}${sig.key_id ? ` by ${sig.key_id}` : ''})`
          : '';
  const where = sig.header ? ` ${sig.encoding ?? 'hex'} in ${sig.header}${sig.prefix ? ` after ${JSON.stringify(sig.prefix)}` : ''}${shape}` : '';
  return `${sig.algorithm}${sig.plugin ? ` ${sig.plugin}` : ''}${where} over ${parts}${keys}`;
}

function compileCheck(sig: SignatureConfig, at: Path, env: RecipeEnv): SignatureCheck {
  if (isHmac(sig.algorithm)) {
    if (!sig.secrets) throw new ConfigProblem(at, `${sig.algorithm} needs \`secrets\``, 'list the secret names, e.g. secrets: [hmac] (several = rotation)');
    if (sig.public_keys || sig.jwks_url) throw new ConfigProblem([...at, sig.public_keys ? 'public_keys' : 'jwks_url'], `${sig.algorithm} verifies with shared secrets, not public keys`, 'use secrets:, or a public-key algorithm');
    return hmacCheck(sig.algorithm, secretRefs(sig.secrets, [...at, 'secrets'], env.secrets, env.declared).map((r) => r.value));
  }
  if (sig.algorithm === 'plugin') {
    // checkPluginUses resolved the name and checked the options before compiling started.
    const plugin = env.deps.plugins.get('signature', sig.plugin ?? '');
    if (!plugin) throw new ConfigProblem([...at, 'plugin'], `no signature plugin named \`${sig.plugin ?? ''}\``, `known plugins: ${env.deps.plugins.names().join(', ') || 'none'}`, 'GW_ERR_CONFIG_PLUGIN');
    try {
      return plugin.create(sig.options, { secrets: env.secrets });
    } catch (e) {
      throw new ConfigProblem([...at, 'options'], `plugin ${sig.plugin}: ${(e as Error).message}`, undefined, 'GW_ERR_CONFIG_PLUGIN');
    }
  }
  return compilePublicKeyCheck(sig, at, env.secrets, env.settings, env.deps, env.declared);
}

/**
 * @returns the stage, or undefined with `problems` filled.
 * @example compileRecipe(descriptor.verify.signature, ['verify', 'signature'], { secrets, settings, deps, timestamp }, [], problems)
 */
export function compileRecipe(sig: SignatureConfig, at: Path, env: RecipeEnv, sourceUses: readonly SignatureSourceUse[], problems: ConfigProblem[]): Stage | undefined {
  const before = problems.length;
  const attempt = <T>(fn: () => T): T | undefined => collectProblem(problems, fn);
  if (!sig.header && sig.algorithm !== 'plugin') problems.push(new ConfigProblem(at, 'signature.header is required', 'name the header carrying the signature'));
  const format = sig.format ?? 'plain';
  problems.push(...checkSignatureSources(sourceUses, format));
  // Each piece has its own guard, so a recipe problem does not hide a key problem below it.
  const message = attempt(() => compileMessage(sig.message ?? ['body'], [...at, 'message'], { ...(env.timestamp ? { timestamp: env.timestamp } : {}), ...(env.nonce ? { nonce: env.nonce } : {}) }, env.settings));
  const check = attempt(() => compileCheck(sig, at, env));
  if (!message || !check || problems.length > before) return undefined;
  return signatureStage({
    header: sig.header,
    readHeader: compileHeaderReader(format, sig.prefix),
    encoding: sig.encoding ?? 'hex',
    message,
    check,
    detail: describeRecipe(sig),
  });
}
