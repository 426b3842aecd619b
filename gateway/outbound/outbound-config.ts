/**
 * The outbound half of a descriptor as the schema (schemas/provider.schema.json) guarantees it:
 * calls the operator makes to the provider (sessions, catalogues, the token call behind them).
 * One `call` shape serves every use, so wallet adapters and exchange flows reuse it.
 */
import type { VerifyConfig } from '../compile/compile-verify.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A JWT minted per call and sent as a bearer credential (e.g. `Authorization: Bearer <jwt>`). */
export interface JwtConfig {
  algorithm: 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
  /** Secret (`pem: true`) holding the private key. */
  key: string;
  /** `kid` of the protected header: text with `{setting.x}` placeholders. */
  key_id?: string;
  header?: string;
  prefix?: string;
  lifetime_s?: number;
  /** Extra claims: templates over settings (`iss`, `aud` …). */
  claims?: Record<string, unknown>;
  jti?: boolean;
  body_digest?: { claim: string; hash?: 'sha256' | 'sha512'; encoding?: 'base64' | 'base64url' | 'hex' };
}

/** A `verify`-shaped recipe run in the signing direction, plus JWT bearer tokens. */
export interface SignConfig extends VerifyConfig {
  jwt?: JwtConfig;
}

export interface CallErrorRow {
  /** The provider's HTTP status (or several). */
  status: number | number[];
  /** Answer fields that must also match (`answer.error: DUPLICATE`). */
  when?: Record<string, string | number | boolean | (string | number | boolean)[]>;
  /** What the operator gets. */
  reply: { status: number; code: string; message?: string };
}

export interface CallConfig {
  method?: HttpMethod;
  /** Text with `{setting.x}` placeholders; default `outbound.base_url`. */
  base_url?: string;
  /** Text with `{source}` placeholders, each URL-encoded as one path segment's text. */
  path: string;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  body?: unknown;
  /** The recipe, `none` for an unsigned call; default `outbound.sign`. */
  sign?: SignConfig | 'none';
  /** Name of an `outbound.tokens` entry: its bearer token is sent, a 401 renews it once. */
  token?: string;
  timeout_ms?: number;
  max_answer_bytes?: number;
  /** Operator-facing names → sources (`answer.launchUrl` …). */
  answer?: Record<string, string>;
  errors?: CallErrorRow[];
}

export interface TokenConfig {
  /** The call whose answer gives `token` and `expires_in`. */
  call: CallConfig;
  header?: string;
  prefix?: string;
  renew_before_s?: number;
  /** Lifetime when the answer says none. */
  default_lifetime_s?: number;
  /** After a failed login, sessions fail at once for this long instead of logging in again. */
  failure_backoff_s?: number;
}

export interface OutboundConfig {
  base_url?: string;
  timeout_ms?: number;
  max_answer_bytes?: number;
  sign?: SignConfig;
  /** Headers every call sends (templates). */
  headers?: Record<string, unknown>;
  tokens?: Record<string, TokenConfig>;
}

export interface SessionsConfig {
  /** Operator fields a session needs besides `player_id` (required unless `demo: true`). */
  require?: string[];
  session_id?: 'generate';
  balance?: 'wallet';
  lifetime_s?: number;
  /** true: demo sessions go through `call` (reading `input.demo`). */
  demo?: boolean;
  /** The provider's session call; or, with `grant`, none: the gateway issues the session itself. */
  call?: CallConfig;
  /** A one-time grant (`grants:`) issued per session, redeemed later on a served route. */
  grant?: string;
  /** With `grant`: the launch URL handed to the operator (the grant's id in its query). */
  launch?: { base_url: string; query?: Record<string, unknown> };
  /** Demo sessions through their own call (e.g. an unsigned demo endpoint). */
  demo_call?: CallConfig;
}

export interface CatalogConfig {
  /** Admin query parameters passed on as `input.NAME`. */
  query?: string[];
  max_pages?: number;
  max_items?: number;
  /** Deadline of the whole catalogue (every page). */
  timeout_ms?: number;
  call: CallConfig;
}
