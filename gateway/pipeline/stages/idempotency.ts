/**
 * The `idempotency` stage (CONTRACT §5.3): claim the transaction key, forward once, store the
 * decided outcome; replay it to retries; make concurrent duplicates wait for the first; refuse a
 * reused id with another payload; refuse a debit whose id was already rolled back.
 */
import { createHash } from 'node:crypto';
import { createError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ClaimResult, Store } from '../../store/store.js';
import type { CanonicalRequest, Outcome } from '../../types.js';
import type { Handler, Reply, RequestContext, Stage } from '../context.js';
import { keyPart } from '../key-parts.js';
import { storeDown } from '../store-down.js';

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
    if (c.reference_transaction_id !== undefined) return `${provider}:${keyPart(c.reference_transaction_id)}`;
    return `${provider}:w:${keyPart(c.reference_wallet_transaction_id ?? c.transaction_id ?? '')}`;
  }
  return `${provider}:${keyPart(c.transaction_id ?? '')}`;
}

/** A claim this request holds. */
interface Held {
  group: string;
  key: string;
  token: string;
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

/** The part of a debit or credit a later rollback may need (see IdempotencyRecord.request). */
function requestOf(ctx: RequestContext): { request?: { player_id?: string; currency?: string; amount?: string } } {
  const c = ctx.canonical;
  if (!c || (c.operation !== 'debit' && c.operation !== 'credit')) return {};
  const r: { player_id?: string; currency?: string; amount?: string } = {};
  if (c.player_id !== undefined) r.player_id = c.player_id;
  if (c.currency !== undefined) r.currency = c.currency;
  if (c.amount !== undefined) r.amount = c.amount;
  return { request: r };
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
      /** Commits a decided outcome to every claim held (in parallel: one round trip). */
      const commitAll = async (ctx: RequestContext, held: readonly Held[], fp: string, outcome: Outcome): Promise<void> => {
        const index = indexWalletTx && outcome.class === 'success' && outcome.wallet_transaction_id !== undefined
          ? { scope: provider, walletTxId: outcome.wallet_transaction_id }
          : undefined;
        await Promise.all(held.map(async (h, i) => {
          const req = { ...h, record: { fingerprint: fp, outcome, committed_at: ctx.now, ...requestOf(ctx) }, ttlMs, ...(index && i === 0 ? { index } : {}) };
          try {
            // Commit is idempotent per token: one retry covers a lost reply without a wallet retry.
            const ok = await store.commit(req).catch(() => store.commit(req));
            if (!ok) log.warn('idempotency lease lost before commit', { provider, key: h.key, request_id: ctx.requestId });
          } catch (e) {
            // The wallet decided; answering that is right. A retry reaches the wallet, which is
            // itself idempotent on the same key.
            log.error('idempotency commit failed', { provider, key: h.key, request_id: ctx.requestId, error: String(e) });
          }
        }));
      };
      const releaseAll = (held: readonly Held[]): void => {
        for (const h of held) store.release(h).catch((e: unknown) => log.warn('idempotency release failed', { provider, key: h.key, error: String(e) }));
      };
      /** Replays a decided outcome. */
      const replay = (ctx: RequestContext, outcome: Outcome): Promise<Reply> => {
        ctx.outcome = outcome;
        ctx.replayed = true;
        return respond(ctx);
      };
      /** Runs the rest of the pipeline while holding `held`, then commits or releases them all. */
      const forward = async (ctx: RequestContext, held: readonly Held[], fp: string, waitFor: { group: string; keys: readonly string[] } | undefined): Promise<Reply> => {
        if (waitFor && waitFor.keys.length > 0 && !(await awaitGroup(waitFor.group, waitFor.keys).catch((e: unknown) => {
          releaseAll(held);
          return storeDown(e);
        }))) {
          releaseAll(held);
          throw createError('GW_ERR_IDEM_IN_PROGRESS', 'the transaction being reversed is still in flight');
        }
        let reply: Reply;
        try {
          reply = await next(ctx);
        } catch (e) {
          releaseAll(held);
          throw e;
        }
        const outcome = ctx.outcome;
        if (!outcome || outcome.class === 'uncertain') releaseAll(held);
        else await commitAll(ctx, held, fp, outcome);
        return reply;
      };
      /** Handles a claim that the caller did not win. */
      const notClaimed = (ctx: RequestContext, claim: Exclude<ClaimResult, { kind: 'claimed' }>, group: string, key: string, fp: string): Promise<Reply> => {
        switch (claim.kind) {
          case 'done':
            return replay(ctx, claim.record.outcome);
          case 'conflict':
            throw createError('GW_ERR_IDEM_CONFLICT');
          case 'rolled_back':
            throw createError('GW_ERR_IDEM_ROLLED_BACK');
          case 'in_flight':
            return awaitOther(ctx, group, key, fp);
        }
      };

      /**
       * A rollback with an id of its own (≠ the transaction it reverses) holds two claims, taken in
       * parallel: its own key in its own group (a retry, or the same rollback id reused for another
       * reference, is caught there) and the one *reversal* key of the reversed transaction's group,
       * which places the tombstone (a second rollback of the same transaction under a new id gets
       * the first one's outcome instead of being forwarded again).
       */
      const dualRollback = async (ctx: RequestContext, key: string, own: string, target: string, fp: string): Promise<Reply> => {
        const reversalKey = `${provider}:reversal:${target.slice(provider.length + 1)}`;
        const [a, b] = await Promise.allSettled([
          store.claim({ group: own, key, fingerprint: fp, leaseMs, mode: 'plain', ttlMs }),
          store.claim({ group: target, key: reversalKey, fingerprint: fp, leaseMs, mode: 'tombstone', ttlMs }),
        ]);
        const held: Held[] = [];
        if (a.status === 'fulfilled' && a.value.kind === 'claimed') held.push({ group: own, key, token: a.value.token });
        if (b.status === 'fulfilled' && b.value.kind === 'claimed') held.push({ group: target, key: reversalKey, token: b.value.token });
        if (a.status === 'rejected' || b.status === 'rejected') {
          releaseAll(held);
          return storeDown(a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason);
        }
        const mine = a.value;
        const reversal = b.value;
        if (mine.kind !== 'claimed') {
          releaseAll(held);
          return notClaimed(ctx, mine, own, key, fp);
        }
        switch (reversal.kind) {
          case 'claimed':
            return forward(ctx, held, fp, { group: target, keys: reversal.othersInFlight });
          case 'done':
            // Already reversed under another rollback id: this one answers the same, forwarded never.
            await commitAll(ctx, held, fp, reversal.record.outcome);
            return replay(ctx, reversal.record.outcome);
          case 'in_flight': {
            const r = await store.awaitKey(target, reversalKey, awaitTimeoutMs).catch((e: unknown) => {
              releaseAll(held);
              return storeDown(e);
            });
            if (r.kind === 'done' && r.record.fingerprint === fp) {
              await commitAll(ctx, held, fp, r.record.outcome);
              return replay(ctx, r.record.outcome);
            }
            releaseAll(held);
            throw createError(r.kind === 'done' ? 'GW_ERR_IDEM_CONFLICT' : 'GW_ERR_IDEM_IN_PROGRESS');
          }
          default:
            releaseAll(held);
            throw createError('GW_ERR_IDEM_CONFLICT', 'the transaction is being reversed with another payload');
        }
      };

      return async (ctx) => {
        const c = ctx.canonical!;
        const key = c.idempotency_key!;
        const fp = fingerprint(c);
        const group = groupOf(provider, c);
        const own = `${provider}:${keyPart(c.transaction_id ?? '')}`;
        if (mode === 'tombstone' && group !== own) return dualRollback(ctx, key, own, group, fp);
        const claim: ClaimResult = await store.claim({ group, key, fingerprint: fp, leaseMs, mode, ttlMs }).catch(storeDown);
        if (claim.kind !== 'claimed') return notClaimed(ctx, claim, group, key, fp);
        return forward(ctx, [{ group, key, token: claim.token }], fp, { group, keys: claim.othersInFlight });
      };
    },
  };
}
