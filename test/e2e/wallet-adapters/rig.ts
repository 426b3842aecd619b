/**
 * A gateway in front of a legacy wallet through a wallet adapter (wallets/*.yaml): the stub wallets
 * of test/helpers/legacy-wallets.ts over real HTTP, requests signed as each provider signs them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_SETTINGS } from '../../../gateway/compile/engine.js';
import { createSchemaChecker, loadSchemas } from '../../../gateway/config/schema-check.js';
import { formatDiagnostic } from '../../../gateway/errors.js';
import { createLogger, silentLogger } from '../../../gateway/log.js';
import { PACKAGE_ROOT } from '../../../gateway/paths.js';
import { staticRegistry } from '../../../gateway/plugins/registry.js';
import { MemoryStore } from '../../../gateway/store/memory-store.js';
import { loadAdapter } from '../../../gateway/wallet/adapter/load-adapter.js';
import { SandboxWallet } from '../../../gateway/wallet/sandbox-wallet.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { TEST_JWT_KEY } from '../../helpers/keys.js';
import { startLedgerPro, startStatusWallet, type LegacyCall, type LegacyPlayerSeed, type LegacyWallet } from '../../helpers/legacy-wallets.js';

/**
 * The provider's transaction id a legacy call carries: LedgerPro's `reference`, or StatusWallet's
 * `txid` without the adapter's `{provider}:` (and `refund:`) prefix.
 */
export function txOf(c: LegacyCall): string | undefined {
  const t = c.body?.reference ?? c.body?.txid;
  return typeof t === 'string' ? t.replace(/^[a-z0-9-]+:(?:refund:)?/, '') : undefined;
}

/** Money movements the wallet applied for a provider transaction id. */
export function effects(w: LegacyWallet, tx: string): number {
  return w.calls.filter((c) => c.applied && txOf(c) === tx).length;
}
import { jackpotHeaders } from '../../helpers/sign.js';

export const WALLETS_DIR = path.join(PACKAGE_ROOT, 'wallets');

/** What `gateway validate` says of one wallet descriptor: its diagnostics, formatted file:line:col. */
export async function adapterProblems(file: string): Promise<string[]> {
  const deps = { store: new MemoryStore(), wallet: new SandboxWallet(), log: silentLogger, settings: { ...DEFAULT_SETTINGS, sandbox: true }, env: {}, plugins: staticRegistry([]), now: Date.now };
  return (await loadAdapter(file, deps, createSchemaChecker(await loadSchemas()))).diagnostics.map(formatDiagnostic);
}
export const JACKPOT_SECRET = 'adapter-jackpot-secret';
export const TOKEN = 'ledgerpro-test-token';
export const HMAC = 'statuswallet-test-secret';

export type AdapterName = 'ledgerpro' | 'statuswallet';

export interface AdapterRig {
  gw: TestGateway;
  wallet: LegacyWallet;
  logs: string[];
  jackpot(route: string, body: object): Promise<{ status: number; body: any }>;
}

/** A copy of a shipped wallet descriptor with text replacements (e.g. no status query). */
export function walletWith(t: { teardown(fn: () => unknown): void }, name: AdapterName, edits: [RegExp | string, string][]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwtest-wallets-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let text = readFileSync(path.join(WALLETS_DIR, `${name}.yaml`), 'utf8');
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${name}.yaml: ${String(from)} not found`);
    text = next;
  }
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** A copy of a shipped wallet descriptor changed as data (anchors resolved), e.g. without status queries. */
export function walletVariant(t: { teardown(fn: () => unknown): void }, name: AdapterName, change: (w: Record<string, any>) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwtest-wallets-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const w = parse(readFileSync(path.join(WALLETS_DIR, `${name}.yaml`), 'utf8'), { merge: true }) as Record<string, any>;
  change(w);
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(w, { aliasDuplicateObjects: false }));
  return file;
}

/** StatusWallet without its status queries: idempotent: false, and nothing to look a call up with. */
export function withoutStatusQueries(w: Record<string, any>): void {
  delete w['status_query'];
  for (const op of Object.values(w['operations'] as Record<string, any>)) delete op['status_query'];
}

export async function adapterRig(t: { teardown(fn: () => unknown): void }, name: AdapterName, o: { file?: string; players?: Record<string, LegacyPlayerSeed>; timeoutMs?: number; env?: Record<string, string>; retryBudgetMs?: number } = {}): Promise<AdapterRig> {
  const wallet = name === 'ledgerpro' ? await startLedgerPro({ token: TOKEN, ...(o.players ? { players: o.players } : {}) }) : await startStatusWallet({ secret: HMAC, ...(o.players ? { players: o.players } : {}) });
  t.teardown(() => wallet.close());
  const logs: string[] = [];
  const env = {
    JACKPOT_RGS_HMAC_SECRET: JACKPOT_SECRET,
    SPORTSBOOK_SECURITY_HASH: 'adapter-sb-hash',
    SOLEX_IGSP_API_KEY: 'adapter-solex-key',
    SOLEX_IGSP_SECRET_KEY: 'adapter-solex-secret',
    PREDICTION_MARKETS_HMAC_SECRET: 'adapter-pm-secret',
    PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY,
    LEDGERPRO_API_TOKEN: TOKEN,
    LEDGERPRO_BASE_URL: wallet.url,
    STATUSWALLET_HMAC_SECRET: HMAC,
    STATUSWALLET_BASE_URL: wallet.url,
    ...o.env,
  };
  const gw = await startTestGateway(t, {
    env,
    walletAdapter: o.file ?? path.join(WALLETS_DIR, `${name}.yaml`),
    timeoutMs: o.timeoutMs ?? 800,
    ...(o.retryBudgetMs !== undefined ? { retryBudgetMs: o.retryBudgetMs } : {}),
    log: createLogger('debug', (l) => void logs.push(l)),
  });
  return {
    gw,
    wallet,
    logs,
    async jackpot(route, body) {
      const p = `/jackpot-rgs/callback/${route}`;
      const text = JSON.stringify(body);
      const r = await gw.send('POST', p, text, jackpotHeaders(JACKPOT_SECRET, p, text));
      return { status: r.status, body: r.body };
    },
  };
}
