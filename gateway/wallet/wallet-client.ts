/**
 * The canonical wallet, as the engine sees it (CONTRACT §4). Implementations: `HttpWalletClient`
 * (undici, the operator's core wallet) and `SandboxWallet` (the embedded demo ledger).
 */
import type { Operation, Outcome } from '../types.js';

export interface WalletCall {
  operation: Operation;
  /** The canonical JSON body (CONTRACT §4.2), including request_id and provider. */
  body: Record<string, unknown>;
  requestId: string;
  /** Sent as Idempotency-Key on money operations. */
  idempotencyKey?: string;
  timeoutMs: number;
}

export interface WalletClient {
  /**
   * Performs one call. Never throws: transport failures, timeouts, 5xx and unknown answers come
   * back as `uncertain` outcomes with code WALLET_UNAVAILABLE.
   */
  call(call: WalletCall): Promise<Outcome>;
  /** Whether the wallet is reachable (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** For logs and inspect, e.g. `http://wallet:9000 (64 connections)`; never secrets. */
  readonly describe: string;
  /**
   * False when sending an uncertain call again could apply it twice (a wallet that is not
   * idempotent and has no status query): the gateway then never retries on its own, must-succeed
   * included. Absent = true.
   */
  readonly retriesUncertain?: boolean | ((operation: Operation) => boolean);
}
