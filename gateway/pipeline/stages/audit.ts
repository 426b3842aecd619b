/**
 * The `audit` stage: one structured line per money operation (CONTRACT §5.8) — provider, operation,
 * transaction id, player, amount, outcome class, latency. Never secrets or signatures.
 */
import { GatewayError, classOfCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Handler, Reply, RequestContext, Stage } from '../context.js';

export function auditStage(provider: string, route: string, log: Logger): Stage {
  return {
    name: 'audit',
    detail: 'one audit line per operation',
    wrap(next: Handler): Handler {
      const write = (ctx: RequestContext, started: number, failure: GatewayError | undefined): void => {
        const c = ctx.canonical;
        const o = ctx.outcome;
        log.audit({
          provider,
          route,
          operation: c?.operation,
          request_id: ctx.requestId,
          transaction_id: c?.transaction_id,
          reference_transaction_id: c?.reference_transaction_id,
          player_id: c?.player_id,
          amount: c?.amount,
          currency: c?.currency,
          outcome: failure ? classOfCode(failure.canonical) : o?.class ?? 'uncertain',
          code: failure?.canonical ?? o?.code,
          wallet_transaction_id: o?.wallet_transaction_id,
          replayed: ctx.replayed === true,
          latency_ms: Math.round((performance.now() - started) * 100) / 100,
        });
      };
      // Plain promise callbacks rather than an async try/finally: one frame less per request.
      return (ctx) => {
        const started = performance.now();
        let pending: Promise<Reply>;
        try {
          pending = next(ctx);
        } catch (e) {
          pending = Promise.reject(e); // a handler that throws instead of rejecting is audited too
        }
        return pending.then(
          (reply) => {
            write(ctx, started, undefined);
            return reply;
          },
          (e: unknown) => {
            write(ctx, started, e instanceof GatewayError ? e : undefined);
            throw e;
          },
        );
      };
    },
  };
}
