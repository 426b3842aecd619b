/**
 * One route's own stages, after the provider's shared verification: map → (resolve-reference) →
 * (audit) → (idempotency) → (store-check, reads with `store.on_unavailable.reads: fail`) → wallet →
 * (rollback-policy) → respond.
 */
import type { Handler, Stage } from '../pipeline/context.js';
import { compose } from '../pipeline/context.js';
import { auditStage } from '../pipeline/stages/audit.js';
import { idempotencyStage } from '../pipeline/stages/idempotency.js';
import { resolveReferenceStage } from '../pipeline/stages/resolve-reference.js';
import { respondHandler } from '../pipeline/stages/respond.js';
import { rollbackPolicyStage } from '../pipeline/stages/rollback-policy.js';
import { fillFromReversedStage } from '../pipeline/stages/fill-from-reversed.js';
import { keyPart } from '../pipeline/key-parts.js';
import { storeCheckStage } from '../pipeline/stages/store-check.js';
import { walletStage, type RetryPolicy } from '../pipeline/stages/wallet-call.js';
import { MONEY_OPERATIONS, type CanonicalRequest } from '../types.js';
import type { AmountRules } from './amount-rules.js';
import type { ErrorRenderer } from './compile-errors.js';
import { compileMapping, mapStage } from './compile-mapping.js';
import { compileTemplate, type Render } from './compile-template.js';
import type { Descriptor, ResponseConfig, RouteConfig } from './descriptor.js';
import type { EngineDeps } from './engine.js';
import { ConfigProblem, type Path } from './problem.js';

export interface RouteEnv {
  descriptor: Descriptor;
  amounts: AmountRules;
  settings: Readonly<Record<string, string | undefined>>;
  errors: ErrorRenderer;
  deps: EngineDeps;
  /** Some route of this provider rolls back by wallet transaction id. */
  indexWalletTx: boolean;
  awaitTimeoutMs: number;
  /** Limit of one wallet call: `limits.wallet_timeout_ms`, else wallet.timeout_ms. */
  walletTimeoutMs: number;
}

export interface CompiledRoute {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  /** The canonical operation, or what a `serve` route does (`redeem session_request` …). */
  readonly operation: string;
  readonly when?: RouteConfig['when'];
  readonly stages: readonly Stage[];
  readonly handler: Handler;
  /** Browser origins allowed (serve routes with `cors`): the provider answers their preflight. */
  readonly cors?: { readonly origins: ReadonlySet<string>; readonly maxAgeS: number };
}

const KEY_FIELD = /\{([a-z_]+)\}/g;

/** Compiles `{provider}:{operation}:{transaction_id}` into a function of the canonical request. */
export function compileKeyTemplate(template: string, provider: string): (c: CanonicalRequest) => string {
  const parts = template.split(KEY_FIELD);
  return (c) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 0) out += parts[i];
      else {
        const f = parts[i]!;
        // Provider-controlled parts are escaped: an id containing `:` cannot spell another key.
        out += f === 'provider' ? provider : keyPart(String((c as unknown as Record<string, unknown>)[f] ?? ''));
      }
    }
    return out;
  };
}

export function responseOf(route: RouteConfig, at: Path, env: RouteEnv): { cfg: ResponseConfig; path: Path } {
  const r = route.response;
  if (r !== undefined && typeof r === 'object') return { cfg: r, path: [...at, 'response'] };
  const name = r ?? 'default';
  const cfg = env.descriptor.responses?.[name];
  if (!cfg) {
    throw new ConfigProblem(r === undefined ? at : [...at, 'response'], `response template \`${name}\` is not defined`, `define responses.${name} or name one of: ${Object.keys(env.descriptor.responses ?? {}).join(', ') || 'none'}`);
  }
  return { cfg, path: ['responses', name] };
}

export function compileRoute(route: RouteConfig, at: Path, env: RouteEnv, problems: ConfigProblem[]): CompiledRoute | undefined {
  const { descriptor, deps } = env;
  const provider = descriptor.id;
  const op = route.operation;
  const name = route.name ?? op;
  const before = problems.length;
  const money = MONEY_OPERATIONS.has(op);

  const keyTemplate = route.idempotency?.key ?? '{provider}:{operation}:{transaction_id}';
  if (route.idempotency && !money) problems.push(new ConfigProblem([...at, 'idempotency'], `idempotency applies to money operations only, not ${op}`));
  const mapping = compileMapping(route.map ?? {}, [...at, 'map'], op, env.amounts, env.settings, deps.plugins, problems);

  let body: Render | undefined;
  let status = 200;
  let headers: Record<string, string> = { 'content-type': 'application/json' };
  try {
    const { cfg, path } = responseOf(route, at, env);
    body = compileTemplate(cfg.body, [...path, 'body'], { amounts: env.amounts, settings: env.settings });
    status = cfg.status ?? 200;
    headers = { ...headers, ...Object.fromEntries(Object.entries(cfg.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) };
  } catch (e) {
    if (e instanceof ConfigProblem) problems.push(e);
    else throw e;
  }
  if (route.rollback && op !== 'rollback') problems.push(new ConfigProblem([...at, 'rollback'], `\`rollback\` policies apply to rollback routes, not ${op}`));
  // The provider's own answer deadline bounds everything this route may spend before answering.
  const within = descriptor.limits?.answer_within_ms;
  if (within !== undefined) {
    const timeout = route.wallet_timeout_ms ?? env.walletTimeoutMs;
    const budget = route.must_succeed ? (typeof route.must_succeed === 'object' ? route.must_succeed.budget_ms : undefined) ?? deps.settings.retry.budgetMs : 0;
    // A duplicate only waits; a rollback may wait for the transaction it reverses, then call.
    const waits = money ? env.awaitTimeoutMs : 0;
    const spend = Math.max(Math.max(timeout, budget) + (op === 'rollback' ? waits : 0), waits);
    if (spend >= within) {
      problems.push(new ConfigProblem(route.wallet_timeout_ms !== undefined ? [...at, 'wallet_timeout_ms'] : at, `this route may take ${spend} ms before it answers (wallet timeout ${timeout} ms${budget ? `, must-succeed budget ${budget} ms` : ''}${waits ? `, a wait of ${waits} ms for a transaction in flight` : ''}), the provider waits ${within} ms (limits.answer_within_ms)`, 'lower wallet_timeout_ms (here or in limits), the must-succeed budget or limits.await_timeout_ms, so the provider still gets a retryable answer'));
    }
  }
  if (problems.length > before || !body) return undefined;

  const respond = respondHandler({ status, headers, body, errors: env.errors });
  const s = deps.settings;
  // This route's wallet deadline: its own, else the provider's, else wallet.timeout_ms.
  const walletTimeoutMs = route.wallet_timeout_ms ?? env.walletTimeoutMs;
  let retry: RetryPolicy | undefined;
  if (route.must_succeed) {
    const m = typeof route.must_succeed === 'object' ? route.must_succeed : {};
    retry = { budgetMs: m.budget_ms ?? s.retry.budgetMs, initialBackoffMs: m.initial_backoff_ms ?? s.retry.initialBackoffMs, maxBackoffMs: m.max_backoff_ms ?? s.retry.maxBackoffMs };
  }
  const stages: (Stage | undefined)[] = [mapStage(mapping, op, money ? compileKeyTemplate(keyTemplate, provider) : undefined)];
  if (money) {
    const hasWalletRef = op === 'rollback' && route.map?.reference_wallet_transaction_id !== undefined;
    if (hasWalletRef) stages.push(resolveReferenceStage(provider, deps.store));
    if (op === 'rollback' && route.map?.player_id === undefined) {
      // The rollback names no player: take it from the debit it reverses (every debit route's key).
      const debitKeys = descriptor.routes.filter((r) => r.operation === 'debit').map((r) => compileKeyTemplate(r.idempotency?.key ?? '{provider}:{operation}:{transaction_id}', provider));
      stages.push(fillFromReversedStage(provider, deps.store, debitKeys));
    }
    stages.push(auditStage(provider, name, deps.log));
    const guard = route.idempotency?.guard ?? op === 'debit';
    // The lease outlives everything the owner may still do: wallet calls, retries, waiting.
    const leaseMs = walletTimeoutMs * 2 + (retry?.budgetMs ?? 0) + env.awaitTimeoutMs + 5000;
    stages.push(idempotencyStage({
      provider,
      store: deps.store,
      mode: op === 'rollback' ? 'tombstone' : guard ? 'guarded' : 'plain',
      leaseMs,
      ttlMs: s.idempotencyTtlMs,
      awaitTimeoutMs: env.awaitTimeoutMs,
      // Only debits: a rollback by wallet id reverses a bet, never a settlement.
      indexWalletTx: env.indexWalletTx && op === 'debit',
      respond,
      log: deps.log,
    }));
  }
  // store.on_unavailable.reads: fail means reads fail too while the store is down, nonce or not.
  if (!money && s.readsWhenStoreDown === 'fail') stages.push(storeCheckStage(deps.store));
  stages.push(walletStage({ provider, operation: op, wallet: deps.wallet, timeoutMs: walletTimeoutMs, ...(retry ? { retry } : {}) }));
  if (op === 'rollback') stages.push(rollbackPolicyStage({ provider, policy: route.rollback?.unknown_reference ?? 'error', wallet: deps.wallet, timeoutMs: walletTimeoutMs }));
  const composed = compose(stages, respond);
  return Object.freeze({
    name,
    method: route.method ?? 'POST',
    path: route.path,
    operation: op,
    ...(route.when ? { when: route.when } : {}),
    stages: Object.freeze(composed.stages),
    handler: composed.handler,
  });
}
