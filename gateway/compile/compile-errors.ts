/**
 * The provider's error table, compiled: canonical code → status, the provider's own code and
 * message, and the envelope body. Internal messages and stack traces never reach a provider: the
 * message rendered is the row's, or a fixed human text per canonical code.
 */
import { createError, type CanonicalCode, type GatewayError } from '../errors.js';
import { stringifyJson } from '../json/stringify-json.js';
import type { Reply, RequestContext } from '../pipeline/context.js';
import { compileTemplate, type Render, type TemplateEnv } from './compile-template.js';
import type { Path } from './problem.js';

/** Provider-facing default texts; deliberately generic. */
export const PUBLIC_MESSAGES: Readonly<Record<CanonicalCode, string>> = {
  INVALID_SIGNATURE: 'Invalid signature',
  INVALID_TIMESTAMP: 'Invalid or expired timestamp',
  REPLAYED_NONCE: 'Replayed request',
  UNAUTHORIZED: 'Unauthorized',
  INVALID_REQUEST: 'Invalid request',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  TRANSACTION_CONFLICT: 'Transaction id reused with a different payload',
  TRANSACTION_IN_PROGRESS: 'Transaction in progress, retry later',
  TRANSACTION_ROLLED_BACK: 'Transaction already rolled back',
  SESSION_INVALID: 'Invalid session',
  PLAYER_NOT_FOUND: 'Player not found',
  PLAYER_BLOCKED: 'Player blocked',
  INSUFFICIENT_FUNDS: 'Insufficient funds',
  CURRENCY_MISMATCH: 'Currency mismatch',
  LIMIT_EXCEEDED: 'Limit exceeded',
  TRANSACTION_NOT_FOUND: 'Transaction not found',
  SESSION_EXPIRED: 'Session expired',
  WALLET_UNAVAILABLE: 'Service temporarily unavailable',
  INTERNAL_ERROR: 'Internal error',
};

interface Row {
  status: number;
  code?: string | number;
  message?: string;
  body?: unknown;
}

export interface ErrorsConfig {
  body: unknown;
  headers?: Record<string, string>;
  codes?: Partial<Record<CanonicalCode, Row>>;
  default: Row;
}

interface CompiledRow {
  status: number;
  code: string | number | undefined;
  message: string | undefined;
  body: Render;
}

export interface ErrorRenderer {
  /** Renders `err` in the provider's envelope. Never throws. */
  render(ctx: RequestContext, err: GatewayError): Reply;
  /** `canonical → status code` lines for inspect. */
  readonly describe: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * @example compileErrors(descriptor.errors, ['errors'], env).render(ctx, createError('GW_ERR_IDEM_CONFLICT'))
 */
export function compileErrors(cfg: ErrorsConfig, path: Path, env: TemplateEnv): ErrorRenderer {
  const body = compileTemplate(cfg.body, [...path, 'body'], env);
  const headers = { ...JSON_HEADERS, ...lower(cfg.headers) };
  const compileRow = (row: Row, rowPath: Path): CompiledRow => ({
    status: row.status,
    code: row.code,
    message: row.message,
    body: row.body === undefined ? body : compileTemplate(row.body, [...rowPath, 'body'], env),
  });
  const rows = new Map<CanonicalCode, CompiledRow>();
  for (const [code, row] of Object.entries(cfg.codes ?? {})) {
    if (row) rows.set(code as CanonicalCode, compileRow(row, [...path, 'codes', code]));
  }
  const fallback = compileRow(cfg.default, [...path, 'default']);

  const render = (ctx: RequestContext, err: GatewayError): Reply => {
    const row = rows.get(err.canonical) ?? fallback;
    ctx.error = err;
    ctx.errorView = {
      code: row.code ?? err.canonical,
      message: row.message ?? PUBLIC_MESSAGES[err.canonical],
      canonical: err.canonical,
      ...(err.balance !== undefined ? { balance: err.balance } : {}),
    };
    return { status: row.status, body: stringifyJson(row.body(ctx)), headers };
  };

  return Object.freeze({
    render(ctx: RequestContext, err: GatewayError): Reply {
      try {
        return render(ctx, err);
      } catch {
        // A template that fails on odd input must still produce the provider's envelope.
        try {
          return render(ctx, createError('GW_ERR_INTERNAL'));
        } catch {
          return { status: 500, body: '{}', headers };
        }
      }
    },
    describe: [...rows].map(([c, r]) => `${c}→${r.status}${r.code !== undefined ? ` ${r.code}` : ''}`).concat(`default→${fallback.status}${fallback.code !== undefined ? ` ${fallback.code}` : ''}`).join(', '),
  });
}

function lower(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}
