/**
 * The per-request context that flows through a provider's compiled stages, and the stage shape.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonValue } from '../json/parse-json.js';
import type { CanonicalRequest, Outcome } from '../types.js';
import type { CanonicalCode, GatewayError } from '../errors.js';

/** A rendered HTTP answer. */
export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface RequestContext {
  /** Gateway-generated id, sent to the wallet as `request_id` and `X-Request-Id`. */
  readonly requestId: string;
  readonly method: string;
  /** The path as received, including the provider mount (what signatures cover). */
  readonly path: string;
  /** The raw query string without `?` ('' when none). */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** The exact received body bytes: what signatures are verified on. */
  readonly raw: Buffer;
  /** Unix ms when the request arrived (frozen per request; tests inject clocks). */
  readonly now: number;
  /** Path parameters of the matched route. */
  params: Record<string, string>;
  /** Parsed query parameters (lazily filled by the first accessor that needs them). */
  queryParams?: URLSearchParams;
  /** Parsed body (after verification). */
  body?: JsonValue;
  /** Key-value parameters taken from a structured signature header (`t=…,v1=…`). */
  signatureParams?: Record<string, string>;
  /** Raw timestamp text as the provider sent it (for signature recipes that include it). */
  timestampRaw?: string;
  /** Raw nonce text. */
  nonce?: string;
  /** The canonical request built by the mapping stage. */
  canonical?: CanonicalRequest;
  /** The canonical outcome (wallet answer, replay, or gateway decision). */
  outcome?: Outcome;
  /** The error being rendered, when the answer is an error. */
  error?: GatewayError;
  /** What the provider sees of that error (its own code and message), set by the error renderer. */
  errorView?: { code: string | number; message: string; canonical: CanonicalCode; balance?: string };
  /** True when the outcome was replayed from an idempotency record. */
  replayed?: boolean;
  /** Name of the matched route (its operation or its `name`). */
  routeName?: string;
  /** Outbound calls: the operator's request (session fields, catalogue parameters) plus looked-up values. */
  input?: Record<string, unknown>;
  /** Outbound calls: the provider's parsed answer. */
  answer?: JsonValue;
  /** A one-time grant issued or redeemed for this request (`id`, `expires_at`, carried fields). */
  grant?: Record<string, unknown>;
  /** The token minted for this request. */
  issued?: { token: string; expires_at: string };
  /** The claims of a token this request presented and the gateway verified. */
  claims?: Record<string, unknown>;
}

/** A request handler: the composed pipeline is one. */
export type Handler = (ctx: RequestContext) => Promise<Reply>;

/**
 * One stage of a pipeline. `wrap` is called once at compile time; the handler it returns runs per
 * request. A factory that has nothing to do returns `undefined` instead of a stage, so a provider
 * without nonces pays nothing for nonce checks.
 */
export interface Stage {
  /** Stable kebab-case name (`verify-signature`, `idempotency` …). */
  readonly name: string;
  /** One line for `gateway inspect`: what this stage was compiled to do. */
  readonly detail: string;
  wrap(next: Handler): Handler;
}

/**
 * Composes stages into one handler around `terminal`, first stage outermost.
 *
 * @example compose([verify, parse, map], render)
 */
export function compose(stages: readonly (Stage | undefined)[], terminal: Handler): { handler: Handler; stages: Stage[] } {
  const present = stages.filter((s): s is Stage => s !== undefined);
  for (const s of present) {
    if (typeof s.wrap !== 'function' || !s.name) throw new TypeError(`invalid stage ${JSON.stringify(s)}`);
  }
  let handler = terminal;
  for (let i = present.length - 1; i >= 0; i--) handler = present[i]!.wrap(handler);
  return { handler, stages: present };
}
