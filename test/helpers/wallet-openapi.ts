/**
 * The canonical wallet API as its OpenAPI document says (openapi/wallet.yaml), compiled once with
 * ajv (draft 2020-12, strict), so stub wallets can check every request they receive — and tests can
 * check answers — against the document rather than against the gateway's own code.
 *
 * What OpenAPI cannot say, and is checked here in code, each rule from the document's descriptions:
 * `X-Request-Id` equals the body's `request_id`; `Idempotency-Key` percent-decodes to the body's
 * `idempotency_key` and is sent on money operations only; `X-Gateway-Timestamp` and
 * `X-Gateway-Signature` come together; `Content-Type` is JSON; and, given the secret, the signature
 * is hex HMAC-SHA256(secret, timestamp + "." + body).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = formatsPlugin.default;

export const WALLET_OPENAPI_FILE = path.join(PACKAGE_ROOT, 'openapi', 'wallet.yaml');
export const WALLET_OPERATIONS = ['authenticate', 'balance', 'debit', 'credit', 'rollback'] as const;
const MONEY = new Set<string>(['debit', 'credit', 'rollback']);

/** The `$id` the document's `components.schemas` are registered under, as `$defs`. */
const SCHEMAS_ID = 'urn:gateway:openapi:wallet';
const LOCAL_SCHEMA_REF = '#/components/schemas/';

/** Reads and parses the document (no caching: tests may want a fresh copy to mutate). */
export function readWalletOpenApi(file = WALLET_OPENAPI_FILE): Record<string, any> {
  return parse(readFileSync(file, 'utf8')) as Record<string, any>;
}

/** The value a local `$ref` (`#/a/b~1c`) points at in `doc`, or undefined. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  const tokens = ref.slice(1).split('/').slice(1).map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'));
  let at: unknown = doc;
  for (const t of tokens) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, t)) return undefined;
    at = (at as Record<string, unknown>)[t];
  }
  return at;
}

/** Follows `$ref`s of OpenAPI objects (parameters, responses …) until a plain object. */
export function deref(doc: unknown, v: any): any {
  for (let i = 0; i < 16 && v && typeof v === 'object' && typeof v.$ref === 'string'; i++) v = resolvePointer(doc, v.$ref);
  return v;
}

/** A deep copy of `schema` with `#/components/schemas/X` refs turned into `{prefix}X`. */
function rewriteRefs(schema: unknown, prefix: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => rewriteRefs(s, prefix));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith(LOCAL_SCHEMA_REF) ? prefix + v.slice(LOCAL_SCHEMA_REF.length) : rewriteRefs(v, prefix);
  }
  return out;
}

/**
 * A strict draft 2020-12 ajv holding the document's `components.schemas`; `compile(schema)` compiles
 * a schema taken from anywhere in the document (its `#/components/schemas/…` refs resolve).
 */
export function createWalletAjv(doc: Record<string, any>): { ajv: Ajv2020; compile(schema: unknown): ValidateFunction } {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: rewriteRefs(doc.components?.schemas ?? {}, '#/$defs/') });
  return { ajv, compile: (schema) => ajv.compile(rewriteRefs(schema, `${SCHEMAS_ID}#/$defs/`) as object) };
}

/** ajv errors in a few words: `/amount must match pattern "…"; … `. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
    seen.add(`${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`);
    if (seen.size === 3) break;
  }
  return [...seen].join('; ');
}

interface HeaderRule {
  name: string;
  required: boolean;
  validate: ValidateFunction;
}

interface CompiledOperation {
  body: ValidateFunction;
  headers: HeaderRule[];
  success: ValidateFunction;
  rejection: ValidateFunction;
}

let compiled: Map<string, CompiledOperation> | undefined;

/** Compiles every operation of the document once (lazily, on first use). */
function operations(): Map<string, CompiledOperation> {
  if (compiled) return compiled;
  const doc = readWalletOpenApi();
  const { compile } = createWalletAjv(doc);
  const out = new Map<string, CompiledOperation>();
  for (const op of WALLET_OPERATIONS) {
    const o = doc.paths?.[`/${op}`]?.post;
    if (!o) throw new Error(`openapi/wallet.yaml: no POST /${op}`);
    const headers: HeaderRule[] = [];
    for (const p of (o.parameters ?? []) as unknown[]) {
      const param = deref(doc, p);
      if (param?.in !== 'header') continue;
      headers.push({ name: String(param.name).toLowerCase(), required: param.required === true, validate: compile(param.schema ?? {}) });
    }
    const answer = (status: string) => deref(doc, o.responses?.[status])?.content?.['application/json']?.schema;
    out.set(op, {
      body: compile(deref(doc, o.requestBody)?.content?.['application/json']?.schema),
      headers,
      success: compile(answer('200')),
      rejection: compile(answer('4XX')),
    });
  }
  return (compiled = out);
}

/** One header value, whatever the case of its name; a repeated header is reported as such. */
function header(headers: Record<string, string | string[] | undefined>, name: string): string | string[] | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

export interface ValidateRequestOptions {
  /** `wallet.hmac_secret`: when given, the request must be signed with it. */
  hmacSecret?: string;
  /** The exact body bytes received (the signature is over them); default `JSON.stringify(body)`. */
  rawBody?: string;
}

/**
 * Checks one canonical wallet request: `operation` is the request path without its leading `/`,
 * `body` the parsed JSON body, `headers` the request headers (any case). Undefined when the request
 * is what openapi/wallet.yaml describes; else a short reason, e.g.
 * `debit body: /amount must match pattern "^(0|[1-9][0-9]*)(\.[0-9]+)?$"`.
 *
 * @example validateWalletRequest(call.operation, call.body, call.headers) // in a stub wallet
 */
export function validateWalletRequest(operation: string, body: unknown, headers: Record<string, string | string[] | undefined>, opts: ValidateRequestOptions = {}): string | undefined {
  const op = operations().get(operation);
  if (!op) return `unknown operation ${JSON.stringify(operation)} (expected one of ${WALLET_OPERATIONS.join(', ')})`;
  if (!op.body(body)) return `${operation} body: ${describeErrors(op.body.errors)}`;
  const b = body as Record<string, unknown>;

  const contentType = header(headers, 'content-type');
  if (typeof contentType !== 'string' || !/^application\/json\s*(;|$)/i.test(contentType)) return `${operation}: content-type must be application/json, got ${JSON.stringify(contentType)}`;
  for (const rule of op.headers) {
    const v = header(headers, rule.name);
    if (v === undefined) {
      if (rule.required) return `${operation}: header ${rule.name} is missing`;
      continue;
    }
    if (Array.isArray(v)) return `${operation}: header ${rule.name} is repeated`;
    if (!rule.validate(v)) return `${operation}: header ${rule.name} ${describeErrors(rule.validate.errors).replace(/^\/ /, '')}`;
  }

  if (header(headers, 'x-request-id') !== b.request_id) return `${operation}: header x-request-id ${JSON.stringify(header(headers, 'x-request-id'))} differs from body request_id ${JSON.stringify(b.request_id)}`;
  const key = header(headers, 'idempotency-key');
  if (!MONEY.has(operation) && key !== undefined) return `${operation}: header idempotency-key on an operation that moves no money`;
  if (typeof key === 'string') {
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(key);
    } catch {
      decoded = undefined;
    }
    if (decoded !== b.idempotency_key) return `${operation}: header idempotency-key ${JSON.stringify(key)} does not decode to body idempotency_key ${JSON.stringify(b.idempotency_key)}`;
  }

  const ts = header(headers, 'x-gateway-timestamp');
  const sig = header(headers, 'x-gateway-signature');
  if ((ts === undefined) !== (sig === undefined)) return `${operation}: x-gateway-timestamp and x-gateway-signature must be sent together`;
  if (opts.hmacSecret !== undefined) {
    if (typeof ts !== 'string' || typeof sig !== 'string') return `${operation}: unsigned, but a wallet.hmac_secret is set`;
    const want = createHmac('sha256', opts.hmacSecret).update(`${ts}.${opts.rawBody ?? JSON.stringify(body)}`).digest();
    const got = Buffer.from(sig, 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return `${operation}: x-gateway-signature does not match hex(HMAC-SHA256(secret, timestamp + "." + body))`;
  }
  return undefined;
}

/**
 * Checks one wallet answer against the document: a 200 against the operation's success schema, a
 * 4xx against the rejection schema. Other statuses are uncertain by definition and have no schema:
 * they are reported as not a success/rejection. Undefined when valid; else a short reason.
 */
export function validateWalletAnswer(operation: string, status: number, body: unknown): string | undefined {
  const op = operations().get(operation);
  if (!op) return `unknown operation ${JSON.stringify(operation)}`;
  const v = status === 200 ? op.success : status >= 400 && status < 500 ? op.rejection : undefined;
  if (!v) return `${operation}: status ${status} is neither a success (200) nor a rejection (4xx)`;
  return v(body) ? undefined : `${operation} ${status} answer: ${describeErrors(v.errors)}`;
}
