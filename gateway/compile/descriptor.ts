/** The descriptor as the schema (schemas/provider.schema.json) guarantees it, after validation. */
import type { CanonicalCode } from '../errors.js';
import type { CanonicalField, Operation } from '../types.js';
import type { AmountsConfig } from './amount-rules.js';
import type { ErrorsConfig } from './compile-errors.js';
import type { MappingConfig } from './compile-mapping.js';
import type { VerifyConfig } from './compile-verify.js';
import type { SecretConfig, SettingConfig } from './resolve-secrets.js';

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
  map?: Partial<Record<CanonicalField, MappingConfig>>;
  response?: string | ResponseConfig;
  idempotency?: { key?: string; guard?: boolean };
  rollback?: { unknown_reference?: 'succeed' | 'error' };
  must_succeed?: boolean | { budget_ms?: number; initial_backoff_ms?: number; max_backoff_ms?: number };
}

export interface ExampleConfig {
  name: string;
  request: {
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

export interface Descriptor {
  id: string;
  name?: string;
  description?: string;
  secrets?: Record<string, SecretConfig>;
  settings?: Record<string, SettingConfig>;
  amounts?: AmountsConfig;
  limits?: { body_limit_bytes?: number; await_timeout_ms?: number; wallet_timeout_ms?: number };
  verify?: VerifyConfig;
  routes: RouteConfig[];
  responses?: Record<string, ResponseConfig>;
  errors: ErrorsConfig & { codes?: Partial<Record<CanonicalCode, unknown>> };
  examples?: ExampleConfig[];
}
