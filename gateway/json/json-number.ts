/**
 * A JSON number kept as the exact text it was written with.
 *
 * Why: `JSON.parse` turns `10.10` into the binary float 10.1 (and `0.1` into
 * 0.1000000000000000055…), losing what the provider actually wrote. Money must never pass
 * through a float, so {@link parseJson} keeps every number as its token text and
 * {@link stringifyJson} writes it back verbatim. A leaf module: imports nothing.
 */

/** RFC 8259 §6 number grammar, anchored. */
const JSON_NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A JSON number as written. The constructor does not validate, because the parser creates one
 * per number on the hot path and has already checked the grammar; code that builds one from
 * other text must use {@link JsonNumber.isValid} (the serialiser re-checks before writing).
 *
 * There is deliberately no `toJSON`: `JSON.stringify` would have to choose between a float and
 * a quoted string, and both are wrong on the money path. Use `stringifyJson`.
 *
 * @example
 * const n = new JsonNumber('10.50');
 * n.raw;        // '10.50' (exact, for amounts)
 * n.toNumber(); // 10.5 (a float, for non-money uses such as timestamps or counters)
 */
export class JsonNumber {
  constructor(readonly raw: string) {}

  /** The value as a JS number. Never use this for money: it rounds to a binary float. */
  toNumber(): number {
    return Number(this.raw);
  }

  /** The raw text, so template strings and logs show what was written. */
  toString(): string {
    return this.raw;
  }

  /**
   * True when `raw` is a valid JSON number token (RFC 8259 §6).
   *
   * @example JsonNumber.isValid('1e3') // true; JsonNumber.isValid('01') // false
   */
  static isValid(raw: string): boolean {
    return JSON_NUMBER_RE.test(raw);
  }
}
