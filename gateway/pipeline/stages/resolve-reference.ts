/**
 * The `resolve-reference` stage: a rollback that names the wallet's transaction id (from an
 * earlier answer) is resolved through the store's index into the provider transaction it reverses,
 * so its tombstone and idempotency land in that transaction's group.
 */
import type { Store } from '../../store/store.js';
import { storeDown } from '../store-down.js';
import type { Handler, Stage } from '../context.js';
import { unkeyPart } from '../key-parts.js';

export function resolveReferenceStage(provider: string, store: Store): Stage {
  const prefix = `${provider}:`;
  return {
    name: 'resolve-reference',
    detail: 'reference_wallet_transaction_id → original debit (store index); unknown ids are not forwarded',
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const c = ctx.canonical!;
        const wtx = c.reference_wallet_transaction_id;
        if (wtx !== undefined && c.reference_transaction_id === undefined) {
          let group: string | undefined;
          try {
            group = await store.resolveWalletTransaction(provider, wtx);
          } catch (e) {
            storeDown(e);
          }
          if (!group?.startsWith(prefix)) {
            // Only what this gateway forwarded as a debit may be reversed by wallet id: a wallet id
            // is not the provider's namespace, and such routes often sign nothing id-specific.
            ctx.outcome = { class: 'rejected', code: 'TRANSACTION_NOT_FOUND', message: 'wallet transaction id unknown to the gateway' };
          } else c.reference_transaction_id = unkeyPart(group.slice(prefix.length));
        }
        return next(ctx);
      };
    },
  };
}
