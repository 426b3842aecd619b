/**
 * The error {@link parseJson} throws. A leaf module.
 */

/**
 * A body that is not strict RFC 8259 JSON.
 *
 * `position` is the UTF-16 code-unit offset into the text where parsing failed (what
 * `String.prototype.slice` understands). For a Buffer that is not valid UTF-8 it is the byte
 * offset of the first invalid byte, since there is no decoded text to point into.
 *
 * @example
 * try { parseJson('[1,]') } catch (e) { if (e instanceof JsonSyntaxError) e.position } // 3
 */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    /** What was wrong, without the position (the full `message` adds it). */
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position}`);
  }
}
