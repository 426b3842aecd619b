/**
 * `gateway test [PROVIDER…]`: runs each descriptor's example exchanges offline — a gateway on a
 * loopback port with the in-memory store and the sandbox ledger — signing each request as the
 * provider would, and prints one PASS/FAIL line per example.
 */
import { resolveSecrets } from '../compile/resolve-secrets.js';
import { signRequest } from '../compile/sign-request.js';
import type { ExampleConfig } from '../compile/descriptor.js';
import { silentLogger } from '../log.js';
import { MemoryStore } from '../store/memory-store.js';
import { sandboxLedger, startGateway, type RuntimeConfig } from '../server/gateway.js';
import type { Outcome } from '../types.js';
import { SandboxWallet } from '../wallet/sandbox-wallet.js';
import type { WalletCall, WalletClient } from '../wallet/wallet-client.js';
import { loadProviders } from '../config/load-providers.js';
import { cliContext, offlineDeps } from './context.js';
import { baseUrlOverrides, ExampleProvider, runOutboundExample } from './outbound-examples.js';
import { CAPTURE_REF, captureAll, insertCaptures } from './captures.js';

/**
 * One fresh sandbox ledger per provider (routed by the canonical body's `provider`), so a
 * provider's examples see the demo balances they were written against whichever other providers
 * ran first: `gateway test A` and `gateway test` give the same results.
 */
export class PerProviderSandbox implements WalletClient {
  readonly describe = 'sandbox (one embedded ledger per provider)';
  private readonly wallets = new Map<string, SandboxWallet>();
  constructor(private readonly config: RuntimeConfig) {}

  call(c: WalletCall): Promise<Outcome> {
    const id = String(c.body.provider ?? '');
    let w = this.wallets.get(id);
    if (!w) this.wallets.set(id, (w = new SandboxWallet(sandboxLedger(this.config))));
    return w.call(c);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

/** `expected` ⊆ `actual`: listed object members must match; "*" matches any present value. */
export function subsetMatch(expected: unknown, actual: unknown, at = 'body'): string | undefined {
  if (expected === '*') return actual === undefined ? `${at} is missing` : undefined;
  if (expected !== null && typeof expected === 'object') {
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual) || actual.length !== expected.length) return `${at}: expected an array of ${expected.length}`;
      for (let i = 0; i < expected.length; i++) {
        const m = subsetMatch(expected[i], actual[i], `${at}[${i}]`);
        if (m) return m;
      }
      return undefined;
    }
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${at}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const m = subsetMatch(v, (actual as Record<string, unknown>)[k], `${at}.${k}`);
      if (m) return m;
    }
    return undefined;
  }
  return expected === actual ? undefined : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

export interface ExampleResult {
  provider: string;
  name: string;
  ok: boolean;
  problem?: string;
}

export async function runExamples(configFile: string | undefined, ids: string[], baseEnv: Readonly<Record<string, string | undefined>> = process.env): Promise<ExampleResult[]> {
  const c = await cliContext(configFile, baseEnv);
  const config = { ...c.config, server: { ...c.config.server, host: '127.0.0.1', port: 0 }, admin: { ...c.config.admin, host: '127.0.0.1', port: 0, token: undefined }, wallet: { ...c.config.wallet, url: 'sandbox' }, store: { ...c.config.store, url: 'memory://' } };
  const results: ExampleResult[] = [];
  // Outbound examples talk to a loopback stand-in for the provider: every base URL setting of the
  // descriptors points at it for this run.
  const stub = new ExampleProvider();
  await stub.start();
  const offline = await offlineDeps(c, true);
  const found = await loadProviders({ dir: config.providers.dir, deps: offline, checker: c.checker });
  const env = { ...baseEnv, ...Object.assign({}, ...found.providers.map((p) => baseUrlOverrides(p.descriptor, stub.url))) };
  let g: Awaited<ReturnType<typeof startGateway>>;
  try {
    g = await startGateway({ config, env, checker: c.checker, log: silentLogger, store: new MemoryStore(), wallet: new PerProviderSandbox(config) });
  } catch (e) {
    await stub.close();
    throw e;
  }
  try {
    const providers = [...g.providers().byId.values()].filter((p) => ids.length === 0 || ids.includes(p.id));
    for (const id of ids) if (!g.providers().byId.has(id)) results.push({ provider: id, name: '(load)', ok: false, problem: 'provider not loaded' });
    for (const p of providers) {
      const d = p.descriptor;
      const resolved = resolveSecrets(d.secrets, d.settings, env, true);
      const captured = new Map<string, string>();
      for (const ex of d.examples ?? []) {
        if (ex.outbound) {
          const problem = await runOutboundExample(g.adminUrl, p, ex, stub, offline, resolved.secrets, subsetMatch, captured).catch((e: unknown) => String(e));
          results.push({ provider: d.id, name: ex.name, ok: problem === undefined, ...(problem ? { problem } : {}) });
        } else results.push(await runOne(g.publicUrl, d.id, ex, resolved, captured, d));
      }
    }
  } finally {
    await g.close();
    await stub.close();
  }
  return results;
}

export async function runOne(base: string, id: string, ex: ExampleConfig, resolved: ReturnType<typeof resolveSecrets>, captured: Map<string, string>, d: Parameters<typeof signRequest>[0]): Promise<ExampleResult> {
  const r = ex.request!;
  const method = r.method ?? 'POST';
  const sub = r.path.replace(CAPTURE_REF, (_m, n: string) => encodeURIComponent(captured.get(n) ?? `unknown-${n}`));
  const path = `/${id}${sub}`;
  const bodyText = insertCaptures(r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body), captured, true);
  const exHeaders = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, insertCaptures(v, captured, false)]));
  const now = Date.now() + (r.timestamp_offset_s ?? 0) * 1000;
  const signed = r.sign === false ? { headers: { 'content-type': 'application/json' } } : signRequest(d, resolved, { method, path, body: Buffer.from(bodyText), now, ...(r.headers ? { headers: exHeaders } : {}) });
  const headers = { ...signed.headers, ...Object.fromEntries(Object.entries(exHeaders).map(([k, v]) => [k.toLowerCase(), v])) };
  const sent = r.tamper ? bodyText.replace(/.$/, (ch) => ` ${ch}`) : bodyText;
  try {
    const res = await fetch(`${base}${path}`, { method, headers, ...(sent ? { body: sent } : {}) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    if (ex.expect.status !== undefined && res.status !== ex.expect.status) return { provider: id, name: ex.name, ok: false, problem: `status: expected ${ex.expect.status}, got ${res.status} ${text.slice(0, 200)}` };
    if (ex.expect.body !== undefined) {
      const m = subsetMatch(ex.expect.body, json);
      if (m) return { provider: id, name: ex.name, ok: false, problem: m };
    }
    captureAll(ex.capture, json, captured);
    return { provider: id, name: ex.name, ok: true };
  } catch (e) {
    return { provider: id, name: ex.name, ok: false, problem: String(e) };
  }
}

export async function conformance(ids: string[], configFile: string | undefined): Promise<number> {
  const results = await runExamples(configFile, ids);
  for (const r of results) process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'} ${r.provider}: ${r.name}${r.problem ? ` — ${r.problem}` : ''}\n`);
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  return failed === 0 && results.length > 0 ? 0 : 1;
}
