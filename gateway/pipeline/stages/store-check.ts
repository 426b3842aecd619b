/**
 * The `store-check` stage, on read routes (balance, authenticate) when
 * `store.on_unavailable.reads: fail`: while the store cannot be reached a read answers
 * WALLET_UNAVAILABLE instead of reaching the wallet, whether or not the provider uses nonces.
 * A read whose nonce the store has just remembered (the nonce stage ran) costs nothing more;
 * otherwise it costs one PING, bounded by the store's command timeout. Not in the pipeline with
 * the default `pass`.
 */
import type { Store } from '../../store/store.js';
import { storeDown } from '../store-down.js';
import type { Handler, Stage } from '../context.js';

export function storeCheckStage(store: Store): Stage {
  return {
    name: 'store-check',
    detail: 'store.on_unavailable.reads: fail — WALLET_UNAVAILABLE while the store is down',
    wrap(next: Handler): Handler {
      return async (ctx) => {
        if (ctx.nonce === undefined) {
          try {
            await store.ping();
          } catch (e) {
            storeDown(e);
          }
        }
        return next(ctx);
      };
    },
  };
}
