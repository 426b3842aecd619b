/**
 * Request mapping: each canonical field's source, compiled once into a small reader that fetches,
 * type-checks and converts the provider's value. The `map-request` stage runs them in order and
 * builds the canonical request; any failure is INVALID_REQUEST and nothing is forwarded.
 */
import { createError } from '../errors.js';
import { JsonNumber } from '../json/json-number.js';
import { parseJson } from '../json/parse-json.js';
import type { Handler, RequestContext, Stage } from '../pipeline/context.js';
import type { PluginRegistry, Transform } from '../plugins/registry.js';
import { CANONICAL_FIELDS, REQUIRED_FIELDS, type CanonicalField, type CanonicalRequest, type Operation } from '../types.js';
import { inputSpec, type AmountRules } from './amount-rules.js';
import { compileSource, REQUEST_ROOTS, SourceSyntaxError } from './compile-source.js';
import { ConfigProblem, type Path } from './problem.js';

export type MappingConfig =
  | string
  | { const: unknown }
  | {
      from: string;
      required?: boolean;
      default?: unknown;
      parse?: 'json';
      amount?: { format: 'string' | 'number' | 'integer'; scale?: number | 'currency'; allow_exponent?: boolean };
      values?: Record<string, string | boolean | number>;
      transform?: { plugin: string; options?: unknown };
    };

/** Longest id the gateway accepts (ids become store keys and wallet fields). */
const MAX_ID_LENGTH = 256;
// eslint-disable-next-line no-control-regex
/** C0, DEL and C1 control characters (U+0080–U+009F are controls too). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type Reader = (ctx: RequestContext, partial: CanonicalRequest) => unknown;

interface FieldReader {
  field: CanonicalField;
  required: boolean;
  read: Reader;
  describe: string;
}

// Currency first: amounts are checked against its decimals.
const ORDER: CanonicalField[] = ['currency', ...(Object.keys(CANONICAL_FIELDS) as CanonicalField[]).filter((f) => f !== 'currency')];

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

function toStringValue(v: unknown, field: string): string {
  if (typeof v === 'string') {
    if (v.length > MAX_ID_LENGTH) throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${field} is too long`);
    // Control characters have no business in ids, headers or logs.
    if (CONTROL.test(v) || LONE_SURROGATE.test(v)) throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${field} contains control characters or invalid Unicode`);
    return v;
  }
  // Integer ids sent as JSON numbers are common; keep their exact text.
  if (v instanceof JsonNumber && /^-?\d+$/.test(v.raw)) return v.raw;
  throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${field} must be a string`);
}

function toBoolean(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${field} must be a boolean`);
}

function toObject(v: unknown, field: string): Record<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber)) return v as Record<string, unknown>;
  throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${field} must be an object`);
}

function valueKey(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof JsonNumber) return v.raw;
  return undefined;
}

function compileField(
  field: CanonicalField,
  cfg: MappingConfig,
  path: Path,
  operation: Operation,
  amounts: AmountRules,
  settings: Readonly<Record<string, string | undefined>>,
  plugins: PluginRegistry,
): FieldReader {
  const requiredByOp = REQUIRED_FIELDS[operation].includes(field);
  if (typeof cfg === 'object' && 'const' in cfg) {
    const value = cfg.const;
    return { field, required: requiredByOp, read: () => value, describe: `${field}=${JSON.stringify(value)}` };
  }
  const spec = typeof cfg === 'string' ? { from: cfg } : cfg;
  let get;
  try {
    get = compileSource(spec.from, REQUEST_ROOTS, settings).get;
  } catch (e) {
    if (e instanceof SourceSyntaxError) throw new ConfigProblem(typeof cfg === 'string' ? path : [...path, 'from'], e.message, e.hint);
    throw e;
  }
  const required = spec.required ?? requiredByOp;
  const kind = CANONICAL_FIELDS[field];
  if (spec.amount && kind !== 'amount') throw new ConfigProblem([...path, 'amount'], `\`amount\` applies only to the amount field, not ${field}`);

  let transform: Transform | undefined;
  if (spec.transform) {
    const plugin = plugins.get('transform', spec.transform.plugin);
    if (!plugin) throw new ConfigProblem([...path, 'transform', 'plugin'], `no transform plugin named \`${spec.transform.plugin}\``, `known plugins: ${plugins.names().join(', ') || 'none'}`, 'GW_ERR_CONFIG_PLUGIN');
    transform = plugin.create(spec.transform.options);
  }
  const values = spec.values ? new Map(Object.entries(spec.values)) : undefined;
  const amountSpec = spec.amount ? inputSpec(spec.amount) : undefined;
  const fallback = spec.default;
  const parseJsonText = spec.parse === 'json';

  const read: Reader = (ctx, partial) => {
    let v = get(ctx);
    if (!present(v)) v = fallback;
    if (!present(v)) return undefined;
    if (parseJsonText) {
      if (typeof v !== 'string') throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${field} must be a JSON string`);
      try {
        v = parseJson(v);
      } catch {
        throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${field} is not valid JSON`);
      }
    }
    if (values) {
      const k = valueKey(v);
      if (k === undefined || !values.has(k)) throw createError('GW_ERR_REQUEST_FIELD_TYPE', `${field} has an unexpected value`);
      v = values.get(k);
    }
    if (transform) v = transform(v, ctx);
    switch (kind) {
      case 'string': {
        const text = toStringValue(v, field);
        // A currency the wallet cannot know is refused here, on every operation (reads included).
        if (field === 'currency' && text !== undefined && !amounts.knownCurrency(text)) throw createError('GW_ERR_REQUEST_FIELD_TYPE', `unknown currency ${JSON.stringify(text)}`);
        return text;
      }
      case 'boolean':
        return toBoolean(v, field);
      case 'object':
        return toObject(v, field);
      case 'amount':
        return amounts.read(v, partial.currency, amountSpec, spec.amount?.scale === 'currency');
    }
  };
  return { field, required, read, describe: `${field}←${spec.from}${required ? '' : '?'}` };
}

export interface CompiledMapping {
  readonly fields: readonly FieldReader[];
  build(ctx: RequestContext, operation: Operation): CanonicalRequest;
}

/**
 * Compiles a route's `map` block. Fields the operation requires but the map lacks are config errors.
 *
 * @example compileMapping({ player_id: 'body.playerId', amount: 'body.amount' }, ['routes', 2, 'map'], 'debit', …)
 */
export function compileMapping(
  map: Partial<Record<CanonicalField, MappingConfig>>,
  path: Path,
  operation: Operation,
  amounts: AmountRules,
  settings: Readonly<Record<string, string | undefined>>,
  plugins: PluginRegistry,
  problems: ConfigProblem[],
): CompiledMapping {
  const fields: FieldReader[] = [];
  for (const field of ORDER) {
    const cfg = map[field];
    if (cfg === undefined) continue;
    try {
      fields.push(compileField(field, cfg, [...path, field], operation, amounts, settings, plugins));
    } catch (e) {
      if (e instanceof ConfigProblem) problems.push(e);
      else throw e;
    }
  }
  for (const need of REQUIRED_FIELDS[operation]) {
    if (map[need] === undefined) problems.push(new ConfigProblem(path, `operation ${operation} needs \`${need}\` mapped`, `add ${need}: body.<field> under map`));
  }
  if (operation === 'rollback' && map.reference_transaction_id === undefined && map.reference_wallet_transaction_id === undefined) {
    problems.push(new ConfigProblem(path, 'a rollback needs reference_transaction_id or reference_wallet_transaction_id mapped', 'map the id of the transaction being reversed'));
  }
  const frozen = Object.freeze(fields);
  return {
    fields: frozen,
    build(ctx, op) {
      const out: CanonicalRequest = { operation: op };
      const target = out as unknown as Record<string, unknown>;
      for (const f of frozen) {
        const v = f.read(ctx, out);
        if (v === undefined) {
          if (f.required) throw createError('GW_ERR_REQUEST_FIELD_MISSING', `${f.field} is required`);
          continue;
        }
        target[f.field] = v;
      }
      return out;
    },
  };
}

/** The `map-request` stage. */
export function mapStage(mapping: CompiledMapping, operation: Operation, idempotencyKey: ((c: CanonicalRequest) => string) | undefined): Stage {
  return {
    name: 'map-request',
    detail: mapping.fields.map((f) => f.describe).join(', '),
    wrap(next: Handler): Handler {
      return (ctx) => {
        const canonical = mapping.build(ctx, operation);
        if (idempotencyKey) canonical.idempotency_key = idempotencyKey(canonical);
        ctx.canonical = canonical;
        return next(ctx);
      };
    },
  };
}
