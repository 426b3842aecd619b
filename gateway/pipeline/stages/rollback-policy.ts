/**
 * The `rollback-policy` stage (CONTRACT §5.4): when the wallet does not know the transaction being
 * reversed, either answer success with the current balance (nothing moved) or keep the
 * TRANSACTION_NOT_FOUND rejection. The tombstone was placed by the idempotency claim either way.
 *
 * A `succeed` answer has no wallet transaction behind it, yet some envelopes must carry an id
 * (`{"error": null, "transaction_id": …}`). So the success carries a **gateway-made** id,
 * {@link noopTransactionId}: derived from the provider and the idempotency key, never random, and
 * committed with the idempotency record — a retry, a replay, or another gateway instance sharing the
 * store renders the same id. Templates read it as `outcome.wallet_transaction_id`; it is told apart
 * from a wallet's id by its `gw-` prefix and by `outcome.gateway_made: true`.
 */
import { createHash } from 'node:crypto';
import type { Outcome } from '../../types.js';
import type { WalletClient } from '../../wallet/wallet-client.js';
import type { Handler, Stage } from '../context.js';

/**
 * The id of a no-op rollback: `gw-` + the first 24 hex digits of SHA-256(provider, key).
 * Hex keeps it within the id alphabets providers accept; 96 bits keep collisions out of reach.
 *
 * @example noopTransactionId('acme', 'acme:rollback:rb-1') // 'gw-…' (27 characters, stable)
 */
export function noopTransactionId(provider: string, idempotencyKey: string): string {
  return `gw-${createHash('sha256').update(`${provider}\n${idempotencyKey}`).digest('hex').slice(0, 24)}`;
}

export function rollbackPolicyStage(o: { provider: string; policy: 'succeed' | 'error'; wallet: WalletClient; timeoutMs: number }): Stage | undefined {
  if (o.policy === 'error') return undefined;
  const { provider, wallet, timeoutMs } = o;
  return {
    name: 'rollback-policy',
    detail: 'unknown reference → success with the current balance and a gateway-made id (gw-…)',
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const out = ctx.outcome;
        if (out?.class === 'rejected' && out.code === 'TRANSACTION_NOT_FOUND') {
          const c = ctx.canonical;
          const made: Outcome = {
            class: 'success',
            wallet_transaction_id: noopTransactionId(provider, c?.idempotency_key ?? c?.transaction_id ?? ''),
            gateway_made: true,
          };
          if (out.balance !== undefined) {
            ctx.outcome = { ...made, balance: out.balance, ...(out.currency ? { currency: out.currency } : {}) };
          } else if (c?.player_id !== undefined) {
            const bal = await wallet.call({
              operation: 'balance',
              body: { request_id: ctx.requestId, provider, operation: 'balance', player_id: c.player_id, ...(c.currency ? { currency: c.currency } : {}) },
              requestId: ctx.requestId,
              timeoutMs,
            });
            // An unknown balance stays uncertain: not stored, the provider retries.
            ctx.outcome = bal.class === 'success' ? { ...made, ...(bal.balance !== undefined ? { balance: bal.balance } : {}), ...(bal.currency ? { currency: bal.currency } : {}) } : bal;
          } else {
            ctx.outcome = made;
          }
        }
        return next(ctx);
      };
    },
  };
}
