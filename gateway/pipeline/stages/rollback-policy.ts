/**
 * The `rollback-policy` stage (CONTRACT §5.4): when the wallet does not know the transaction being
 * reversed, either answer success with the current balance (nothing moved) or keep the
 * TRANSACTION_NOT_FOUND rejection. The tombstone was placed by the idempotency claim either way.
 */
import type { WalletClient } from '../../wallet/wallet-client.js';
import type { Handler, Stage } from '../context.js';

export function rollbackPolicyStage(o: { provider: string; policy: 'succeed' | 'error'; wallet: WalletClient; timeoutMs: number }): Stage | undefined {
  if (o.policy === 'error') return undefined;
  const { provider, wallet, timeoutMs } = o;
  return {
    name: 'rollback-policy',
    detail: 'unknown reference → success with the current balance',
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const out = ctx.outcome;
        if (out?.class === 'rejected' && out.code === 'TRANSACTION_NOT_FOUND') {
          if (out.balance !== undefined) {
            ctx.outcome = { class: 'success', balance: out.balance, ...(out.currency ? { currency: out.currency } : {}) };
          } else if (ctx.canonical?.player_id !== undefined) {
            const c = ctx.canonical;
            const bal = await wallet.call({
              operation: 'balance',
              body: { request_id: ctx.requestId, provider, operation: 'balance', player_id: c.player_id, ...(c.currency ? { currency: c.currency } : {}) },
              requestId: ctx.requestId,
              timeoutMs,
            });
            // An unknown balance stays uncertain: not stored, the provider retries.
            ctx.outcome = bal.class === 'success' ? { class: 'success', ...(bal.balance !== undefined ? { balance: bal.balance } : {}), ...(bal.currency ? { currency: bal.currency } : {}) } : bal;
          } else {
            ctx.outcome = { class: 'success' };
          }
        }
        return next(ctx);
      };
    },
  };
}
