/**
 * The terminal handler of every route: renders the outcome — the success template, or the error
 * table for rejected and uncertain outcomes.
 */
import { createError, type GatewayError } from '../../errors.js';
import { stringifyJson } from '../../json/stringify-json.js';
import type { ErrorRenderer } from '../../compile/compile-errors.js';
import type { Render } from '../../compile/compile-template.js';
import type { Handler } from '../context.js';

export function outcomeError(code: GatewayError['canonical'] | undefined, message: string | undefined, balance: string | undefined, uncertain: boolean): GatewayError {
  return createError(uncertain ? 'GW_ERR_WALLET_UNAVAILABLE' : 'GW_ERR_WALLET_REJECTED', message, code ?? 'WALLET_UNAVAILABLE', balance);
}

export function respondHandler(o: { status: number; headers: Record<string, string>; body: Render; errors: ErrorRenderer }): Handler {
  const { status, headers, body, errors } = o;
  return async (ctx) => {
    const out = ctx.outcome;
    if (out?.class === 'success') return { status, body: stringifyJson(body(ctx)), headers };
    return errors.render(ctx, outcomeError(out?.code, out?.message, out?.balance, out?.class !== 'rejected'));
  };
}
