/**
 * The error catalogue. A leaf module: imports nothing of the runtime.
 *
 * Two kinds of failure are kept apart (see docs/errors.md):
 * - {@link ConfigDiagnostic}: an operator's mistake in a config or descriptor file, found at load
 *   time, reported as `file:line:col: message` with a hint. Codes `GW_ERR_CONFIG_*`.
 * - {@link GatewayError}: a provider's bad request or a wallet/store failure, found per request,
 *   carrying one canonical code that the provider's descriptor renders in its own envelope.
 */

/** Canonical error codes (CONTRACT §4.4). Fixed names: operators and wallets depend on them. */
export const CANONICAL_CODES = [
  // gateway-level
  'INVALID_SIGNATURE',
  'INVALID_TIMESTAMP',
  'REPLAYED_NONCE',
  'UNAUTHORIZED',
  'INVALID_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'TRANSACTION_CONFLICT',
  'TRANSACTION_IN_PROGRESS',
  'TRANSACTION_ROLLED_BACK',
  'SESSION_INVALID',
  // wallet-level
  'PLAYER_NOT_FOUND',
  'PLAYER_BLOCKED',
  'INSUFFICIENT_FUNDS',
  'CURRENCY_MISMATCH',
  'LIMIT_EXCEEDED',
  'TRANSACTION_NOT_FOUND',
  'SESSION_EXPIRED',
  'WALLET_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type CanonicalCode = (typeof CANONICAL_CODES)[number];

const CANONICAL_SET: ReadonlySet<string> = new Set(CANONICAL_CODES);

/** True when `code` is one of the canonical codes. */
export function isCanonicalCode(code: unknown): code is CanonicalCode {
  return typeof code === 'string' && CANONICAL_SET.has(code);
}

/** success, rejected (final, cacheable) or uncertain (never cached; the provider retries or rolls back). */
export type OutcomeClass = 'success' | 'rejected' | 'uncertain';

const UNCERTAIN: ReadonlySet<CanonicalCode> = new Set<CanonicalCode>([
  'WALLET_UNAVAILABLE',
  'INTERNAL_ERROR',
  'TRANSACTION_IN_PROGRESS',
]);

/** The outcome class of a canonical error code: uncertain for retryable ones, rejected otherwise. */
export function classOfCode(code: CanonicalCode): Exclude<OutcomeClass, 'success'> {
  return UNCERTAIN.has(code) ? 'uncertain' : 'rejected';
}

/**
 * Per-request failure codes, grouped by the stage that raises them. Each maps to exactly one
 * canonical code; the `GW_ERR_*` code goes to logs and metrics, the canonical one to the provider.
 */
export const REQUEST_ERRORS = {
  GW_ERR_REQUEST_TOO_LARGE: { canonical: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds the size limit' },
  GW_ERR_REQUEST_ROUTE_UNKNOWN: { canonical: 'INVALID_REQUEST', message: 'no route for this method and path' },
  GW_ERR_REQUEST_METHOD: { canonical: 'INVALID_REQUEST', message: 'method not allowed on this route' },
  GW_ERR_REQUEST_ACTION_UNKNOWN: { canonical: 'INVALID_REQUEST', message: 'unknown action' },
  GW_ERR_REQUEST_MALFORMED_JSON: { canonical: 'INVALID_REQUEST', message: 'body is not valid JSON' },
  GW_ERR_REQUEST_FIELD_MISSING: { canonical: 'INVALID_REQUEST', message: 'a required field is missing' },
  GW_ERR_REQUEST_FIELD_TYPE: { canonical: 'INVALID_REQUEST', message: 'a field has the wrong type' },
  GW_ERR_REQUEST_AMOUNT: { canonical: 'INVALID_REQUEST', message: 'invalid amount' },
  GW_ERR_VERIFY_SIGNATURE_MISSING: { canonical: 'INVALID_SIGNATURE', message: 'signature missing' },
  GW_ERR_VERIFY_SIGNATURE_MISMATCH: { canonical: 'INVALID_SIGNATURE', message: 'signature does not match' },
  GW_ERR_VERIFY_CREDENTIAL: { canonical: 'UNAUTHORIZED', message: 'credential missing or wrong' },
  GW_ERR_VERIFY_TIMESTAMP_MISSING: { canonical: 'INVALID_TIMESTAMP', message: 'timestamp missing' },
  GW_ERR_VERIFY_TIMESTAMP_MALFORMED: { canonical: 'INVALID_TIMESTAMP', message: 'timestamp malformed' },
  GW_ERR_VERIFY_TIMESTAMP_WINDOW: { canonical: 'INVALID_TIMESTAMP', message: 'timestamp outside the accepted window' },
  GW_ERR_VERIFY_NONCE_MISSING: { canonical: 'INVALID_REQUEST', message: 'nonce missing' },
  GW_ERR_VERIFY_NONCE_REPLAYED: { canonical: 'REPLAYED_NONCE', message: 'nonce already used' },
  GW_ERR_IDEM_CONFLICT: { canonical: 'TRANSACTION_CONFLICT', message: 'same transaction id with a different payload' },
  GW_ERR_IDEM_IN_PROGRESS: { canonical: 'TRANSACTION_IN_PROGRESS', message: 'the same transaction is still being processed' },
  GW_ERR_IDEM_ROLLED_BACK: { canonical: 'TRANSACTION_ROLLED_BACK', message: 'this transaction was already rolled back' },
  GW_ERR_STORE_UNAVAILABLE: { canonical: 'WALLET_UNAVAILABLE', message: 'state store unavailable' },
  GW_ERR_WALLET_UNAVAILABLE: { canonical: 'WALLET_UNAVAILABLE', message: 'wallet unavailable' },
  GW_ERR_WALLET_REJECTED: { canonical: 'INTERNAL_ERROR', message: 'wallet rejected the operation' },
  GW_ERR_PROVIDER_DISABLED: { canonical: 'WALLET_UNAVAILABLE', message: 'provider disabled (its secrets are not set)' },
  GW_ERR_GRANT_UNKNOWN: { canonical: 'SESSION_EXPIRED', message: 'unknown, expired or already used' },
  GW_ERR_TOKEN_INVALID: { canonical: 'SESSION_INVALID', message: 'token missing, invalid or expired' },
  GW_ERR_INTERNAL: { canonical: 'INTERNAL_ERROR', message: 'internal error' },
} as const satisfies Record<string, { canonical: CanonicalCode; message: string }>;

export type RequestErrorCode = keyof typeof REQUEST_ERRORS;

/**
 * A per-request failure. `canonical` is what the provider's error table renders; `message` stays
 * internal (logs) unless the table chooses to echo it; `detail` never leaves the process.
 *
 * @example throw createError('GW_ERR_REQUEST_FIELD_MISSING', 'body.playerId is required')
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: RequestErrorCode,
    readonly canonical: CanonicalCode,
    message: string,
    /** A balance the wallet reported with a rejection, rendered where the envelope has room for it. */
    readonly balance?: string,
  ) {
    super(message);
  }
}

/** The one factory for per-request errors. `canonical` overrides the catalogue (wallet rejections). */
export function createError(
  code: RequestErrorCode,
  message?: string,
  canonical?: CanonicalCode,
  balance?: string,
): GatewayError {
  const entry = REQUEST_ERRORS[code];
  return new GatewayError(code, canonical ?? entry.canonical, message ?? entry.message, balance);
}

/** Config/descriptor problems (load time). */
export const CONFIG_ERRORS = {
  GW_ERR_CONFIG_YAML: 'the file is not valid YAML',
  GW_ERR_CONFIG_SCHEMA: 'the file does not match its schema',
  GW_ERR_CONFIG_UNKNOWN_KEY: 'a key the schema does not know',
  GW_ERR_CONFIG_ENV: 'an ${VAR} reference to an unset variable',
  GW_ERR_CONFIG_REFERENCE: 'a name that refers to nothing (template, secret, plugin, field)',
  GW_ERR_CONFIG_SECRET: 'a required secret is not set',
  GW_ERR_CONFIG_DUPLICATE: 'the same id, route or name defined twice',
  GW_ERR_CONFIG_PLUGIN: 'a plugin failed to load or rejected its options',
  GW_ERR_CONFIG_IO: 'a file could not be read',
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERRORS;

/** One load-time problem, printed as `file:line:col: message (hint)`. */
export interface ConfigDiagnostic {
  code: ConfigErrorCode;
  file: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
  /** JSON pointer of the offending node inside the file, when known. */
  pointer?: string;
}

/** Formats a diagnostic the way compilers do, so editors can jump to it. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`;
}

/** Thrown when loading fails; carries every problem found, not only the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly diagnostics: readonly ConfigDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}
