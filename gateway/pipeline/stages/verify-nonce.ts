/** The `replay-nonce` stage: a nonce may be used once within its TTL (≥ the timestamp window). */
import { createError } from '../../errors.js';
import { StoreUnavailableError, type Store } from '../../store/store.js';
import type { Handler, RequestContext, Stage } from '../context.js';

export function nonceStage(opts: {
  get: (ctx: RequestContext) => unknown;
  source: string;
  required: boolean;
  ttlMs: number;
  scope: string;
  store: Store;
  /** Reads (balance, authenticate) may pass while the store is down (store.on_unavailable.reads). */
  passWhenStoreDown: boolean;
}): Stage {
  const { get, required, ttlMs, scope, store, passWhenStoreDown } = opts;
  return {
    name: 'replay-nonce',
    detail: `${opts.source}, remembered ${ttlMs / 1000}s${required ? '' : ', optional'}`,
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const raw = get(ctx);
        if (raw === undefined || raw === null || raw === '') {
          if (required) throw createError('GW_ERR_VERIFY_NONCE_MISSING');
          return next(ctx);
        }
        const nonce = String(raw);
        if (nonce.length > 256) throw createError('GW_ERR_REQUEST_FIELD_TYPE', 'nonce too long');
        let fresh: boolean;
        try {
          fresh = await store.rememberNonce(scope, nonce, ttlMs);
        } catch (e) {
          if (e instanceof StoreUnavailableError) {
            if (passWhenStoreDown) return next(ctx);
            throw createError('GW_ERR_STORE_UNAVAILABLE');
          }
          throw e;
        }
        if (!fresh) throw createError('GW_ERR_VERIFY_NONCE_REPLAYED');
        ctx.nonce = nonce;
        return next(ctx);
      };
    },
  };
}
