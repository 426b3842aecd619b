/**
 * Turns a canonical wallet HTTP answer into an outcome (CONTRACT §4.3): 200 → success; 4xx with a
 * known code → rejected; anything else (5xx, non-JSON, unknown code, a success without the fields
 * a money operation needs) → uncertain WALLET_UNAVAILABLE, which is never cached.
 */
import { classOfCode, isCanonicalCode } from '../errors.js';
import { normalizeDecimal } from '../amount/decimal.js';
import { JsonNumber } from '../json/json-number.js';
import { parseJson } from '../json/parse-json.js';
import type { Operation, Outcome } from '../types.js';

const GATEWAY_CALL_CODES: ReadonlySet<string> = new Set(['INVALID_SIGNATURE', 'INVALID_TIMESTAMP', 'REPLAYED_NONCE', 'UNAUTHORIZED', 'PAYLOAD_TOO_LARGE']);

function uncertain(message: string): Outcome {
  return { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message };
}

/** Normalises a balance; wallets may answer "489.50", 489.5 or (overdraft) "-3.00". */
export function normalizeBalance(v: unknown): string | undefined {
  // A JSON number is taken exactly as written (parseJson keeps its text): never through a float.
  const text = v instanceof JsonNumber ? v.raw : typeof v === 'string' ? v : undefined;
  if (text === undefined || /e/i.test(text)) return undefined;
  if (text.startsWith('-')) {
    const n = normalizeDecimal(text.slice(1));
    return n === undefined ? undefined : n === '0' ? '0' : `-${n}`;
  }
  return normalizeDecimal(text);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : v instanceof JsonNumber && /^-?\d+$/.test(v.raw) ? v.raw : undefined);

/**
 * @example classifyAnswer('debit', 200, '{"balance":"489.50","currency":"USD","wallet_transaction_id":"w-1"}')
 */
export function classifyAnswer(operation: Operation, status: number, text: string): Outcome {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch {
    return uncertain(`wallet answered ${status} with a non-JSON body`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return uncertain(`wallet answered ${status} with a non-object body`);
  const body = json as Record<string, unknown>;
  if (status === 200) {
    const balance = normalizeBalance(body.balance);
    if (balance === undefined) return uncertain('wallet success without a valid balance');
    const wtx = str(body.wallet_transaction_id);
    if (wtx === undefined && (operation === 'debit' || operation === 'credit' || operation === 'rollback')) {
      return uncertain('wallet money success without wallet_transaction_id');
    }
    const out: Outcome = { class: 'success', balance };
    const currency = str(body.currency);
    if (currency) out.currency = currency;
    if (wtx !== undefined) out.wallet_transaction_id = wtx;
    for (const k of ['player_name', 'country', 'language'] as const) {
      const v = str(body[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (status === 408 || status === 429) return uncertain(`wallet answered ${status}`);
  if (status >= 400 && status < 500) {
    const err = body.error as { code?: unknown; message?: unknown } | undefined;
    const code = err && typeof err === 'object' ? err.code : undefined;
    if (!isCanonicalCode(code)) return uncertain(`wallet answered ${status} with an unknown error code`);
    // These speak of the gateway's own signed call (a rotated wallet.hmac_secret, clock skew), not
    // of the player's transaction: never a final answer, never the provider's own error.
    if (GATEWAY_CALL_CODES.has(code)) return uncertain(`wallet refused the gateway's call: ${code}`);
    const out: Outcome = { class: classOfCode(code), code };
    if (typeof err?.message === 'string') out.message = err.message.slice(0, 200);
    const balance = normalizeBalance(body.balance);
    if (balance !== undefined) out.balance = balance;
    const currency = str(body.currency);
    if (currency) out.currency = currency;
    return out;
  }
  return uncertain(`wallet answered ${status}`);
}
