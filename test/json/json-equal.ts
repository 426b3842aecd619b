/**
 * Test helper: compares a parseJson result with a JSON.parse result. Numbers are compared as
 * `Number(raw)` against the float JSON.parse produced (Object.is, so -0 counts), objects must
 * have a null prototype and the same keys in the same order. Returns the path of the first
 * difference, or undefined when equal.
 */
import { JsonNumber } from '../../gateway/json/json-number.js';

export function jsonDifference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (actual instanceof JsonNumber) {
    if (typeof expected !== 'number') return `${path}: JsonNumber where JSON.parse gave ${typeof expected}`;
    return Object.is(Number(actual.raw), expected) ? undefined : `${path}: ${actual.raw} != ${expected}`;
  }
  if (typeof expected === 'number') return `${path}: expected a JsonNumber, got ${typeof actual}`;
  if (expected === null || typeof expected !== 'object') {
    return actual === expected ? undefined : `${path}: ${String(actual)} != ${String(expected)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array`;
    if (actual.length !== expected.length) return `${path}: length ${actual.length} != ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = jsonDifference(actual[i], expected[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object`;
  if (Object.getPrototypeOf(actual) !== null) return `${path}: object does not have a null prototype`;
  const ak = Object.keys(actual);
  const ek = Object.keys(expected);
  if (ak.join('\u0000') !== ek.join('\u0000')) return `${path}: keys [${ak.join(',')}] != [${ek.join(',')}]`;
  for (const k of ek) {
    const d = jsonDifference((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}
