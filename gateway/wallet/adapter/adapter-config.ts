/**
 * A wallet descriptor (`wallets/NAME.yaml`, schemas/wallet.schema.json) as the schema guarantees it:
 * the canonical operations mapped onto an existing wallet's own HTTP API. Calls are the outbound
 * `call` shape of provider descriptors; their templates read the canonical request as `input.*`.
 */
import type { DescriptorHeader } from '../../compile/descriptor.js';
import type { CanonicalCode } from '../../errors.js';
import type { CallConfig } from '../../outbound/outbound-config.js';
import type { Operation } from '../../types.js';

export type WhenConfig = Record<string, string | number | boolean | (string | number | boolean)[] | { $from: string }>;

/** A wallet answer that is an error: matched by status and/or answer fields. */
export interface AdapterErrorRow {
  status?: number | number[];
  when?: WhenConfig;
  code: CanonicalCode;
  /** Default: the code's class (uncertain for WALLET_UNAVAILABLE, INTERNAL_ERROR …, else rejected). */
  class?: 'rejected' | 'uncertain';
  /** Where a balance reported with the rejection is (answer.balance_minor). */
  balance?: string;
}

/** Names → sources of the answer: balance, currency, wallet_transaction_id, player_name, country, language. */
export type AdapterAnswer = Partial<Record<'balance' | 'currency' | 'wallet_transaction_id' | 'player_name' | 'country' | 'language', string>>;

export interface StatusQueryConfig {
  call: CallConfig;
  /** The transaction was applied: its outcome is read from `answer`. */
  found: { status?: number | number[]; when?: WhenConfig };
  /** The wallet never applied it: the call may be made again. */
  not_found: { status?: number | number[]; when?: WhenConfig };
  answer: AdapterAnswer;
}

export interface AdapterOperationConfig {
  call: CallConfig;
  /** What a success is (default: any 2xx no error row matched). */
  success?: { status?: number | number[]; when?: WhenConfig };
  answer: AdapterAnswer;
  /** Rows tried before the adapter's own. */
  errors?: AdapterErrorRow[];
  status_query?: StatusQueryConfig;
}

/** `amounts.output`: how amounts are sent to the wallet; `amounts.input`: how it writes balances. */
export interface WalletDescriptor extends DescriptorHeader {
  /** true: the wallet applies a retried call once (it honours the key the calls send). */
  idempotent: boolean;
  status_query?: StatusQueryConfig;
  operations: Partial<Record<Operation, AdapterOperationConfig>>;
  errors?: AdapterErrorRow[];
}
