/**
 * The `wallet` stage: one canonical call, or — for must-succeed operations — retries of uncertain
 * answers with capped exponential backoff inside a time budget (CONTRACT §5.5). Every attempt
 * carries the same idempotency key, so the wallet applies it at most once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Operation, Outcome } from '../../types.js';
import type { WalletClient } from '../../wallet/wallet-client.js';
import type { Handler, Stage } from '../context.js';

/** The shortest wallet attempt worth making inside a retry budget. */
const MIN_ATTEMPT_MS = 20;

export interface RetryPolicy {
  budgetMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/** Whether an uncertain call of `operation` may be sent again by the gateway itself. */
function resendable(wallet: WalletClient, operation: Operation): boolean {
  const r = wallet.retriesUncertain;
  return typeof r === 'function' ? r(operation) : r !== false;
}

export function walletStage(o: { provider: string; operation: Operation; wallet: WalletClient; timeoutMs: number; retry?: RetryPolicy }): Stage {
  const { provider, operation, wallet, timeoutMs, retry } = o;
  return {
    name: 'wallet',
    detail: `${operation}, timeout ${timeoutMs}ms${retry ? (!resendable(wallet, operation) ? ', must succeed, but never retried: the wallet is not idempotent and has no status query' : `, must succeed: retry uncertain within ${retry.budgetMs}ms`) : ''}`,
    wrap(next: Handler): Handler {
      return async (ctx) => {
        // Decided upstream (an unresolvable reference): nothing to forward.
        if (ctx.outcome) return next(ctx);
        const body: Record<string, unknown> = { request_id: ctx.requestId, provider, ...ctx.canonical };
        const key = ctx.canonical?.idempotency_key;
        const call = (t: number): Promise<Outcome> => wallet.call({ operation, body, requestId: ctx.requestId, timeoutMs: t, ...(key ? { idempotencyKey: key } : {}) });
        let outcome = await call(timeoutMs);
        if (retry && resendable(wallet, operation)) {
          const deadline = Date.now() + retry.budgetMs;
          let backoff = retry.initialBackoffMs;
          while (outcome.class === 'uncertain') {
            const remaining = deadline - Date.now();
            // Leave room for a useful attempt; when the next full pause does not fit, pause
            // for half of what is left and make one last, shorter attempt.
            if (remaining < MIN_ATTEMPT_MS * 2) break;
            // Full jitter: instances retrying the same outage do not move in lock-step.
            const pause = Math.floor(Math.random() * Math.min(backoff, Math.floor(remaining / 2)));
            await sleep(pause);
            backoff = Math.min(backoff * 2, retry.maxBackoffMs);
            outcome = await call(Math.max(MIN_ATTEMPT_MS, Math.min(timeoutMs, deadline - Date.now())));
          }
        }
        ctx.outcome = outcome;
        return next(ctx);
      };
    },
  };
}
