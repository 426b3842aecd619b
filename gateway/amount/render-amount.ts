/**
 * Renders a decimal (an amount or a wallet balance) in a provider's format (CONTRACT §3):
 * `"489.50"` (fixed decimals), `489.5` (a JSON number written from the decimal text) or a
 * scaled integer (`48950`). Pure text manipulation; no float, ever.
 *
 * Rounding: when the value has more decimals than the output can carry, it is rounded
 * HALF-EVEN (banker's rounding) at the last kept digit. Rendering happens after the wallet
 * has committed, so refusing would turn a booked debit into an error the provider retries or
 * rolls back — worse than a rounded display; truncation or half-up would bias every rounded
 * figure in one direction, half-even does not. The wallet stays the source of truth: the
 * rounded figure is only what the provider is shown.
 *
 * Negative balances (overdraft) are supported: a leading "-" is kept, and a value that rounds
 * to zero is rendered without sign ("0", never "-0").
 */
import type { Decimal } from '../types.js';
import { JsonNumber } from '../json/json-number.js';

/** How a descriptor says a provider wants an amount or balance written. */
export interface AmountOutputSpec {
  format: 'string' | 'number' | 'integer';
  /** string/number: fixed number of decimals ("489.50" for 2). Omitted: canonical text. */
  decimals?: number;
  /** integer: the output counts 10^-scale units (2 → cents). Default 0. */
  scale?: number;
}

/** Signed decimal text as a wallet may send it: "489.50", "-5", "0". */
const INPUT_RE = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * Renders `d` per `spec`.
 *
 * @throws {TypeError} when `d` is not decimal text, or when `decimals`/`scale` is not a
 *   non-negative integer: the wallet client validates balances before they get here, so this
 *   is a bug, not a provider or wallet error.
 * @example
 * renderAmount('489.5', { format: 'string', decimals: 2 });  // '489.50'
 * renderAmount('489.5', { format: 'number' });               // JsonNumber('489.5')
 * renderAmount('489.5', { format: 'integer', scale: 2 });    // JsonNumber('48950')
 * renderAmount('0.125', { format: 'string', decimals: 2 });  // '0.12' (half-even)
 */
export function renderAmount(d: Decimal, spec: AmountOutputSpec): string | JsonNumber {
  const m = INPUT_RE.exec(d);
  if (m === null) throw new TypeError(`not a decimal: ${JSON.stringify(d)}`);
  const negative = m[1] === '-';
  const intDigits = m[2] as string;
  const fracDigits = m[3] ?? '';
  switch (spec.format) {
    case 'string':
    case 'number': {
      const text = spec.decimals === undefined
        ? canonicalText(negative, intDigits, fracDigits)
        : fixedText(negative, intDigits, fracDigits, checkCount(spec.decimals, 'decimals'));
      return spec.format === 'string' ? text : new JsonNumber(text);
    }
    case 'integer': {
      const scale = checkCount(spec.scale ?? 0, 'scale');
      const units = roundHalfEven(intDigits, fracDigits, scale);
      return new JsonNumber(withSign(negative, units === 0n ? '0' : units.toString()));
    }
    default:
      throw new TypeError(`unknown amount format ${JSON.stringify((spec as { format: unknown }).format)}`);
  }
}

function checkCount(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${what} must be a non-negative integer, got ${n}`);
  return n;
}

function withSign(negative: boolean, magnitude: string): string {
  // A value that is (or rounds to) zero has no sign: "-0" means nothing to a provider.
  return negative && /[1-9]/.test(magnitude) ? `-${magnitude}` : magnitude;
}

function canonicalText(negative: boolean, intDigits: string, fracDigits: string): string {
  let end = fracDigits.length;
  while (end > 0 && fracDigits.charCodeAt(end - 1) === 0x30) end--;
  return withSign(negative, end === 0 ? intDigits : `${intDigits}.${fracDigits.slice(0, end)}`);
}

function fixedText(negative: boolean, intDigits: string, fracDigits: string, decimals: number): string {
  if (fracDigits.length <= decimals) {
    // The common case (a balance already at or below the provider's precision): pad only.
    return withSign(negative, decimals === 0 ? intDigits : `${intDigits}.${fracDigits.padEnd(decimals, '0')}`);
  }
  const units = roundHalfEven(intDigits, fracDigits, decimals);
  const digits = units.toString().padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return withSign(negative, text);
}

/**
 * The magnitude `intDigits.fracDigits` as a count of 10^-places units, rounded half-even when
 * digits are dropped. The sign is applied by the caller: half-even is symmetric, so rounding the
 * magnitude is the same as rounding the signed value.
 */
function roundHalfEven(intDigits: string, fracDigits: string, places: number): bigint {
  if (fracDigits.length <= places) return BigInt(intDigits + fracDigits.padEnd(places, '0'));
  const kept = BigInt(intDigits + fracDigits.slice(0, places));
  const dropped = fracDigits.slice(places);
  const head = dropped.charCodeAt(0) - 0x30;
  let up: boolean;
  if (head !== 5) up = head > 5;
  else if (/[1-9]/.test(dropped.slice(1))) up = true; // above the half
  else up = (kept & 1n) === 1n; // exactly half: go to the even neighbour
  return up ? kept + 1n : kept;
}
