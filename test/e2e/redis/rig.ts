/**
 * Real gateway processes for the several-instances tests: `node bin/gateway.js serve --config
 * <temp file>` as child processes on loopback port 0, each with the store URL, key prefix, wallet
 * URL and timeouts the test chooses, read back from the `gateway listening` log line. Every process
 * is SIGKILLed and its temp folder removed when its test ends (and at process exit regardless).
 *
 * Requests are signed here with test/helpers/sign.ts (independent of the gateway's recipe code).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_JWT_KEY } from '../../helpers/keys.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../../../gateway/paths.js';
import type { Test } from 'tap';
import { deleteByPrefix, randomPrefix, redisTarget } from '../../helpers/redis.js';
import { jackpotHeaders } from '../../helpers/sign.js';
import { startStubWallet, type StubWallet } from '../../helpers/stub-wallet.js';

const run = promisify(execFile);

export const BIN = path.join(PACKAGE_ROOT, 'bin', 'gateway.js');
export const SHIPPED_PROVIDERS = path.join(PACKAGE_ROOT, 'providers');
export const JACKPOT_SECRET = 'redis-e2e-jackpot-secret';
export const PREDICTION_SECRET = 'redis-e2e-prediction-secret';

/**
 * What every multi-process Redis test starts from: the Redis to use (undefined when there is none:
 * the file's tests are skipped, or fail under CI=true), a key prefix deleted afterwards, and a stub
 * wallet holding `players`.
 */
export async function sharedRedisSetup(t: Test, players: Parameters<typeof startStubWallet>[0]): Promise<{ url: string; prefix: string; wallet: StubWallet } | undefined> {
  const url = await redisTarget(t);
  if (!url) return undefined;
  const prefix = randomPrefix();
  t.teardown(() => deleteByPrefix(url, prefix));
  const wallet = await startStubWallet(players);
  t.teardown(() => wallet.close());
  return { url, prefix, wallet };
}

export interface GatewayOptions {
  storeUrl: string;
  prefix: string;
  walletUrl: string;
  walletTimeoutMs?: number;
  awaitTimeoutMs?: number;
  commandTimeoutMs?: number;
  reads?: 'pass' | 'fail';
  providersDir?: string;
  enabled?: string[];
  /** server.workers (GATEWAY_WORKERS); default 1. */
  workers?: number;
  /** More environment for the process (provider secrets and settings). */
  env?: Record<string, string>;
}

export interface Answer {
  status: number;
  body: any;
  text: string;
  ms: number;
}

export interface GatewayProcess {
  name: string;
  pub: string;
  admin: string;
  child: ChildProcess;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Parsed `audit` log lines so far. */
  audit(): Record<string, any>[];
  alive(): boolean;
  /** SIGKILL (a crash: no shutdown code runs); resolves once the process has exited. */
  kill(): Promise<void>;
  send(method: string, p: string, body: string, headers: Record<string, string>): Promise<Answer>;
  /** A signed jackpot-rgs callback (`route` = debit, credit, rollback, balance, …). */
  jackpot(route: string, body: object, provider?: string): Promise<Answer>;
  readyz(): Promise<{ status: number; body: any }>;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
// Also when a test file dies before its teardowns run (e.g. a gateway that never started).
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The environment of a child: ours without any GATEWAY_* or provider secret that could leak in. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('GATEWAY_') || /_(SECRET|KEY|TOKEN|HASH)$/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Writes the config file a gateway of these options runs on; returns its path. */
export function writeConfig(dir: string, o: GatewayOptions): string {
  const file = path.join(dir, 'gateway.config.yaml');
  const config = {
    server: { host: '127.0.0.1', port: 0, request_timeout_ms: 20_000 },
    admin: { host: '127.0.0.1', port: 0 },
    store: {
      prefix: o.prefix,
      idempotency_ttl_s: 3600,
      command_timeout_ms: o.commandTimeoutMs ?? 1000,
      await_timeout_ms: o.awaitTimeoutMs ?? 2000,
      on_unavailable: { reads: o.reads ?? 'pass' },
    },
    wallet: { timeout_ms: o.walletTimeoutMs ?? 3000, connections: 64 },
    providers: { dir: o.providersDir ?? SHIPPED_PROVIDERS, enabled: o.enabled ?? ['jackpot-rgs'] },
    log: { level: 'info' },
  };
  writeFileSync(file, stringify(config));
  return file;
}

function envFor(o: GatewayOptions): Record<string, string> {
  return childEnv({
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    GATEWAY_ADMIN_PORT: '0',
    GATEWAY_STORE_URL: o.storeUrl,
    GATEWAY_WALLET_URL: o.walletUrl,
    GATEWAY_WALLET_TIMEOUT_MS: String(o.walletTimeoutMs ?? 3000),
    GATEWAY_LOG_LEVEL: 'info',
    GATEWAY_WORKERS: String(o.workers ?? 1),
    JACKPOT_RGS_HMAC_SECRET: JACKPOT_SECRET,
    PREDICTION_MARKETS_HMAC_SECRET: PREDICTION_SECRET,
    PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY,
    ...o.env,
  });
}

/** The idempotency lease of a route, as `gateway inspect` prints it for these options. */
export async function inspectLeaseMs(o: GatewayOptions, provider = 'jackpot-rgs', routePath = '/callback/debit'): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwtest-gw-'));
  try {
    const file = writeConfig(dir, o);
    const { stdout, stderr } = await run(process.execPath, [BIN, 'inspect', provider, '--config', file], { cwd: dir, env: envFor(o), encoding: 'utf8', timeout: 30_000 });
    const block = stdout.split('\n\n').find((b) => b.includes(routePath));
    const m = block && /lease (\d+)ms/.exec(block);
    if (!m) throw new Error(`no lease in inspect output: ${stdout}${stderr}`);
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startGatewayProcess(t: { teardown(fn: () => unknown): void }, name: string, o: GatewayOptions): Promise<GatewayProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwtest-gw-'));
  dirs.add(dir);
  const file = writeConfig(dir, o);
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file], { cwd: dir, env: envFor(o), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child);
    resolve();
  }));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (alive()) child.kill('SIGKILL');
    await exited;
  };
  t.teardown(async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  });

  // Generous: start-up is ~1.5 s of CPU, and a loaded CI machine may run several test files at once.
  const until = Date.now() + 60_000;
  let urls: RegExpExecArray | null = null;
  while (!(urls = /"msg":"gateway listening","public":"([^"]+)","admin":"([^"]+)"/.exec(out))) {
    if (!alive()) throw new Error(`gateway ${name} exited before listening (${child.exitCode ?? child.signalCode}): ${out}${err}`);
    if (Date.now() > until) throw new Error(`gateway ${name}: no listening line within 60 s: ${out}${err}`);
    await sleep(20);
  }
  const pub = urls[1]!;
  const admin = urls[2]!;

  const send = async (method: string, p: string, body: string, headers: Record<string, string>): Promise<Answer> => {
    const started = performance.now();
    const res = await fetch(pub + p, { method, headers, ...(body !== '' ? { body } : {}), signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, text, ms: performance.now() - started };
  };
  return {
    name,
    pub,
    admin,
    child,
    stdout: () => out,
    stderr: () => err,
    audit: () =>
      out
        .split('\n')
        .filter((l) => l.includes('"msg":"audit"'))
        .map((l) => JSON.parse(l) as Record<string, any>),
    alive,
    kill,
    send,
    jackpot(route, body, provider = 'jackpot-rgs') {
      const p = `/${provider}/callback/${route}`;
      const text = JSON.stringify(body);
      return send('POST', p, text, jackpotHeaders(JACKPOT_SECRET, p, text));
    },
    async readyz() {
      const res = await fetch(`${admin}/readyz`, { signal: AbortSignal.timeout(5_000) });
      return { status: res.status, body: await res.json() };
    },
  };
}

/** Starts several gateways at once (process start-up dominates), named A, B, C, … */
export function startGateways(t: { teardown(fn: () => unknown): void }, n: number, o: GatewayOptions): Promise<GatewayProcess[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startGatewayProcess(t, String.fromCharCode(65 + i), o)));
}

/**
 * A providers folder holding the shipped jackpot-rgs descriptor and `jackpot-nonce`: the same
 * descriptor with a required X-Nonce header (so that reads touch the store, which is what
 * `store.on_unavailable.reads` governs). Removed with `t`.
 */
export function providersWithNonce(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwtest-providers-'));
  dirs.add(dir);
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  });
  const src = readFileSync(path.join(SHIPPED_PROVIDERS, 'jackpot-rgs.yaml'), 'utf8');
  writeFileSync(path.join(dir, 'jackpot-rgs.yaml'), src);
  const variant = src
    .replace(/^id: jackpot-rgs$/m, 'id: jackpot-nonce')
    .replace(/^name: .*$/m, 'name: Jackpot RGS with nonces (test)')
    .replace(/^ {4}tolerance_s: 30$/m, '    tolerance_s: 30\n  nonce:\n    from: header.X-Nonce\n    required: true')
    .replace(/^examples:[\s\S]*$/m, '');
  if (!variant.includes('id: jackpot-nonce') || !variant.includes('X-Nonce')) throw new Error('jackpot-rgs.yaml changed shape: cannot derive the nonce variant');
  writeFileSync(path.join(dir, 'jackpot-nonce.yaml'), variant);
  return dir;
}

/** Polls `fn` every `everyMs` until it returns true; false after `withinMs`. */
export async function until(fn: () => boolean | Promise<boolean>, withinMs: number, everyMs = 20): Promise<boolean> {
  const end = Date.now() + withinMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}

/** Process-level trouble in a gateway's stderr: unhandled rejections, uncaught exceptions, stacks. */
export function crashSigns(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /unhandled|uncaught|^\s+at |Error:|FATAL/i.test(l));
}
