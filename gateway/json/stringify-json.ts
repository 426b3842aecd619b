/**
 * Compact JSON serialiser that writes {@link JsonNumber}s verbatim.
 *
 * This is how the gateway renders an amount such as `489.5` as a JSON *number* without ever
 * holding it in a float: the renderer produces `new JsonNumber('489.5')` and this module writes
 * its text. Everything else follows `JSON.stringify` (no replacer, no indentation): `toJSON` is
 * honoured, object members whose value is undefined/function/symbol are omitted, the same in
 * arrays become `null`, non-finite numbers become `null`, BigInt and cycles throw TypeError.
 */
import { JsonNumber } from './json-number.js';

/**
 * Serialises `value` to compact JSON text.
 *
 * @throws {TypeError} for a cycle, a BigInt, a JsonNumber whose text is not a JSON number (it
 *   would otherwise inject arbitrary text into the output), or a top-level value JSON cannot
 *   represent (undefined, function, symbol), where `JSON.stringify` would return undefined.
 * @example
 * stringifyJson({ balance: new JsonNumber('489.50'), currency: 'USD', note: undefined });
 * // '{"balance":489.50,"currency":"USD"}'
 */
export function stringifyJson(value: unknown): string {
  // Most values on the hot path (canonical wallet bodies, string-amount envelopes) hold no
  // JsonNumber: V8's native serialiser then writes exactly what `write` would, several times faster.
  const out = isPlain(value, 0) ? (JSON.stringify(value) as string | undefined) : write(value, '', []);
  if (out === undefined) throw new TypeError(`cannot serialise a top-level ${typeof value} as JSON`);
  return out;
}

/** Deeper than this, `write` takes over (it reports cycles; a real payload is never this deep). */
const PLAIN_DEPTH = 32;

/**
 * True when JSON.stringify writes `value` exactly as `write` would: no JsonNumber, no BigInt (boxed
 * or not) and no `toJSON` (which could return either) anywhere, and no deeper than PLAIN_DEPTH.
 * Allocates nothing. Values are plain data: a getter is read twice (here and when written).
 */
function isPlain(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return typeof value !== 'bigint';
  if (depth > PLAIN_DEPTH || value instanceof JsonNumber || value instanceof BigInt || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlain(value[i], depth + 1)) return false;
    return true;
  }
  // for…in also visits inherited enumerable members, which JSON.stringify skips: at worst a
  // needless fall-back to `write`, never a wrong answer.
  for (const k in value) if (!isPlain((value as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/**
 * Returns undefined for values JSON has no text for, so the caller can omit or null them.
 * `key` is the member name or array index, passed to `toJSON` as JSON.stringify does.
 */
function write(value: unknown, key: string | number, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('cannot serialise a BigInt as JSON; use a JsonNumber');
    case 'object':
      if (value === null) return 'null';
      if (value instanceof JsonNumber) return writeJsonNumber(value);
      return writeObject(value, key, ancestors);
    default: // undefined, function, symbol
      return undefined;
  }
}

function writeJsonNumber(n: JsonNumber): string {
  if (!JsonNumber.isValid(n.raw)) throw new TypeError(`not a JSON number: ${JSON.stringify(n.raw)}`);
  return n.raw;
}

function writeObject(value: object, key: string | number, ancestors: object[]): string | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value, String(key)), key, ancestors);
  if (value instanceof BigInt) throw new TypeError('cannot serialise a BigInt as JSON; use a JsonNumber');
  // Boxed primitives serialise as their primitive, as in JSON.stringify.
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return write(value.valueOf(), key, ancestors);
  }
  if (ancestors.includes(value)) throw new TypeError('cannot serialise a circular structure as JSON');
  ancestors.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i], i, ancestors) ?? 'null';
    }
    out += ']';
  } else {
    out = '{';
    let first = true;
    // Object.keys also works on null-prototype objects (what parseJson returns).
    for (const k of Object.keys(value)) {
      const member = write((value as Record<string, unknown>)[k], k, ancestors);
      if (member === undefined) continue;
      out += first ? JSON.stringify(k) : ',' + JSON.stringify(k);
      out += ':' + member;
      first = false;
    }
    out += '}';
  }
  ancestors.pop();
  return out;
}
