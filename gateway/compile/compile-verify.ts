/**
 * Compiles a descriptor's `verify` block into the provider's shared stages, in the order
 * credentials → signature → timestamp → nonce. Absent checks produce no stage.
 */
import type { Stage } from '../pipeline/context.js';
import { credentialsStage, type CompiledCredential } from '../pipeline/stages/verify-credentials.js';
import { nonceStage } from '../pipeline/stages/verify-nonce.js';
import { timestampStage, type TimestampFormat } from '../pipeline/stages/verify-timestamp.js';
import type { SignatureCheck } from '../plugins/registry.js';
import type { Store } from '../store/store.js';
import { compileSource, REQUEST_ROOTS, SourceSyntaxError, type Accessor } from './compile-source.js';
import { compileHeaderReader, compileMessage, hmacCheck, isHmac, signatureStage, type SignatureConfig } from './compile-signature.js';
import { compilePublicKeyCheck } from './public-key-check.js';
import type { EngineDeps } from './engine.js';
import { ConfigProblem, type Path } from './problem.js';

export interface VerifyConfig {
  credentials?: { header: string; prefix?: string; secret: string }[];
  signature?: SignatureConfig;
  timestamp?: { from: string; format: TimestampFormat; tolerance_s?: number; past_s?: number; future_s?: number };
  nonce?: { from: string; required?: boolean; ttl_s?: number };
}

export interface VerifyEnv {
  provider: string;
  secrets: ReadonlyMap<string, Buffer>;
  settings: Readonly<Record<string, string | undefined>>;
  deps: EngineDeps;
  store: Store;
}

function source(text: string, at: Path, settings: Readonly<Record<string, string | undefined>>): Accessor {
  try {
    return compileSource(text, REQUEST_ROOTS, settings).get;
  } catch (e) {
    if (e instanceof SourceSyntaxError) throw new ConfigProblem(at, e.message, e.hint);
    throw e;
  }
}

function secretRef(name: string, at: Path, secrets: ReadonlyMap<string, Buffer>): Buffer {
  const v = secrets.get(name);
  if (!v) throw new ConfigProblem(at, `secret \`${name}\` is not declared or not set`, `declare it under secrets: (known: ${[...secrets.keys()].join(', ') || 'none'})`);
  return v;
}

/** Compiles the shared verification stages; `isRead` lets reads through a store outage. */
export function compileVerify(cfg: VerifyConfig | undefined, at: Path, env: VerifyEnv, problems: ConfigProblem[], isRead: boolean): Stage[] {
  const stages: (Stage | undefined)[] = [];
  const guard = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ConfigProblem) {
        problems.push(e);
        return undefined;
      }
      throw e;
    }
  };
  const { settings, secrets } = env;

  const creds: CompiledCredential[] = [];
  (cfg?.credentials ?? []).forEach((c, i) =>
    guard(() => creds.push({ header: c.header, prefix: c.prefix ?? '', values: [secretRef(c.secret, [...at, 'credentials', i, 'secret'], secrets)] })),
  );
  stages.push(credentialsStage(creds));

  const ts = cfg?.timestamp;
  const tsGet = ts ? guard(() => source(ts.from, [...at, 'timestamp', 'from'], settings)) : undefined;
  const nonce = cfg?.nonce;
  const nonceGet = nonce ? guard(() => source(nonce.from, [...at, 'nonce', 'from'], settings)) : undefined;

  const sig = cfg?.signature;
  if (sig) {
    const sat = [...at, 'signature'];
    stages.push(guard(() => {
      if (!sig.header && sig.algorithm !== 'plugin') throw new ConfigProblem(sat, 'signature.header is required', 'name the header carrying the signature');
      // Its own guard, so a recipe problem does not hide a key problem below it.
      const message = guard(() => compileMessage(sig.message ?? ['body'], [...sat, 'message'], { ...(tsGet ? { timestamp: tsGet } : {}), ...(nonceGet ? { nonce: nonceGet } : {}) }, settings));
      let check: SignatureCheck;
      if (isHmac(sig.algorithm)) {
        if (!sig.secrets) throw new ConfigProblem(sat, `${sig.algorithm} needs \`secrets\``, 'list the secret names, e.g. secrets: [hmac]');
        check = hmacCheck(sig.algorithm, sig.secrets.map((n, i) => secretRef(n, [...sat, 'secrets', i], secrets)));
      } else if (sig.algorithm === 'plugin') {
        const plugin = sig.plugin ? env.deps.plugins.get('signature', sig.plugin) : undefined;
        if (!plugin) throw new ConfigProblem([...sat, 'plugin'], `no signature plugin named \`${sig.plugin ?? ''}\``, `known plugins: ${env.deps.plugins.names().join(', ') || 'none'}`, 'GW_ERR_CONFIG_PLUGIN');
        check = plugin.create(sig.options, { secrets });
      } else {
        check = compilePublicKeyCheck(sig, sat, secrets, env.deps);
      }
      if (!message) return undefined;
      const format = sig.format ?? 'plain';
      const parts = (sig.message ?? ['body']).map((p) => (typeof p === 'string' ? p : 'literal' in p ? JSON.stringify(p.literal) : p.from)).join(' + ');
      return signatureStage({
        header: sig.header ?? '',
        readHeader: compileHeaderReader(format, sig.prefix),
        encoding: sig.encoding ?? 'hex',
        message,
        check,
        detail: `${sig.algorithm} ${sig.encoding ?? 'hex'} in ${sig.header}${sig.prefix ? ` after ${JSON.stringify(sig.prefix)}` : ''} over ${parts}${sig.secrets && sig.secrets.length > 1 ? ` (${sig.secrets.length} secrets)` : ''}`,
      });
    }));
  }

  if (ts && tsGet) {
    const tol = (ts.tolerance_s ?? 300) * 1000;
    stages.push(timestampStage({ get: tsGet, source: ts.from, format: ts.format, pastMs: ts.past_s !== undefined ? ts.past_s * 1000 : tol, futureMs: ts.future_s !== undefined ? ts.future_s * 1000 : tol }));
  }
  if (nonce && nonceGet) {
    const window = ts ? (ts.past_s ?? ts.tolerance_s ?? 300) + (ts.future_s ?? ts.tolerance_s ?? 300) : 600;
    const ttl = nonce.ttl_s ?? window;
    if (ttl < window) problems.push(new ConfigProblem([...at, 'nonce', 'ttl_s'], `nonce ttl_s ${ttl} is shorter than the timestamp window (${window}s)`, 'a replay inside the window would pass once the nonce is forgotten'));
    const stage = nonceStage({ get: nonceGet, source: nonce.from, required: nonce.required ?? true, ttlMs: ttl * 1000, scope: env.provider, store: env.store, passWhenStoreDown: isRead && env.deps.settings.readsWhenStoreDown === 'pass' });
    stages.push(stage);
  }
  return stages.filter((s): s is Stage => s !== undefined);
}
