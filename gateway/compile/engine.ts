/** What compiled stages are given: runtime services and settings, injected once at compile time. */
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { WalletClient } from '../wallet/wallet-client.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Dispatcher } from 'undici';

export interface EngineSettings {
  /** Timeout of one wallet call. */
  walletTimeoutMs: number;
  /** How long a concurrent duplicate waits for the first request's outcome. */
  awaitTimeoutMs: number;
  /** How long decided idempotency records and tombstones are kept. */
  idempotencyTtlMs: number;
  /** Largest request body accepted. */
  bodyLimitBytes: number;
  /** Default retry policy of must-succeed operations. */
  retry: { budgetMs: number; initialBackoffMs: number; maxBackoffMs: number };
  /** Extra currency exponents (non-ISO codes). */
  currencies: Readonly<Record<string, number>>;
  /** Sandbox mode: missing secrets fall back to their descriptor `sandbox` values (loudly). */
  sandbox: boolean;
  /** While the store is down: let authenticate/balance reach the wallet (`pass`) or refuse (`fail`). */
  readsWhenStoreDown: 'pass' | 'fail';
}

export interface EngineDeps {
  store: Store;
  wallet: WalletClient;
  log: Logger;
  settings: EngineSettings;
  env: Readonly<Record<string, string | undefined>>;
  plugins: PluginRegistry;
  /** Clock (unix ms); tests freeze it. */
  now: () => number;
  /** Where outbound calls to providers go (an undici Agent); undici's global dispatcher when absent. */
  http?: Dispatcher;
}

export const DEFAULT_SETTINGS: EngineSettings = Object.freeze({
  walletTimeoutMs: 3000,
  awaitTimeoutMs: 2000,
  idempotencyTtlMs: 7 * 24 * 3600 * 1000,
  bodyLimitBytes: 65536,
  retry: { budgetMs: 10000, initialBackoffMs: 50, maxBackoffMs: 1000 },
  currencies: {},
  sandbox: false,
  readsWhenStoreDown: 'pass' as const,
});
