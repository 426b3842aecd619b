/**
 * ajv errors in words an operator acts on: "unknown key `prot` in /server (hint: did you mean
 * `port`?)" rather than "must NOT have additional properties". Hints come from the schema: the
 * custom `x-hint` keyword first, then the first line of `description`.
 */
import type { ErrorObject } from 'ajv';
import type { ConfigErrorCode } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { coreScalar } from './interpolate.js';
import { parsePointer } from './pointer.js';
import type { SchemaIndex } from './schema-index.js';

/** One error, ready to be placed: where (path, and whether at the key) and what to say. */
export interface Finding {
  code: ConfigErrorCode;
  path: string[];
  key: boolean;
  message: string;
  hint?: string;
}

/** What the messages need besides the error. */
export interface MessageContext {
  /** Names the place in messages; default: the JSON pointer, `the file` for the root. */
  describe(pointer: string): string;
  index: SchemaIndex;
}

type Json = Record<string, unknown>;
const MAX_LISTED = 15;

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

/**
 * The hint a schema node offers: `x-hint`, else the first line of its `description`.
 *
 * @example schemaHint({ type: 'string', description: 'Address to bind.\nMore.' }) // 'Address to bind.'
 */
export function schemaHint(schema: unknown): string | undefined {
  const s = asObject(schema);
  if (typeof s['x-hint'] === 'string') return s['x-hint'];
  if (typeof s['description'] === 'string') return s['description'].split('\n')[0]!.trim() || undefined;
  return undefined;
}

function listOf(names: readonly unknown[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => (typeof n === 'string' ? n : JSON.stringify(n)));
  return shown.join(', ') + (names.length > MAX_LISTED ? ', …' : '');
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'empty',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

/** `, got "abc"` — never for a schema marked `x-secret`, whose value must not reach logs. */
function got(data: unknown, schema: unknown): string {
  if (asObject(schema)['x-secret'] === true) return '';
  if (data === null || data === undefined) return ', got an empty value';
  if (typeof data === 'string') return `, got ${JSON.stringify(data.length > 40 ? data.slice(0, 40) + '…' : data)}`;
  if (typeof data === 'number' || typeof data === 'boolean') return `, got ${String(data)}`;
  return Array.isArray(data) ? ', got a list' : ', got a mapping';
}

function matchesType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'null') return value === null;
  return typeof value === type;
}

/** "remove the quotes" when a quoted `"8080"` would have been right unquoted. */
function quoteHint(error: ErrorObject): string | undefined {
  if (typeof error.data !== 'string') return undefined;
  const types = String((error.params as { type: unknown }).type).split(',');
  const unquoted = coreScalar(error.data);
  if (typeof unquoted === 'string' || !types.some((t) => t !== 'string' && matchesType(unquoted, t))) return undefined;
  return `remove the quotes: ${error.data}`;
}

/** A short name for one oneOf/anyOf branch, for "must be one of: …". */
function describeForm(schema: unknown, index: SchemaIndex, depth = 0): string | undefined {
  if (schema === true) return 'anything';
  const s = asObject(schema);
  if (typeof s['title'] === 'string') return s['title'];
  if (typeof s['description'] === 'string' && s['description'].length <= 60) return s['description'];
  if (typeof s['$ref'] === 'string' && depth < 5) {
    return describeForm(index.resolve(s['$ref'], schema), index, depth + 1) ?? s['$ref'].split('/').pop();
  }
  if ('const' in s) return JSON.stringify(s['const']);
  if (Array.isArray(s['enum'])) return `one of ${listOf(s['enum'])}`;
  const required = Array.isArray(s['required']) ? s['required'].map((k) => `\`${String(k)}\``) : [];
  if (required.length > 0) return `a mapping with ${required.join(', ')}`;
  return s['type'] === undefined ? undefined : typeWords(s['type']);
}

/**
 * The finding for one (already tamed) ajv error, or undefined for errors that only repeat another
 * (the inner errors of `propertyNames`).
 *
 * @example describeError(validate.errors[0], { describe: displayPointer, index }) // { message: '/port must be an integer, got "x"', … }
 */
export function describeError(error: ErrorObject, ctx: MessageContext): Finding | undefined {
  const path = parsePointer(error.instancePath);
  const where = ctx.describe(error.instancePath);
  const parent = error.parentSchema;
  const params = error.params as Record<string, unknown>;
  const own = schemaHint(parent);
  const finding = (message: string, hint?: string, extra: Partial<Finding> = {}): Finding => ({
    code: 'GW_ERR_CONFIG_SCHEMA',
    path,
    key: false,
    message,
    ...(hint ? { hint } : {}),
    ...extra,
  });
  if (error.propertyName !== undefined) return undefined;
  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(params['additionalProperty'] ?? params['unevaluatedProperty']);
      const allowed =
        error.keyword === 'additionalProperties' ? Object.keys(asObject(asObject(parent)['properties'])) : ctx.index.propertyNames(parent);
      const suggestion = didYouMean(name, allowed);
      const hint = suggestion
        ? `did you mean \`${suggestion}\`?`
        : allowed.length > 0
          ? `allowed keys here: ${listOf(allowed)}`
          : 'no other keys are allowed here';
      const inWhere = error.instancePath === '' ? '' : ` in ${where}`;
      return finding(`unknown key \`${name}\`${inWhere}`, hint, { code: 'GW_ERR_CONFIG_UNKNOWN_KEY', path: [...path, name], key: true });
    }
    case 'required': {
      const name = String(params['missingProperty']);
      const described = schemaHint(asObject(asObject(parent)['properties'])[name]);
      return finding(`${where} is missing required key \`${name}\``, described && `\`${name}\`: ${described}`, { key: true });
    }
    case 'dependentRequired':
      return finding(`${where} is missing key \`${String(params['missingProperty'])}\`, required when \`${String(params['property'])}\` is set`, own, { key: true });
    case 'type':
      return finding(`${where} must be ${typeWords(params['type'])}${got(error.data, parent)}`, quoteHint(error) ?? own);
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]) ?? [];
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      return finding(`${where} must be one of ${listOf(allowed)}${got(error.data, parent)}`, suggestion ? `did you mean \`${suggestion}\`?` : own);
    }
    case 'const':
      return finding(`${where} must be ${JSON.stringify(params['allowedValue'])}${got(error.data, parent)}`, own);
    case 'pattern':
      return finding(`${where} is not in the expected format${got(error.data, parent)}`, own ?? `it must match /${String(params['pattern'])}/`);
    case 'format':
      return finding(`${where} must be a valid ${String(params['format'])}${got(error.data, parent)}`, own);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf': {
      const words = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'greater than', exclusiveMaximum: 'less than', multipleOf: 'a multiple of' };
      return finding(`${where} must be ${words[error.keyword]} ${String(params['limit'] ?? params['multipleOf'])}${got(error.data, parent)}`, own);
    }
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
      return finding(sizeMessage(where, error.keyword, Number(params['limit'])), own);
    case 'uniqueItems': {
      // Point at the later duplicate (ajv scans from the end, so which of i/j it is varies).
      const later = Math.max(Number(params['i']), Number(params['j']));
      const item = Array.isArray(error.data) ? (error.data[later] as unknown) : undefined;
      const shown = typeof item === 'string' || typeof item === 'number' ? ` ${JSON.stringify(item)}` : ' an item';
      return finding(`${where} lists${shown} more than once`, 'each item may appear only once', { path: [...path, String(later)] });
    }
    case 'propertyNames': {
      const name = String(params['propertyName']);
      return finding(`invalid key \`${name}\`${error.instancePath === '' ? '' : ` in ${where}`}`, schemaHint(error.schema) ?? own, { path: [...path, name], key: true });
    }
    case 'contains':
    case 'minContains':
      return finding(`${where} must contain at least ${String(params['minContains'] ?? 1)} matching item(s)`, own);
    case 'not':
      return finding(`${where} has a value that is not allowed here`, schemaHint(error.schema) ?? own);
    case 'false schema':
      return path.length > 0
        ? finding(`\`${path[path.length - 1]}\` is not allowed here`, undefined, { key: true })
        : finding(`${where} is not allowed here`);
    case 'oneOf':
    case 'anyOf':
      return combinatorFinding(error, where, ctx, finding);
    default:
      return finding(`${where} ${error.message ?? 'is not valid'}`, own);
  }
}

function sizeMessage(where: string, keyword: string, limit: number): string {
  const unit = keyword.endsWith('Length') ? 'character' : keyword.endsWith('Items') ? 'item' : 'key';
  const min = keyword.startsWith('min');
  if (min && limit === 1) return `${where} must not be empty`;
  return `${where} must have ${min ? 'at least' : 'at most'} ${limit} ${unit}${limit === 1 ? '' : 's'}`;
}

function combinatorFinding(
  error: ErrorObject,
  where: string,
  ctx: MessageContext,
  finding: (message: string, hint?: string) => Finding,
): Finding {
  const branches: unknown[] = Array.isArray(error.schema) ? error.schema : [];
  const forms = branches.map((b, i) => describeForm(b, ctx.index) ?? `form ${i + 1}`);
  const passing = (error.params as { passing?: number[] }).passing;
  const hint = schemaHint(error.parentSchema);
  if (passing) {
    return finding(`${where} matches more than one of the allowed forms (${passing.map((i) => forms[i]).join('; ')})`, hint ?? 'make it match exactly one');
  }
  return finding(`${where} must be one of: ${forms.join('; ')}${got(error.data, error.parentSchema)}`, hint);
}
