/** Starts a real gateway in-process on loopback ports 0, torn down with the test. */
import path from 'node:path';
import { createSchemaChecker, loadSchemas } from '../../gateway/config/schema-check.js';
import { silentLogger, type Logger } from '../../gateway/log.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startGateway, type GatewayHandle, type RuntimeConfig } from '../../gateway/server/gateway.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import type { Store } from '../../gateway/store/store.js';
import { HttpWalletClient } from '../../gateway/wallet/http-wallet.js';
import type { WalletClient } from '../../gateway/wallet/wallet-client.js';

export const PROVIDERS_DIR = path.join(PACKAGE_ROOT, 'providers');

export function testConfig(over: { walletUrl?: string; walletAdapter?: string; timeoutMs?: number; awaitMs?: number; providersDir?: string; bodyLimit?: number; retryBudgetMs?: number; enabled?: string[]; requestTimeoutMs?: number } = {}): RuntimeConfig {
  return {
    server: { host: '127.0.0.1', port: 0, body_limit_bytes: over.bodyLimit ?? 65536, request_timeout_ms: over.requestTimeoutMs ?? 10000 },
    admin: { host: '127.0.0.1', port: 0 },
    store: { url: 'memory://', prefix: 'gw:', idempotency_ttl_s: 3600, command_timeout_ms: 1000, await_timeout_ms: over.awaitMs ?? 2000, on_unavailable: { reads: 'pass' } },
    wallet: { url: over.walletUrl ?? 'sandbox', ...(over.walletAdapter ? { adapter: over.walletAdapter } : {}), timeout_ms: over.timeoutMs ?? 1000, connections: 16, retry: { budget_ms: over.retryBudgetMs ?? 3000, initial_backoff_ms: 20, max_backoff_ms: 200 } },
    providers: { dir: over.providersDir ?? PROVIDERS_DIR, ...(over.enabled ? { enabled: over.enabled } : {}) },
    log: { level: 'silent' },
    currencies: { USDT: 6 },
  };
}

export interface TestGateway {
  url: string;
  admin: string;
  handle: GatewayHandle;
  /** POSTs raw text with headers; returns status and parsed JSON (or the text). */
  send(method: string, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any; text: string }>;
}

export async function startTestGateway(
  t: { teardown(fn: () => unknown): void },
  opts: { env: Record<string, string>; walletUrl?: string; wallet?: WalletClient; store?: Store; log?: Logger; /** Frozen clock (unix ms) for timestamp windows. */ now?: () => number; /** Extra plugin folders (test plugins). */ pluginDirs?: string[] } & Parameters<typeof testConfig>[0],
): Promise<TestGateway> {
  const config = testConfig(opts);
  const wallet = opts.wallet ?? (opts.walletUrl ? new HttpWalletClient({ url: opts.walletUrl, connections: 16 }) : undefined);
  const handle = await startGateway({
    config,
    env: opts.env,
    checker: createSchemaChecker(await loadSchemas()),
    log: opts.log ?? silentLogger,
    store: opts.store ?? new MemoryStore(),
    ...(wallet ? { wallet } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.pluginDirs ? { pluginDirs: opts.pluginDirs } : {}),
  });
  t.teardown(() => handle.close());
  return {
    url: handle.publicUrl,
    admin: handle.adminUrl,
    handle,
    async send(method, p, body, headers) {
      const res = await fetch(handle.publicUrl + p, { method, headers, ...(body !== '' ? { body } : {}) });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, text };
    },
  };
}
