/** The descriptor as the schema (schemas/provider.schema.json) guarantees it, after validation. */
import type { CanonicalCode } from '../errors.js';
import type { CanonicalField, Operation } from '../types.js';
import type { AmountsConfig } from './amount-rules.js';
import type { ErrorsConfig } from './compile-errors.js';
import type { MappingConfig } from './compile-mapping.js';
import type { VerifyConfig } from './compile-verify.js';
import type { SecretConfig, SettingConfig } from './resolve-secrets.js';
import type { CallConfig, CatalogConfig, OutboundConfig, SessionsConfig } from '../outbound/outbound-config.js';
import type { GrantConfig } from '../issued/grants.js';
import type { IssuedTokenConfig } from '../issued/compile-issued.js';

/** What a public route the gateway answers itself does (no wallet operation behind it). */
export type ServeConfig =
  | { redeem: string; id: string; mint: string }
  | { jwks: string }
  | { verify_token: string; from: string };

export interface ResponseConfig {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface RouteConfig {
  name?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  when?: Record<string, string | number | boolean | (string | number | boolean)[]>;
  operation: Operation;
  /** Instead of `operation`: a public route the gateway answers itself (grants, tokens, JWKS). */
  serve?: ServeConfig;
  /** Rows of the error table overridden for this route (e.g. an unknown session request is 404). */
  errors?: Partial<Record<CanonicalCode, unknown>>;
  /** Browser origins allowed to call this route (CORS; the origin of each URL is taken). */
  cors?: { origins: string[]; max_age_s?: number };
  map?: Partial<Record<CanonicalField, MappingConfig>>;
  response?: string | ResponseConfig;
  idempotency?: { key?: string; guard?: boolean };
  rollback?: { unknown_reference?: 'succeed' | 'error' };
  must_succeed?: boolean | { budget_ms?: number; initial_backoff_ms?: number; max_backoff_ms?: number };
  /** This route's wallet deadline (else limits.wallet_timeout_ms, else wallet.timeout_ms). */
  wallet_timeout_ms?: number;
}

/** An outbound example: an operator request, the provider exchanges it causes, the operator's answer. */
export interface OutboundExampleConfig {
  /** The admin request: `POST /v1/sessions` body, or a catalogue with its query. */
  admin: { session?: Record<string, unknown>; catalog?: string; query?: Record<string, string> };
  /** Each provider request the gateway must send, in order, and the answer to feed back. */
  exchanges: {
    request: { method?: string; path: string; query?: Record<string, string>; headers?: string[]; body?: unknown; signed?: boolean };
    answer: { status?: number; body?: unknown };
  }[];
  wallet_balance?: string;
}

export interface ExampleConfig {
  name: string;
  outbound?: OutboundExampleConfig;
  request?: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: unknown;
    sign?: boolean;
    tamper?: boolean;
    timestamp_offset_s?: number;
  };
  expect: { status?: number; body?: unknown };
  capture?: Record<string, string>;
}

/** What provider and wallet descriptors share: names, secrets, settings, amounts, call defaults. */
export interface DescriptorHeader {
  id: string;
  name?: string;
  description?: string;
  secrets?: Record<string, SecretConfig>;
  settings?: Record<string, SettingConfig>;
  amounts?: AmountsConfig;
  outbound?: OutboundConfig;
}

export interface Descriptor extends DescriptorHeader {
  limits?: { body_limit_bytes?: number; await_timeout_ms?: number; wallet_timeout_ms?: number; answer_within_ms?: number };
  verify?: VerifyConfig;
  routes: RouteConfig[];
  responses?: Record<string, ResponseConfig>;
  errors: ErrorsConfig & { codes?: Partial<Record<CanonicalCode, unknown>> };
  examples?: ExampleConfig[];
  sessions?: SessionsConfig;
  catalogs?: Record<string, CatalogConfig>;
  grants?: Record<string, GrantConfig>;
  issue?: Record<string, IssuedTokenConfig>;
}

export type { CallConfig };
