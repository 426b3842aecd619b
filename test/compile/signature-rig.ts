/**
 * A real gateway over the signature fixture descriptors (test/fixtures/descriptors/signatures/),
 * in front of the stub canonical wallet, with a frozen clock so fixed-timestamp vectors verify.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startStubWallet, type StubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

export const SIGNATURES_DIR = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'descriptors', 'signatures');
export const KEYS_DIR = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'keys');

/** Path of a key file in test/fixtures/keys. */
export const keyPath = (name: string): string => path.join(KEYS_DIR, name);
/** PEM text of a key file in test/fixtures/keys. */
export const keyPem = (name: string): string => readFileSync(keyPath(name), 'utf8');

export interface SigRig {
  gw: TestGateway;
  wallet: StubWallet;
  /** POSTs `body` to /{provider}/balance with `headers` (content-type added). */
  post(provider: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any; text: string }>;
}

/**
 * @param enabled the fixture ids to load (their secrets must be in `env`).
 * @param now the frozen clock (unix ms), or a function for a clock the test moves.
 */
export async function sigRig(
  t: { teardown(fn: () => unknown): void },
  enabled: string[],
  env: Record<string, string>,
  now: number | (() => number),
  dir = SIGNATURES_DIR,
): Promise<SigRig> {
  const wallet = await startStubWallet();
  t.teardown(() => wallet.close());
  const gw = await startTestGateway(t, { env, walletUrl: wallet.url, providersDir: dir, enabled, now: typeof now === 'number' ? () => now : now });
  return {
    gw,
    wallet,
    post: (provider, body, headers) => gw.send('POST', `/${provider}/balance`, body, { 'content-type': 'application/json', ...headers }),
  };
}
