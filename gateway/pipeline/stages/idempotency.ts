/**
 * The `idempotency` stage (CONTRACT §5.3): claim the transaction key, forward once, store the
 * decided outcome; replay it to retries; make concurrent duplicates wait for the first; refuse a
 * reused id with another payload; refuse a debit whose id was already rolled back.
 */
import { createHash } from 'node:crypto';
import { createError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { StoreUnavailableError, type ClaimResult, type Store } from '../../store/store.js';
import type { CanonicalRequest } from '../../types.js';
import type { Handler, Reply, RequestContext, Stage } from '../context.js';

/** What makes two requests with one key "the same": a retry must match on all of these. */
export function fingerprint(c: CanonicalRequest): string {
  const text = [c.operation, c.player_id, c.amount, c.currency, c.reference_transaction_id, c.reference_wallet_transaction_id]
    .map((v) => (v === undefined ? '' : v.replaceAll('\\', '\\\\').replaceAll('|', '\\|')))
    .join('|');
  return createHash('sha256').update(text).digest('base64url').slice(0, 27);
}

/** The transaction group: where the key, its rollback and its tombstone live together. */
export function groupOf(provider: string, c: CanonicalRequest): string {
  if (c.operation === 'rollback') {
    if (c.reference_transaction_id !== undefined) return `${provider}:${c.reference_transaction_id}`;
    return `${provider}:w:${c.reference_wallet_transaction_id ?? c.transaction_id}`;
  }
  return `${provider}:${c.transaction_id}`;
}

export interface IdempotencyOptions {
  provider: string;
  store: Store;
  mode: 'plain' | 'guarded' | 'tombstone';
  leaseMs: number;
  ttlMs: number;
  awaitTimeoutMs: number;
  /** Index successful wallet transaction ids (a route of this provider rolls back by wallet id). */
  indexWalletTx: boolean;
  /** Renders a decided outcome without going further (replays). */
  respond: Handler;
  log: Logger;
}

function storeDown(e: unknown): never {
  if (e instanceof StoreUnavailableError) throw createError('GW_ERR_STORE_UNAVAILABLE');
  throw e;
}

export function idempotencyStage(o: IdempotencyOptions): Stage {
  const { provider, store, mode, leaseMs, ttlMs, awaitTimeoutMs, indexWalletTx, respond, log } = o;

  /** A duplicate of a key someone else is running: wait for its outcome, never reach the wallet. */
  const awaitOther = async (ctx: RequestContext, group: string, key: string, fp: string): Promise<Reply> => {
    const r = await store.awaitKey(group, key, awaitTimeoutMs).catch(storeDown);
    // The key may have changed hands while we waited (lease lapsed, another payload claimed it):
    // only an outcome decided for this very payload may be replayed.
    if (r.kind === 'done' && r.record.fingerprint !== fp) throw createError('GW_ERR_IDEM_CONFLICT');
    if (r.kind === 'done') {
      ctx.outcome = r.record.outcome;
      ctx.replayed = true;
      return respond(ctx);
    }
    // Released (uncertain) or still running: the provider retries later.
    throw createError('GW_ERR_IDEM_IN_PROGRESS');
  };

  /** A rollback waits for the transactions of its group that are still in flight. */
  const awaitGroup = async (group: string, keys: readonly string[]): Promise<boolean> => {
    const deadline = Date.now() + awaitTimeoutMs;
    for (const k of keys) {
      const left = deadline - Date.now();
      const r = left > 0 ? await store.awaitKey(group, k, left) : { kind: 'timeout' as const };
      if (r.kind === 'timeout') return false;
    }
    return true;
  };

  return {
    name: 'idempotency',
    detail: [
      mode === 'tombstone' ? 'rollback: places the tombstone, waits for the reversed transaction' : mode === 'guarded' ? 'refused once its id was rolled back' : 'plain',
      `lease ${leaseMs}ms`,
      `kept ${Math.round(ttlMs / 3600000)}h`,
      ...(indexWalletTx ? ['indexes wallet tx ids'] : []),
    ].join(', '),
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const c = ctx.canonical!;
        const key = c.idempotency_key!;
        const group = groupOf(provider, c);
        const fp = fingerprint(c);
        const claim: ClaimResult = await store.claim({ group, key, fingerprint: fp, leaseMs, mode, ttlMs }).catch(storeDown);
        switch (claim.kind) {
          case 'done':
            ctx.outcome = claim.record.outcome;
            ctx.replayed = true;
            return respond(ctx);
          case 'conflict':
            throw createError('GW_ERR_IDEM_CONFLICT');
          case 'rolled_back':
            throw createError('GW_ERR_IDEM_ROLLED_BACK');
          case 'in_flight':
            return awaitOther(ctx, group, key, fp);
          case 'claimed':
            break;
        }
        const token = claim.token;
        const release = (): void => {
          store.release({ group, key, token }).catch((e: unknown) => log.warn('idempotency release failed', { provider, key, error: String(e) }));
        };
        if (claim.othersInFlight.length > 0 && !(await awaitGroup(group, claim.othersInFlight).catch(storeDown))) {
          release();
          throw createError('GW_ERR_IDEM_IN_PROGRESS', 'the transaction being reversed is still in flight');
        }
        let reply: Reply;
        try {
          reply = await next(ctx);
        } catch (e) {
          release();
          throw e;
        }
        const outcome = ctx.outcome;
        if (!outcome || outcome.class === 'uncertain') {
          release();
          return reply;
        }
        try {
          const index = indexWalletTx && outcome.class === 'success' && outcome.wallet_transaction_id !== undefined
            ? { scope: provider, walletTxId: outcome.wallet_transaction_id }
            : undefined;
          const req = { group, key, token, record: { fingerprint: fp, outcome, committed_at: ctx.now }, ttlMs, ...(index ? { index } : {}) };
          // Commit is idempotent per token: one retry covers a lost reply without a wallet retry.
          const ok = await store.commit(req).catch(() => store.commit(req));
          if (!ok) log.warn('idempotency lease lost before commit', { provider, key, request_id: ctx.requestId });
        } catch (e) {
          // The wallet decided; answering that is right. A retry reaches the wallet, which is itself
          // idempotent on the same key.
          log.error('idempotency commit failed', { provider, key, request_id: ctx.requestId, error: String(e) });
        }
        return reply;
      };
    },
  };
}
