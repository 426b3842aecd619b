/**
 * Test helper: a printable-ASCII label for any text. TAP output is line based, and a raw
 * U+2028/U+2029 (or a control character) in an assertion name silently swallows assertions.
 */
export function label(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
