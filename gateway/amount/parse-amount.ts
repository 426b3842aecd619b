/**
 * Turns a provider's amount field into a canonical decimal string (CONTRACT §3), exactly.
 *
 * Everything is done on the text the provider wrote: a JSON number arrives as a
 * {@link JsonNumber} from `parseJson`, an exponent is applied by moving the decimal point in
 * the digit string, and a scaled integer is divided by 10^scale the same way. No float, ever.
 *
 * Significant digits: counted on the canonical result, from the first non-zero digit to the
 * last digit written — leading zeros ("0.00123" → 3) and trailing fractional zeros ("10.50" →
 * "10.5" → 3) do not count, trailing integer zeros do ("1000" → 4), since they are positional
 * in text without an exponent. More than 15 is refused in every format: 15 digits is what any
 * IEEE double round-trips, so beyond it a provider that serialised from a double may have
 * written digits that are not the value it meant.
 */
import { createError } from '../errors.js';
import type { Decimal } from '../types.js';
import { JsonNumber } from '../json/json-number.js';

/** How a descriptor says a provider writes an amount. */
export interface AmountInputSpec {
  /** `string`: "10.50"; `number`: 10.50 as a JSON number; `integer`: 1050 (with scale 2). */
  format: 'string' | 'number' | 'integer';
  /** integer: the value is an integer count of 10^-scale units (2 for cents, 5 for 10^-5). Default 0. */
  scale?: number;
  /** number: accept an exponent (`1e3`, `1.05E+2`). Default false. Strings never take one. */
  allowExponent?: boolean;
}

/** Most significant digits an amount may have (CONTRACT §3). */
export const MAX_SIGNIFICANT_DIGITS = 15;

/** Exponents beyond this cannot yield an acceptable amount; refusing early bounds the work. */
const MAX_EXPONENT_MAGNITUDE = 1000;

const DECIMAL_TEXT_RE = /^(0|[1-9]\d*)(?:\.(\d+))?$/;
const INTEGER_TEXT_RE = /^(?:0|[1-9]\d*)$/;
/** A non-negative JSON number token, split into integer digits, fraction digits, exponent. */
const JSON_NUMBER_PARTS_RE = /^(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses and validates an amount. `maxDecimals` is the tighter of the currency exponent and
 * the descriptor's limit; the result never has more decimals than that, and zero is accepted
 * (zero credits close rounds).
 *
 * @throws {GatewayError} `GW_ERR_REQUEST_AMOUNT` (canonical `INVALID_REQUEST`) with the precise
 *   reason: wrong JSON type, a plain JS number (the body bypassed parseJson), negative (even
 *   "-0"), empty, whitespace, "+", NaN/Infinity, hex, an exponent not allowed, leading zeros,
 *   more than 15 significant digits, or more decimals than `maxDecimals` after normalisation.
 * @throws {TypeError} when `spec` or `maxDecimals` is malformed (a descriptor bug, not a request one).
 * @example
 * parseAmount('10.50', { format: 'string' }, 2);                         // '10.5'
 * parseAmount(new JsonNumber('0.1'), { format: 'number' }, 2);           // '0.1'
 * parseAmount(new JsonNumber('1050000'), { format: 'integer', scale: 5 }, 2); // '10.5'
 * parseAmount('10.505', { format: 'string' }, 2);                        // throws: 3 decimals
 */
export function parseAmount(value: unknown, spec: AmountInputSpec, maxDecimals: number): Decimal {
  if (!Number.isSafeInteger(maxDecimals) || maxDecimals < 0) {
    throw new TypeError(`maxDecimals must be a non-negative integer, got ${maxDecimals}`);
  }
  switch (spec.format) {
    case 'string':
      return fromString(value, maxDecimals);
    case 'number':
      return fromNumber(value, spec.allowExponent === true, maxDecimals);
    case 'integer':
      return fromInteger(value, spec.scale ?? 0, maxDecimals);
    default:
      throw new TypeError(`unknown amount format ${JSON.stringify((spec as { format: unknown }).format)}`);
  }
}

function fromString(value: unknown, maxDecimals: number): Decimal {
  if (typeof value !== 'string') refuseType(value, 'a JSON string of decimal text');
  const m = DECIMAL_TEXT_RE.exec(value);
  if (m === null) refuse(value, describeBadText(value));
  return canonical(value, m[1] as string, m[2] ?? '', 0, maxDecimals);
}

function fromNumber(value: unknown, allowExponent: boolean, maxDecimals: number): Decimal {
  if (!(value instanceof JsonNumber)) refuseType(value, 'a JSON number');
  const raw = value.raw;
  if (raw.charCodeAt(0) === 0x2d) refuse(raw, 'negative amount');
  const m = JSON_NUMBER_PARTS_RE.exec(raw);
  if (m === null) refuse(raw, 'not a JSON number');
  const expText = m[3];
  if (expText !== undefined && !allowExponent) refuse(raw, 'exponent not allowed for this provider');
  let exp = 0;
  if (expText !== undefined) {
    // Digits only (after an optional sign), so this parse is exact; the bound keeps it small.
    exp = Number.parseInt(expText, 10);
    if (!(Math.abs(exp) <= MAX_EXPONENT_MAGNITUDE)) refuse(raw, 'exponent out of range');
  }
  return canonical(raw, m[1] as string, m[2] ?? '', exp, maxDecimals);
}

function fromInteger(value: unknown, scale: number, maxDecimals: number): Decimal {
  if (!Number.isSafeInteger(scale) || scale < 0) throw new TypeError(`integer scale must be a non-negative integer, got ${scale}`);
  let text: string;
  if (value instanceof JsonNumber) {
    text = value.raw;
    if (text.charCodeAt(0) === 0x2d) refuse(text, 'negative amount');
    if (!INTEGER_TEXT_RE.test(text)) {
      refuse(text, JsonNumber.isValid(text) ? 'expected an integer (no fraction, no exponent)' : 'not a JSON number');
    }
  } else if (typeof value === 'string') {
    text = value;
    if (!INTEGER_TEXT_RE.test(text)) refuse(text, /^\d+\.\d+$/.test(text) ? 'expected an integer (no fraction)' : describeBadText(text));
  } else {
    refuseType(value, 'an integer JSON number or a string of digits');
  }
  return canonical(text, text, '', -scale, maxDecimals);
}

/**
 * The canonical decimal for digits `intDigits.fracDigits` × 10^exp, after checking the limits
 * on the digit string alone, so a hostile exponent never makes us build a huge string.
 */
function canonical(shown: string, intDigits: string, fracDigits: string, exp: number, maxDecimals: number): Decimal {
  const digits = intDigits + fracDigits;
  let first = 0;
  while (first < digits.length && digits.charCodeAt(first) === 0x30) first++;
  if (first === digits.length) return '0';
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 0x30) end--;
  const sig = digits.slice(first, end);
  // Digits of `sig` before the decimal point; <= 0 means "0.000…sig", > sig.length means trailing zeros.
  const point = intDigits.length + exp - first;
  if (Math.max(sig.length, point) > MAX_SIGNIFICANT_DIGITS) {
    refuse(shown, `more than ${MAX_SIGNIFICANT_DIGITS} significant digits`);
  }
  const decimals = Math.max(0, sig.length - point);
  if (decimals > maxDecimals) refuse(shown, `${decimals} decimals, at most ${maxDecimals} allowed`);
  if (point <= 0) return `0.${'0'.repeat(-point)}${sig}`;
  if (point >= sig.length) return sig + '0'.repeat(point - sig.length);
  return `${sig.slice(0, point)}.${sig.slice(point)}`;
}

/** Why `text` is not plain decimal text, for logs and for error tables that echo messages. */
function describeBadText(text: string): string {
  if (text === '') return 'empty string';
  if (/\s/.test(text)) return 'whitespace not allowed';
  if (/^[+-]?(?:nan|inf(?:inity)?)$/i.test(text)) return 'not a finite number';
  if (text.charCodeAt(0) === 0x2d) return 'negative amount';
  if (text.charCodeAt(0) === 0x2b) return "'+' sign not allowed";
  if (/^0[xob]/i.test(text)) return 'hexadecimal, octal and binary notation not allowed';
  if (/^[\d.]+[eE]/.test(text)) return 'exponent not allowed in a string amount';
  if (/^0\d/.test(text)) return 'leading zeros not allowed';
  if (/^\.|\.$/.test(text)) return 'digits required on both sides of the decimal point';
  if (text.includes(',')) return "',' not allowed (the decimal separator is '.')";
  return 'not a decimal number';
}

/** Short, quoted rendering of what the provider sent: safe for one log line. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function refuse(shown: string, reason: string): never {
  throw createError('GW_ERR_REQUEST_AMOUNT', `invalid amount ${quote(shown)}: ${reason}`);
}

function refuseType(value: unknown, expected: string): never {
  const got = typeof value === 'number'
    ? 'a JS number (the body was not parsed with parseJson, so its exact text is lost)'
    : value === null ? 'null'
    : Array.isArray(value) ? 'an array'
    : value instanceof JsonNumber ? 'a JSON number'
    : typeof value === 'object' ? 'an object'
    : typeof value === 'string' ? 'a string'
    : typeof value;
  throw createError('GW_ERR_REQUEST_AMOUNT', `invalid amount: expected ${expected}, got ${got}`);
}
