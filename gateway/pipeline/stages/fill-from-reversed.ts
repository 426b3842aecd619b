/**
 * The `fill-from-reversed` stage: a rollback that does not say whose transaction it reverses (an
 * empty-bodied `DELETE /v1/rollbacks/{id}`) gets `player_id`, and `currency` and `amount` where it
 * lacks them, from the record of the debit it reverses (CONTRACT §4.2: `player_id` is sent on every
 * operation). Nothing is looked up when the rollback carries its player; an unknown debit leaves the
 * request as it is (the rollback policy decides what the provider sees).
 */
import type { Store } from '../../store/store.js';
import { storeDown } from '../store-down.js';
import type { CanonicalRequest } from '../../types.js';
import type { Handler, Stage } from '../context.js';
import { keyPart } from '../key-parts.js';

export function fillFromReversedStage(provider: string, store: Store, debitKeys: readonly ((c: CanonicalRequest) => string)[]): Stage | undefined {
  if (debitKeys.length === 0) return undefined;
  return {
    name: 'fill-from-reversed',
    detail: 'a rollback without a player gets player, currency and amount from the debit it reverses',
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const c = ctx.canonical!;
        const ref = c.reference_transaction_id;
        if (ctx.outcome || ref === undefined || (c.player_id !== undefined && c.currency !== undefined && c.amount !== undefined)) return next(ctx);
        const group = `${provider}:${keyPart(ref)}`;
        for (const keyOf of debitKeys) {
          const key = keyOf({ operation: 'debit', transaction_id: ref });
          let r;
          try {
            r = await store.awaitKey(group, key, 0);
          } catch (e) {
            storeDown(e);
          }
          const req = r.kind === 'done' ? r.record.request : undefined;
          if (!req) continue;
          if (c.player_id === undefined && req.player_id !== undefined) c.player_id = req.player_id;
          if (c.currency === undefined && req.currency !== undefined) c.currency = req.currency;
          if (c.amount === undefined && req.amount !== undefined) c.amount = req.amount;
          break;
        }
        return next(ctx);
      };
    },
  };
}
