/**
 * One in-process gateway (real HTTP on loopback ports 0) in front of a stub canonical wallet and the
 * three stub providers of test/helpers/stub-providers.ts, with every log line captured so tests can
 * assert that no secret, password or token was ever written.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_JWT_KEY } from '../../helpers/keys.js';
import { createLogger } from '../../../gateway/log.js';
import { PROVIDERS_DIR, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startStubJackpotRgs, startStubSolex, startStubSportsbook, type StubJackpotRgs, type StubSolex, type StubSportsbook } from '../../helpers/stub-providers.js';
import { startStubWallet, type StubWallet } from '../../helpers/stub-wallet.js';

export const SECRETS = {
  jackpot: 'outbound-jackpot-hmac-secret-0123456789',
  operatorId: '8f7c2b9e-operator-uuid',
  solexKey: 'gp_live_outbound_api_key_abcdef',
  solexSecret: 'outbound-solex-secret-key-fedcba',
  sbHash: 'outbound-sportsbook-security-hash',
  sbUser: 'operator-login-name',
  sbPassword: 'operator-login-password-S3cr3t!',
  pm: 'outbound-prediction-markets-secret',
};

export interface Rig {
  gw: TestGateway;
  wallet: StubWallet;
  jackpot: StubJackpotRgs;
  solex: StubSolex;
  sportsbook: StubSportsbook;
  logs: string[];
  /** POST /v1/sessions on the admin listener. */
  session(body: Record<string, unknown>): Promise<{ status: number; body: any; ms: number }>;
  /** GET on the admin listener. */
  admin(p: string): Promise<{ status: number; body: any }>;
}

/**
 * A copy of the shipped descriptors with text replacements (e.g. a shorter timeout), so a test can
 * change one setting without a second source of truth.
 */
export function providersWith(t: { teardown(fn: () => unknown): void }, edits: Record<string, [RegExp | string, string][]>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwtest-outbound-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of readdirSync(PROVIDERS_DIR)) {
    let text = readFileSync(path.join(PROVIDERS_DIR, f), 'utf8');
    for (const [from, to] of edits[f] ?? []) {
      const next = text.replace(from, to);
      if (next === text) throw new Error(`${f}: ${String(from)} not found (the descriptor changed shape)`);
      text = next;
    }
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

export async function outboundRig(t: { teardown(fn: () => unknown): void }, o: { providersDir?: string; sportsbookTtlS?: number; expiresInAs?: 'string' | 'number'; env?: Record<string, string> } = {}): Promise<Rig> {
  const wallet = await startStubWallet({ 'player-1': { currency: 'USD', balance: '97.50', name: 'Player One' }, 'player-2': { currency: 'EUR', balance: '500.00' } });
  const jackpot = await startStubJackpotRgs({ secret: SECRETS.jackpot, operatorId: SECRETS.operatorId });
  const solex = await startStubSolex({ apiKey: SECRETS.solexKey, secret: SECRETS.solexSecret, games: 7, pageSize: 3 });
  const sportsbook = await startStubSportsbook({ username: SECRETS.sbUser, password: SECRETS.sbPassword, version: 'v2', tokenTtlS: o.sportsbookTtlS ?? 3600, expiresInAs: o.expiresInAs ?? 'string' });
  t.teardown(async () => {
    await Promise.all([wallet.close(), jackpot.close(), solex.close(), sportsbook.close()]);
  });
  const logs: string[] = [];
  const env = {
    JACKPOT_RGS_HMAC_SECRET: SECRETS.jackpot,
    JACKPOT_RGS_OPERATOR_ID: SECRETS.operatorId,
    JACKPOT_RGS_BASE_URL: jackpot.url,
    SOLEX_IGSP_API_KEY: SECRETS.solexKey,
    SOLEX_IGSP_SECRET_KEY: SECRETS.solexSecret,
    SOLEX_IGSP_BASE_URL: solex.url,
    SPORTSBOOK_SECURITY_HASH: SECRETS.sbHash,
    SPORTSBOOK_API_URL: sportsbook.url,
    SPORTSBOOK_API_VERSION: 'v2',
    SPORTSBOOK_USERNAME: SECRETS.sbUser,
    SPORTSBOOK_PASSWORD: SECRETS.sbPassword,
    PREDICTION_MARKETS_HMAC_SECRET: SECRETS.pm,
    PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY,
    ...o.env,
  };
  const gw = await startTestGateway(t, { env, walletUrl: wallet.url, log: createLogger('debug', (l) => void logs.push(l)), ...(o.providersDir ? { providersDir: o.providersDir } : {}) });
  return {
    gw,
    wallet,
    jackpot,
    solex,
    sportsbook,
    logs,
    async session(body) {
      const started = performance.now();
      const res = await fetch(`${gw.admin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, ms: performance.now() - started };
    },
    async admin(p) {
      const res = await fetch(`${gw.admin}${p}`, { signal: AbortSignal.timeout(20_000) });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
  };
}

/** Every secret, password and token the rig knows of that must never be written to a log. */
export function forbiddenInLogs(r: Rig): string[] {
  const launchTokens = r.jackpot.sessions.map((s) => s.sessionToken);
  return [...Object.values(SECRETS).filter((s) => s !== SECRETS.operatorId), ...r.sportsbook.issuedTokens, ...launchTokens];
}
