/**
 * The `audit` stage: one structured line per money operation (CONTRACT §5.8) — provider, operation,
 * transaction id, player, amount, outcome class, latency. Never secrets or signatures.
 */
import { GatewayError, classOfCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Handler, Stage } from '../context.js';

export function auditStage(provider: string, route: string, log: Logger): Stage {
  return {
    name: 'audit',
    detail: 'one audit line per operation',
    wrap(next: Handler): Handler {
      return async (ctx) => {
        const started = performance.now();
        let failure: GatewayError | undefined;
        try {
          return await next(ctx);
        } catch (e) {
          if (e instanceof GatewayError) failure = e;
          throw e;
        } finally {
          const c = ctx.canonical;
          const o = ctx.outcome;
          const code = failure?.canonical ?? o?.code;
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
            code,
            wallet_transaction_id: o?.wallet_transaction_id,
            replayed: ctx.replayed === true,
            latency_ms: Math.round((performance.now() - started) * 100) / 100,
          });
        }
      };
    },
  };
}
