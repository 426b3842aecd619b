/**
 * Canonical decimal strings (CONTRACT §3) and exact arithmetic on them.
 *
 * Canonical form: no exponent, no sign, no leading zeros (other than "0.x"), no trailing
 * fractional zeros, "0" for zero — so equal amounts are equal strings and can be compared,
 * hashed and stored for idempotency without further normalisation. Arithmetic goes through
 * BigInt counts of 10^-scale units; no value ever passes through a binary float.
 *
 * Signed values: amounts on the wire are never negative, but a balance can be (overdraft), and
 * {@link subtractDecimal} must be able to say "below zero". So the arithmetic helpers accept and
 * may return a leading "-" ("-1.5"); {@link normalizeDecimal} and {@link isCanonicalDecimal}
 * stay unsigned because they guard amounts.
 */
import type { Decimal } from '../types.js';

/** Unsigned decimal text as providers may write it: "10.50", "0.5", "7". */
const DECIMAL_TEXT_RE = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
/** The canonical form. */
const CANONICAL_RE = /^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;
/** Signed decimal text accepted by the arithmetic helpers ("-1.50", "3"). */
const SIGNED_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/**
 * True when `text` is a canonical decimal.
 *
 * @example isCanonicalDecimal('10.5') // true; isCanonicalDecimal('10.50') // false
 */
export function isCanonicalDecimal(text: string): text is Decimal {
  return CANONICAL_RE.test(text);
}

/**
 * Canonical form of unsigned decimal text, or undefined when `text` is not `^\d+(\.\d+)?$`
 * without leading zeros. Refused: "007", "00.5", ".5", "5.", "1e3", "-1", "+1", " 1", "".
 *
 * @example
 * normalizeDecimal('10.50'); // '10.5'
 * normalizeDecimal('0.00');  // '0'
 * normalizeDecimal('007');   // undefined
 */
export function normalizeDecimal(text: string): Decimal | undefined {
  return DECIMAL_TEXT_RE.test(text) ? stripTrailingZeros(text) : undefined;
}

/** Removes trailing fractional zeros and a bare point; maps "-0" to "0". Input is well formed. */
function stripTrailingZeros(text: string): string {
  const dot = text.indexOf('.');
  let out = text;
  if (dot >= 0) {
    let end = text.length;
    while (text.charCodeAt(end - 1) === 0x30) end--;
    if (end === dot + 1) end = dot;
    out = text.slice(0, end);
  }
  return out === '-0' ? '0' : out;
}

/**
 * Number of digits after the decimal point (0 for integers).
 *
 * @example decimalPlaces('10.5') // 1; decimalPlaces('1000') // 0
 */
export function decimalPlaces(d: Decimal): number {
  const dot = d.indexOf('.');
  return dot < 0 ? 0 : d.length - dot - 1;
}

function assertScale(scale: number): void {
  if (!Number.isSafeInteger(scale) || scale < 0) throw new RangeError(`scale must be a non-negative integer, got ${scale}`);
}

function assertSigned(d: string): void {
  if (!SIGNED_RE.test(d)) throw new TypeError(`not a decimal: ${JSON.stringify(d)}`);
}

/**
 * The exact count of 10^-scale units in `d` (signed input allowed). Trailing fractional zeros
 * do not count as decimals, so "10.50" fits scale 1.
 *
 * @throws {RangeError} when `d` needs more than `scale` decimals (it would have to round).
 * @throws {TypeError} when `d` is not decimal text.
 * @example
 * toMinorUnits('10.5', 2);  // 1050n
 * toMinorUnits('-0.01', 2); // -1n
 * toMinorUnits('0.001', 2); // throws RangeError
 */
export function toMinorUnits(d: Decimal, scale: number): bigint {
  assertScale(scale);
  assertSigned(d);
  const negative = d.charCodeAt(0) === 0x2d;
  const body = stripTrailingZeros(negative ? d.slice(1) : d);
  const dot = body.indexOf('.');
  const intPart = dot < 0 ? body : body.slice(0, dot);
  const fracPart = dot < 0 ? '' : body.slice(dot + 1);
  if (fracPart.length > scale) {
    throw new RangeError(`${d} has ${fracPart.length} decimals, more than scale ${scale}`);
  }
  const units = BigInt(intPart + fracPart.padEnd(scale, '0'));
  return negative ? -units : units;
}

/**
 * The canonical decimal for `units` × 10^-scale; negative units give a leading "-".
 *
 * @example
 * fromMinorUnits(1050n, 2);  // '10.5'
 * fromMinorUnits(-150n, 2);  // '-1.5'
 * fromMinorUnits(7n, 3);     // '0.007'
 */
export function fromMinorUnits(units: bigint, scale: number): Decimal {
  assertScale(scale);
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  let text = digits;
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    text = stripTrailingZeros(`${digits.slice(0, -scale)}.${digits.slice(-scale)}`);
  }
  return negative && text !== '0' ? `-${text}` : text;
}

/** Both operands as units of their common (larger) scale. */
function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  assertSigned(a);
  assertSigned(b);
  const scale = Math.max(decimalPlaces(a), decimalPlaces(b));
  return [toMinorUnits(a, scale), toMinorUnits(b, scale), scale];
}

/**
 * Exact comparison (signed input allowed): -1 when a < b, 0 when equal, 1 when a > b.
 *
 * @example compareDecimal('10.5', '10.50') // 0; compareDecimal('9.99', '10') // -1
 */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const [x, y] = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Exact sum, canonical (signed input allowed).
 *
 * @example addDecimal('0.1', '0.2') // '0.3' (not 0.30000000000000004)
 */
export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b);
  return fromMinorUnits(x + y, scale);
}

/**
 * Exact difference a − b, canonical. Returns a negative-signed string ("-1.5") when b > a:
 * the ledger needs to know by how much a debit would overdraw, and an overdraft balance is
 * rendered with its sign. Check with `compareDecimal` first where a negative is not acceptable.
 *
 * @example
 * subtractDecimal('10', '0.01'); // '9.99'
 * subtractDecimal('1', '2.5');   // '-1.5'
 */
export function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b);
  return fromMinorUnits(x - y, scale);
}
