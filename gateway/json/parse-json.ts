/**
 * Strict RFC 8259 JSON parser that keeps numbers exact.
 *
 * Accepts exactly what `JSON.parse` accepts (no trailing commas, comments, single quotes,
 * leading zeros, BOM; whitespace is space/tab/CR/LF only; lone surrogates in escapes are kept)
 * and returns the same values, except that every number is a {@link JsonNumber} holding its
 * token text, so an amount like `10.10` is never turned into a binary float. Two deliberate
 * differences: nesting deeper than `maxDepth` is refused, and a Buffer must be valid UTF-8
 * (JSON.parse of `buf.toString()` would silently turn bad bytes into U+FFFD, so two different
 * bodies could parse to the same value).
 *
 * Objects have a null prototype: a `"__proto__"` key is an ordinary own property and cannot
 * reach `Object.prototype` (and `"constructor"`/`"toString"` keys never collide with inherited
 * members). Duplicate keys: the last one wins, as in `JSON.parse`.
 *
 * It runs on every request, so it is a hand-written charCode-based recursive descent over
 * module-level state (no per-call closures or objects), and strings without escapes are
 * sliced straight out of the source.
 */
import { isUtf8 } from 'node:buffer';
import { JsonNumber } from './json-number.js';
import { JsonSyntaxError } from './json-syntax-error.js';

export { JsonNumber } from './json-number.js';
export { JsonSyntaxError } from './json-syntax-error.js';

/** A parsed JSON value. Numbers are {@link JsonNumber}; objects have a null prototype. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [k: string]: JsonValue };

export interface ParseJsonOptions {
  /**
   * Maximum nesting of arrays/objects; `[]` is depth 1. Deeper input is refused before the
   * parser recurses further, which bounds stack use on hostile bodies. Default 64.
   */
  maxDepth?: number;
}

/** Default nesting limit: far beyond any real callback body, far below the stack limit. */
export const DEFAULT_MAX_DEPTH = 64;

// Parser state. parseJson is synchronous and never calls out, so it cannot be re-entered.
let src = '';
let len = 0;
let pos = 0;
let depthLeft = 0;
let maxDepth = DEFAULT_MAX_DEPTH;

/**
 * Parses a JSON text (a string, or a Buffer that must be valid UTF-8).
 *
 * @throws {JsonSyntaxError} on anything `JSON.parse` would refuse, on invalid UTF-8 in a
 *   Buffer, and when nesting exceeds `maxDepth`.
 * @throws {RangeError} when `maxDepth` is not a non-negative integer (a caller bug).
 * @example
 * const body = parseJson('{"amount": 10.50, "currency": "USD"}') as Record<string, JsonValue>;
 * (body.amount as JsonNumber).raw; // '10.50'
 */
export function parseJson(input: Buffer | string, options?: ParseJsonOptions): JsonValue {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  // NaN would disable the limit and Infinity would trade it for a stack overflow.
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) throw new RangeError(`maxDepth must be a non-negative integer, got ${maxDepth}`);
  src = text;
  len = text.length;
  pos = 0;
  depthLeft = maxDepth;
  try {
    skipWhitespace();
    const value = parseValue();
    skipWhitespace();
    if (pos < len) fail('unexpected data after the JSON value');
    return value;
  } finally {
    src = ''; // do not keep the last request body alive
  }
}

/** Refuses invalid UTF-8 instead of silently replacing it with U+FFFD (RFC 8259 §8.1). */
function decodeUtf8(buf: Buffer): string {
  if (!isUtf8(buf)) throw new JsonSyntaxError('invalid UTF-8', firstInvalidUtf8Byte(buf));
  // toString keeps a leading BOM as U+FEFF, which the parser then refuses like JSON.parse does.
  return buf.toString('utf8');
}

function fail(reason: string): never {
  throw new JsonSyntaxError(reason, pos);
}

function unexpected(): never {
  if (pos >= len) fail('unexpected end of input');
  const c = src.charCodeAt(pos);
  // Invisible or non-ASCII characters (a BOM, U+00A0, U+2028) are named by code point.
  const shown = c > 0x20 && c < 0x7f ? `'${src[pos]}'` : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  fail(`unexpected character ${shown}`);
}

function skipWhitespace(): void {
  let c = src.charCodeAt(pos);
  if (c > 0x20) return; // compact bodies: no whitespace at all, one compare
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = src.charCodeAt(++pos);
}

function parseValue(): JsonValue {
  const c = src.charCodeAt(pos);
  switch (c) {
    case 0x7b: // {
      return parseObject();
    case 0x5b: // [
      return parseArray();
    case 0x22: // "
      return parseString();
    case 0x74: // t
      return parseLiteral('true', true);
    case 0x66: // f
      return parseLiteral('false', false);
    case 0x6e: // n
      return parseLiteral('null', null);
    default:
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber();
      return unexpected();
  }
}

function parseLiteral<T extends JsonValue>(word: string, value: T): T {
  for (let i = 1; i < word.length; i++) {
    if (src.charCodeAt(pos + i) !== word.charCodeAt(i)) {
      pos += i;
      unexpected();
    }
  }
  pos += word.length;
  return value;
}

function enter(): void {
  if (--depthLeft < 0) fail(`nesting deeper than ${maxDepth}`);
  pos++;
}

function parseObject(): JsonValue {
  enter();
  const obj: { [k: string]: JsonValue } = Object.create(null);
  skipWhitespace();
  if (src.charCodeAt(pos) === 0x7d) {
    pos++;
    depthLeft++;
    return obj;
  }
  for (;;) {
    if (src.charCodeAt(pos) !== 0x22) {
      if (pos >= len) unexpected();
      fail('expected a string key');
    }
    const key = parseString();
    skipWhitespace();
    if (src.charCodeAt(pos) !== 0x3a) {
      if (pos >= len) unexpected();
      fail("expected ':'");
    }
    pos++;
    skipWhitespace();
    obj[key] = parseValue();
    skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 0x2c) {
      pos++;
      skipWhitespace();
    } else if (c === 0x7d) {
      pos++;
      depthLeft++;
      return obj;
    } else {
      if (pos >= len) unexpected();
      fail("expected ',' or '}'");
    }
  }
}

function parseArray(): JsonValue {
  enter();
  const arr: JsonValue[] = [];
  skipWhitespace();
  if (src.charCodeAt(pos) === 0x5d) {
    pos++;
    depthLeft++;
    return arr;
  }
  for (;;) {
    arr.push(parseValue());
    skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 0x2c) {
      pos++;
      skipWhitespace();
    } else if (c === 0x5d) {
      pos++;
      depthLeft++;
      return arr;
    } else {
      if (pos >= len) unexpected();
      fail("expected ',' or ']'");
    }
  }
}

/** At an opening quote. Fast path: no escapes → one slice of the source. */
function parseString(): string {
  // Locals in the hot loop: V8 keeps them in registers, module-level lets it does not.
  const s = src;
  const end = len;
  const start = pos + 1;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      pos = i + 1;
      return s.slice(start, i);
    }
    if (c === 0x5c || c < 0x20) {
      pos = i;
      if (c === 0x5c) return parseEscapedString(start);
      fail('control character in string');
    }
  }
  pos = end;
  return fail('unterminated string');
}

/** Slow path, at the first backslash: copies the runs between escapes. */
function parseEscapedString(start: number): string {
  let out = '';
  let runStart = start;
  while (pos < len) {
    const c = src.charCodeAt(pos);
    if (c === 0x22) {
      out += src.slice(runStart, pos++);
      return out;
    }
    if (c === 0x5c) {
      out += src.slice(runStart, pos);
      out += parseEscape();
      runStart = pos;
    } else if (c < 0x20) {
      fail('control character in string');
    } else {
      pos++;
    }
  }
  return fail('unterminated string');
}

/** At a backslash; returns the decoded character and leaves pos after the escape. */
function parseEscape(): string {
  const c = src.charCodeAt(++pos);
  pos++;
  switch (c) {
    case 0x22: return '"';
    case 0x5c: return '\\';
    case 0x2f: return '/';
    case 0x62: return '\b';
    case 0x66: return '\f';
    case 0x6e: return '\n';
    case 0x72: return '\r';
    case 0x74: return '\t';
    case 0x75: { // uXXXX: any code unit, including a lone surrogate, as JSON.parse allows
      let code = 0;
      for (let i = 0; i < 4; i++) {
        const h = hexValue(src.charCodeAt(pos));
        if (h < 0) {
          if (pos >= len) unexpected();
          fail('invalid \\u escape');
        }
        code = (code << 4) | h;
        pos++;
      }
      return String.fromCharCode(code);
    }
    default:
      pos--;
      if (pos >= len) unexpected();
      return fail('invalid escape');
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text. */
function parseNumber(): JsonNumber {
  const start = pos;
  let c = src.charCodeAt(pos);
  if (c === 0x2d) c = src.charCodeAt(++pos);
  if (c === 0x30) {
    c = src.charCodeAt(++pos);
    if (isDigit(c)) fail('leading zeros are not allowed');
  } else if (c >= 0x31 && c <= 0x39) {
    do c = src.charCodeAt(++pos);
    while (isDigit(c));
  } else {
    if (pos >= len) unexpected();
    fail('expected a digit');
  }
  if (c === 0x2e) {
    c = src.charCodeAt(++pos);
    if (!isDigit(c)) fail('expected a digit after the decimal point');
    do c = src.charCodeAt(++pos);
    while (isDigit(c));
  }
  if (c === 0x65 || c === 0x45) {
    c = src.charCodeAt(++pos);
    if (c === 0x2b || c === 0x2d) c = src.charCodeAt(++pos);
    if (!isDigit(c)) fail('expected a digit in the exponent');
    do c = src.charCodeAt(++pos);
    while (isDigit(c));
  }
  return new JsonNumber(src.slice(start, pos));
}

/**
 * Byte offset of the first byte that breaks UTF-8 (overlong forms, surrogates and code points
 * above U+10FFFF included). Only called once `isUtf8` has already said no.
 */
function firstInvalidUtf8Byte(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    let need: number;
    let min: number;
    let max: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1; min = 0x80; max = 0xbf;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = b === 0xe0 ? 0xa0 : 0x80; // no overlong 3-byte forms
      max = b === 0xed ? 0x9f : 0xbf; // no UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80; // no overlong 4-byte forms
      max = b === 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const cb = buf[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (cb === undefined || cb < lo || cb > hi) return i;
    }
    i += need + 1;
  }
  return i;
}
