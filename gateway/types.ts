/**
 * Canonical data shapes shared across the engine. A leaf module: imports only types.
 */
import type { CanonicalCode, OutcomeClass } from './errors.js';

/** Canonical wallet operations (CONTRACT §4.1). */
export const OPERATIONS = ['authenticate', 'balance', 'debit', 'credit', 'rollback'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Operations that move money and therefore go through idempotency. */
export const MONEY_OPERATIONS: ReadonlySet<Operation> = new Set(['debit', 'credit', 'rollback']);

/** A decimal string in major units: "10.5", "0", "1234.56" (CONTRACT §3). */
export type Decimal = string;

/** The canonical request body sent to the core wallet (CONTRACT §4.2), before request_id/provider. */
export interface CanonicalRequest {
  operation: Operation;
  player_id?: string;
  currency?: string;
  session_id?: string;
  game_id?: string;
  round_id?: string;
  transaction_id?: string;
  idempotency_key?: string;
  amount?: Decimal;
  reference_transaction_id?: string;
  reference_wallet_transaction_id?: string;
  round_closed?: boolean;
  kind?: string;
  metadata?: Record<string, unknown>;
}

/** The canonical fields a descriptor may map into, with their value types. */
export const CANONICAL_FIELDS = {
  player_id: 'string',
  currency: 'string',
  session_id: 'string',
  game_id: 'string',
  round_id: 'string',
  transaction_id: 'string',
  amount: 'amount',
  reference_transaction_id: 'string',
  reference_wallet_transaction_id: 'string',
  round_closed: 'boolean',
  kind: 'string',
  metadata: 'object',
} as const;
export type CanonicalField = keyof typeof CANONICAL_FIELDS;

/** Fields each operation cannot do without. */
export const REQUIRED_FIELDS: Readonly<Record<Operation, readonly CanonicalField[]>> = {
  authenticate: ['player_id'],
  balance: ['player_id'],
  debit: ['player_id', 'transaction_id', 'amount'],
  credit: ['player_id', 'transaction_id', 'amount'],
  rollback: ['transaction_id'],
};

/**
 * What the wallet (or the gateway on its behalf) answered, in canonical terms. Success and
 * rejected outcomes are stored by idempotency and replayed verbatim; uncertain ones never are.
 */
export interface Outcome {
  class: OutcomeClass;
  /** Set for rejected and uncertain outcomes. */
  code?: CanonicalCode;
  /** Internal message (logs); a provider sees it only where its error table echoes it. */
  message?: string;
  balance?: Decimal;
  currency?: string;
  wallet_transaction_id?: string;
  player_name?: string;
  country?: string;
  language?: string;
  /**
   * True when the gateway decided a success with no wallet transaction behind it (a `succeed`
   * rollback of an unknown reference); `wallet_transaction_id` is then the gateway-made `gw-…` id.
   */
  gateway_made?: boolean;
}
