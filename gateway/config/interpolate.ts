/**
 * `${VAR}` / `${VAR:-default}` substitution in config strings, plus the YAML core-schema re-typing
 * applied when a whole plain scalar was one reference (so `port: ${PORT:-8080}` yields a number).
 */

/** The result of interpolating one string. */
export interface Interpolation {
  /** The text with every reference replaced; an unset variable without default becomes ''. */
  readonly value: string;
  /** Variables referenced, in order of first appearance. */
  readonly names: readonly string[];
  /** Variables referenced without a default that are not set. */
  readonly missing: readonly string[];
  /** Reference texts that are neither `${NAME}` nor `${NAME:-default}` (left as written). */
  readonly malformed: readonly string[];
  /** True when a reference or a `$${` escape was found, i.e. `value` may differ from the input. */
  readonly changed: boolean;
  /** True when the text is exactly one reference and nothing else. */
  readonly whole: boolean;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Substitutes environment variables in `text`.
 *
 * - `${NAME}`: the variable's value (an empty value stays empty); unset → listed in `missing`.
 * - `${NAME:-default}`: the value, or `default` when unset **or empty** (as in POSIX shells).
 *   The default is literal text up to the first `}`; references do not nest.
 * - `$${` is an escape for a literal `${`. A `$` anywhere else is kept as is.
 *
 * @example interpolate('redis://${HOST:-localhost}:6379', {}).value // 'redis://localhost:6379'
 * @example interpolate('$${HOME}', { HOME: '/root' }).value // '${HOME}'
 */
export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): Interpolation {
  const names: string[] = [];
  const missing: string[] = [];
  const malformed: string[] = [];
  let out = '';
  let changed = false;
  let references = 0;
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      out += '${';
      i = dollar + 3;
      changed = true;
      continue;
    }
    if (!text.startsWith('${', dollar)) {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    const end = close < 0 ? text.length : close + 1;
    const match = close < 0 ? null : REFERENCE.exec(text.slice(dollar + 2, close));
    if (!match) {
      malformed.push(text.slice(dollar, end));
      out += text.slice(dollar, end);
      i = end;
      continue;
    }
    const name = match[1]!;
    const fallback = match[2];
    const value = env[name];
    if (!names.includes(name)) names.push(name);
    if (fallback !== undefined) out += value === undefined || value === '' ? fallback : value;
    else if (value === undefined) missing.push(name);
    else out += value;
    references++;
    changed = true;
    i = end;
  }
  const whole = references === 1 && malformed.length === 0 && /^\$\{[^}]*\}$/.test(text);
  return { value: out, names, missing, malformed, changed, whole };
}

// YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), the rules yaml v2 uses by default.
const CORE_NULL = /^(?:~|null|Null|NULL)?$/;
const CORE_TRUE = /^(?:true|True|TRUE)$/;
const CORE_FALSE = /^(?:false|False|FALSE)$/;
const CORE_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const CORE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const CORE_INF = /^[-+]?\.(?:inf|Inf|INF)$/;
const CORE_NAN = /^\.(?:nan|NaN|NAN)$/;

/**
 * Types `text` as the YAML core schema would type an unquoted scalar written that way: `8080` is a
 * number, `true` a boolean, `''`/`~`/`null` null, anything else stays a string. Integers too large
 * to be exact stay strings, so the schema reports them instead of silently rounding.
 *
 * @example coreScalar('8080') // 8080
 * @example coreScalar('8080/tcp') // '8080/tcp'
 */
export function coreScalar(text: string): string | number | boolean | null {
  if (CORE_NULL.test(text)) return null;
  if (CORE_TRUE.test(text)) return true;
  if (CORE_FALSE.test(text)) return false;
  if (CORE_INT.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (CORE_FLOAT.test(text)) return Number(text);
  if (CORE_INF.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (CORE_NAN.test(text)) return NaN;
  return text;
}
