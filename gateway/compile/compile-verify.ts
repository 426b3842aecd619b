/**
 * Compiles a descriptor's `verify` block into the provider's shared stages, in the order
 * credentials → signature → timestamp → nonce. Absent checks produce no stage.
 */
import type { Stage } from '../pipeline/context.js';
import { credentialsStage, type CompiledCredential } from '../pipeline/stages/verify-credentials.js';
import { nonceStage } from '../pipeline/stages/verify-nonce.js';
import { timestampStage, type TimestampFormat } from '../pipeline/stages/verify-timestamp.js';
import type { Store } from '../store/store.js';
import { compileSource, REQUEST_ROOTS, SourceSyntaxError, type Accessor } from './compile-source.js';
import { checkSignatureSources, compileRecipe, type SignatureSourceUse } from './compile-recipe.js';
import { secretRefs } from './secret-refs.js';
import type { SignatureConfig } from './compile-signature.js';
import type { EngineDeps } from './engine.js';
import { collectProblem, ConfigProblem, type Path } from './problem.js';

export interface VerifyConfig {
  /** `secret`: one secret name, or several accepted side by side (rotation). */
  credentials?: { header: string; prefix?: string; secret: string | string[] }[];
  signature?: SignatureConfig;
  timestamp?: { from: string; format: TimestampFormat; tolerance_s?: number; past_s?: number; future_s?: number };
  nonce?: { from: string; required?: boolean; ttl_s?: number };
}

export interface VerifyEnv {
  provider: string;
  secrets: ReadonlyMap<string, Buffer>;
  /** Secret names declared in the descriptor, set or not (optional rotation secrets may be unset). */
  declared?: ReadonlySet<string>;
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

/** Compiles the shared verification stages; `isRead` lets reads through a store outage. */
export function compileVerify(cfg: VerifyConfig | undefined, at: Path, env: VerifyEnv, problems: ConfigProblem[], isRead: boolean): Stage[] {
  const stages: (Stage | undefined)[] = [];
  const guard = <T>(fn: () => T): T | undefined => collectProblem(problems, fn);
  const { settings, secrets } = env;

  const creds: CompiledCredential[] = [];
  (cfg?.credentials ?? []).forEach((c, i) =>
    guard(() => {
      // Several secrets are accepted side by side, so a key can be rotated without downtime.
      const names = Array.isArray(c.secret) ? c.secret : [c.secret];
      const cat = [...at, 'credentials', i, 'secret'];
      creds.push({ header: c.header, prefix: c.prefix ?? '', values: secretRefs(names, cat, secrets, env.declared, Array.isArray(c.secret)).map((r) => r.value) });
    }),
  );
  stages.push(credentialsStage(creds));

  const ts = cfg?.timestamp;
  const tsGet = ts ? guard(() => source(ts.from, [...at, 'timestamp', 'from'], settings)) : undefined;
  const nonce = cfg?.nonce;
  const nonceGet = nonce ? guard(() => source(nonce.from, [...at, 'nonce', 'from'], settings)) : undefined;

  const sig = cfg?.signature;
  const sourceUses: SignatureSourceUse[] = [
    ...(ts ? [{ at: [...at, 'timestamp', 'from'], text: ts.from }] : []),
    ...(nonce ? [{ at: [...at, 'nonce', 'from'], text: nonce.from }] : []),
    ...(sig?.message ?? []).flatMap((p, i) => (typeof p === 'object' && 'from' in p ? [{ at: [...at, 'signature', 'message', i, 'from'], text: p.from }] : [])),
    ...(sig?.key_id ? [{ at: [...at, 'signature', 'key_id'], text: sig.key_id }] : []),
  ];
  if (sig) stages.push(compileRecipe(sig, [...at, 'signature'], { secrets, declared: env.declared, settings, deps: env.deps, timestamp: tsGet, nonce: nonceGet }, sourceUses, problems));
  else problems.push(...checkSignatureSources(sourceUses, undefined));

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
