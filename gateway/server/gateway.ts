/**
 * Starts a gateway: store, wallet client, plugins, compiled providers, the public and admin
 * listeners. Returns a handle for tests and the CLI. Reload re-reads every descriptor, validates
 * all, then swaps the whole set at once; on any error the running set stays.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ConfigError, formatDiagnostic } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import type { EngineDeps, EngineSettings } from '../compile/engine.js';
import { loadProviders, type LoadResult, type SchemaChecker } from '../config/load-providers.js';
import { loadPlugins } from '../plugins/load-plugins.js';
import { PACKAGE_ROOT } from '../paths.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { HttpWalletClient } from '../wallet/http-wallet.js';
import { SandboxLedger, type SandboxPlayer } from '../wallet/sandbox-ledger.js';
import { SandboxWallet } from '../wallet/sandbox-wallet.js';
import type { WalletClient } from '../wallet/wallet-client.js';
import { adminHandler } from './admin-server.js';
import { createMetrics, type Metrics, type MetricsSnapshot } from './metrics.js';
import { providerSet, type ProviderSet } from './provider-set.js';
import { publicHandler, rawRefusal } from './public-server.js';
import { outboundAdmin } from './outbound-admin.js';
import { Agent } from 'undici';
import { AdapterWallet } from '../wallet/adapter/adapter-wallet.js';
import { CircuitBreakerWallet } from '../wallet/circuit-breaker.js';
import { loadAdapter } from '../wallet/adapter/load-adapter.js';

/** The subset of the gateway config the runtime reads. */
export interface RuntimeConfig {
  server: { host: string; port: number; body_limit_bytes: number; request_timeout_ms: number; workers?: number };
  admin: { host: string; port: number; token?: string | undefined };
  store: { url: string; prefix: string; idempotency_ttl_s: number; command_timeout_ms: number; await_timeout_ms: number; on_unavailable: { reads: 'pass' | 'fail' } };
  wallet: { url: string; timeout_ms: number; hmac_secret?: string | undefined; adapter?: string | null | undefined; circuit?: { failures: number; window_ms: number; cool_off_ms: number } | undefined; connections: number; retry: { budget_ms: number; initial_backoff_ms: number; max_backoff_ms: number } };
  providers: { dir: string; enabled?: readonly string[] | undefined };
  log: { level: 'debug' | 'info' | 'warn' | 'error' | 'silent' };
  currencies: Readonly<Record<string, number>>;
  sandbox?: { players?: readonly SandboxPlayer[] | undefined } | undefined;
}

/** `partial`: some processes of a cluster run the new set and some do not (see cluster.ts). */
export interface ReloadResult {
  ok: boolean;
  errors?: string[];
  partial?: boolean;
  fingerprint?: string;
}

export interface GatewayHandle {
  publicUrl: string;
  adminUrl: string;
  providers(): ProviderSet;
  reload(opts?: { allowDisable?: boolean }): Promise<ReloadResult>;
  close(): Promise<void>;
  store: Store;
  wallet: WalletClient;
  log: Logger;
  /** How long close() waits for requests in flight before it cuts them. */
  drainMs: number;
  /** This process's request counters (a cluster's primary sums its workers' on /metrics). */
  metrics: Metrics;
  /** The load result of the start (warnings, disabled providers). */
  initial: LoadResult;
}

export interface StartOptions {
  config: RuntimeConfig;
  env: Readonly<Record<string, string | undefined>>;
  checker: SchemaChecker;
  log?: Logger;
  now?: () => number;
  /** Inject a wallet (tests); default from config.wallet.url. */
  wallet?: WalletClient;
  /** Inject a store (tests); default from config.store.url. */
  store?: Store;
  /** Extra plugin folders. */
  pluginDirs?: string[];
  /** Open the public listener (default true; false in a cluster's primary). */
  publicListener?: boolean;
  /** Open the admin listener (default true; false in a cluster's workers). */
  adminListener?: boolean;
  /** In a cluster's primary: how the admin API reaches the workers. */
  cluster?: ClusterAdmin;
}

/** What the admin API of a cluster's primary asks of its workers (gateway/server/cluster.ts). */
export interface ClusterAdmin {
  /**
   * Reloads every worker; called after the primary's own reload succeeded, with the fingerprint of
   * the set it loaded, which every worker must end up with too.
   */
  reload(expected: string): Promise<ReloadResult>;
  /** Counters to sum for /metrics: every worker's, including those of workers since replaced. */
  metrics(): Promise<MetricsSnapshot[]>;
  /** Workers serving right now. */
  serving(): number;
  /** Readiness checks of its own, e.g. `{ workers: true }` when every worker is serving. */
  readiness(): Record<string, boolean>;
}

/**
 * How long a closing gateway waits for the provider requests it is handling: the longest one may
 * run (two wallet timeouts, the must-succeed retry budget, a wait on the store), or the request
 * timeout if larger, plus a second.
 */
export function drainMsOf(c: RuntimeConfig): number {
  return Math.max(c.server.request_timeout_ms, 2 * c.wallet.timeout_ms + c.wallet.retry.budget_ms + c.store.await_timeout_ms) + 1000;
}

export function engineSettings(c: RuntimeConfig): EngineSettings {
  return {
    walletTimeoutMs: c.wallet.timeout_ms,
    awaitTimeoutMs: c.store.await_timeout_ms,
    idempotencyTtlMs: c.store.idempotency_ttl_s * 1000,
    bodyLimitBytes: c.server.body_limit_bytes,
    retry: { budgetMs: c.wallet.retry.budget_ms, initialBackoffMs: c.wallet.retry.initial_backoff_ms, maxBackoffMs: c.wallet.retry.max_backoff_ms },
    currencies: c.currencies,
    sandbox: isSandboxWallet(c),
    readsWhenStoreDown: c.store.on_unavailable.reads,
  };
}

/** The embedded ledger answers (no adapter, wallet.url: sandbox). */
export function isSandboxWallet(c: RuntimeConfig): boolean {
  return c.wallet.url === 'sandbox' && !c.wallet.adapter;
}

export function createWallet(c: RuntimeConfig): WalletClient {
  if (c.wallet.url === 'sandbox') return new SandboxWallet(sandboxLedger(c));
  return new HttpWalletClient({ url: c.wallet.url, connections: c.wallet.connections, ...(c.wallet.hmac_secret ? { hmacSecret: c.wallet.hmac_secret } : {}) });
}

/** The demo ledger: configured players, or the built-in demo players when none are listed. */
export function sandboxLedger(c: RuntimeConfig): SandboxLedger {
  const players = c.sandbox?.players;
  return new SandboxLedger(players && players.length > 0 ? players : undefined, c.currencies);
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve(`http://${h === '0.0.0.0' ? '127.0.0.1' : h}:${a.port}`);
    });
  });
}

/** The plugin folders searched by default: compiled repo plugins and operator-dropped JS. */
export function defaultPluginDirs(): string[] {
  return [path.join(PACKAGE_ROOT, 'dist', 'plugins'), path.join(PACKAGE_ROOT, 'plugins')];
}

export async function startGateway(o: StartOptions): Promise<GatewayHandle> {
  const { config, env, checker } = o;
  const log = o.log ?? createLogger(config.log.level);
  const now = o.now ?? Date.now;
  const store = o.store ?? createStore(config.store.url, { prefix: config.store.prefix, commandTimeoutMs: config.store.command_timeout_ms, onEvent: (level, msg, fields) => log[level](msg, fields) });
  const plugins = await loadPlugins([...defaultPluginDirs(), ...(o.pluginDirs ?? [])]);
  // Outbound calls to providers (sessions, catalogues, tokens) and an adapter's wallet calls:
  // pooled, kept alive, per origin.
  const http = new Agent({ connections: Math.max(32, config.wallet.connections), keepAliveTimeout: 10_000 });
  let wallet: WalletClient;
  if (o.wallet) wallet = o.wallet;
  else if (config.wallet.adapter) {
    const base: EngineDeps = { store, wallet: new SandboxWallet(), log, settings: engineSettings(config), env, plugins, now, http };
    const loaded = await loadAdapter(config.wallet.adapter, base, checker);
    if (!loaded.adapter) {
      await Promise.allSettled([store.close(), http.close()]);
      throw new ConfigError(loaded.diagnostics);
    }
    for (const w of loaded.warnings) log.warn(w);
    wallet = new AdapterWallet(loaded.adapter, { store, log, markerTtlMs: config.store.idempotency_ttl_s * 1000 });
  } else wallet = createWallet(config);
  const breaker = config.wallet.circuit && config.wallet.circuit.failures > 0 ? new CircuitBreakerWallet(wallet, { failures: config.wallet.circuit.failures, windowMs: config.wallet.circuit.window_ms, coolOffMs: config.wallet.circuit.cool_off_ms }, log) : undefined;
  if (breaker) wallet = breaker;
  const deps: EngineDeps = { store, wallet, log, settings: engineSettings(config), env, plugins, now, http };
  const load = () => loadProviders({ dir: config.providers.dir, deps, checker, ...(config.providers.enabled ? { enabled: config.providers.enabled } : {}) });

  const initial = await load();
  if (initial.diagnostics.length > 0) {
    await Promise.allSettled([store.close(), wallet.close(), http.close()]);
    throw new ConfigError(initial.diagnostics);
  }
  let current = providerSet(initial.providers, initial.disabled, initial.disabledErrors);
  const metrics = createMetrics();

  const reload = async (opts: { allowDisable?: boolean } = {}): Promise<ReloadResult> => {
    const r = await load();
    if (r.diagnostics.length > 0) {
      log.warn('reload refused: descriptors invalid, running set kept', { errors: r.diagnostics.length });
      return { ok: false, errors: r.diagnostics.map(formatDiagnostic) };
    }
    // A reload must not quietly take a serving provider out of service (a secret added to its
    // descriptor but not to the environment): refused unless the operator says so.
    const taken = [...current.byId.keys()].filter((id) => !r.providers.some((p) => p.id === id));
    if (taken.length > 0 && !opts.allowDisable) {
      const errors = taken.map((id) => `reload would take ${id} out of service: ${r.disabled.find((d) => d.id === id)?.reason ?? 'its descriptor is gone'} (POST /v1/reload?allow_disable=true to do it anyway)`);
      log.warn('reload refused: it would disable serving providers, running set kept', { providers: taken });
      return { ok: false, errors };
    }
    current = providerSet(r.providers, r.disabled, r.disabledErrors);
    log.info('providers reloaded', { providers: [...current.byId.keys()], disabled: r.disabled.map((d) => d.id) });
    return o.cluster ? o.cluster.reload(current.fingerprint) : { ok: true, fingerprint: current.fingerprint };
  };

  const readiness = async () => {
    const [storeOk, walletOk] = await Promise.all([store.ping().then(() => true, () => false), wallet.ping()]);
    // A store that lost its data fails its ping too (store: false); the log and the metric say why.
    // An open circuit means the wallet is not being called: not ready, as if unreachable.
    const checks: Record<string, boolean> = { store: storeOk, wallet: walletOk && (breaker?.openCircuits().length ?? 0) === 0, ...o.cluster?.readiness() };
    return { ready: Object.values(checks).every(Boolean), checks };
  };

  // A cluster's primary serves no provider traffic: its /metrics is the sum of its workers'.
  const metricsText = async (gauges: Record<string, number>): Promise<string> => {
    if (breaker) gauges = { ...gauges, gateway_wallet_circuits_open: breaker.openCircuits().length };
    if (!o.cluster) return metrics.render(gauges);
    const sum = createMetrics();
    for (const snap of await o.cluster.metrics()) sum.absorb(snap);
    return sum.render({ ...gauges, gateway_workers_up: o.cluster.serving() });
  };
  let draining = false;
  // Provider requests being handled: a close waits for them before it closes the store and the
  // wallet client under them (a debit the wallet applied must still be committed and answered).
  let inflight = 0;
  let onIdle: (() => void) | undefined;
  const tracker = {
    begin: () => void inflight++,
    end: () => {
      if (--inflight === 0) onIdle?.();
    },
  };
  const pub = o.publicListener === false ? undefined : createServer({ requestTimeout: config.server.request_timeout_ms, keepAliveTimeout: 65_000 }, publicHandler({ providers: () => current, log, metrics, now, draining: () => draining, inflight: tracker }));
  const adm = o.adminListener === false ? undefined : createServer(adminHandler({ token: config.admin.token, providers: () => current, readiness, reload, metricsText, log, lossDetected: () => store.lossDetected?.(), acknowledgeLoss: async () => store.acknowledgeLoss?.(), extra: outboundAdmin({ providers: () => current, log }) }));
  const drainMs = drainMsOf(config);
  const servers = [pub, adm].filter((x): x is Server => x !== undefined);
  // A client that misbehaves at the socket level must never take the process down.
  for (const s of servers) s.on('clientError', (_e, socket) => socket.destroy());
  if (pub) {
    // Requests node:http will not parse for us (an unknown method) or hands to 'connect' (CONNECT):
    // answered in the provider's envelope when the request line names one of its routes.
    const refuse = (head: string, socket: import('node:stream').Duplex): void => {
      const text = rawRefusal(head, current, now());
      if (text && socket.writable) socket.end(text);
      else socket.destroy();
    };
    pub.removeAllListeners('clientError');
    pub.on('clientError', (e: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
      if (e.code === 'HPE_INVALID_METHOD' && e.rawPacket) refuse(e.rawPacket.toString('latin1', 0, Math.min(e.rawPacket.length, 8192)), socket);
      else socket.destroy();
    });
    pub.on('connect', (req, socket) => refuse(`CONNECT ${req.url ?? '/'} HTTP/1.1\r\n`, socket));
  }
  let publicUrl = '';
  let adminUrl = '';
  try {
    if (pub) publicUrl = await listen(pub, config.server.port, config.server.host);
    if (adm) adminUrl = await listen(adm, config.admin.port, config.admin.host);
    const h = config.admin.host;
    if (adm && !config.admin.token && !(h === 'localhost' || h === '::1' || h.startsWith('127.'))) {
      // Without a token only loopback clients are served: bound wider, the API answers nobody else.
      log.warn('admin listener bound beyond loopback without admin.token: it answers loopback clients only; set GATEWAY_ADMIN_TOKEN to reach it from elsewhere', { admin_bind: `${h}:${(adm.address() as AddressInfo).port}` });
    }
  } catch (e) {
    for (const x of servers) x.close();
    await Promise.allSettled([store.close(), wallet.close(), http.close()]);
    throw e;
  }

  return {
    publicUrl,
    adminUrl,
    providers: () => current,
    reload,
    store,
    wallet,
    log,
    metrics,
    initial,
    drainMs,
    async close() {
      // Graceful: stop accepting, keep closing idle keep-alive connections (answers in flight say
      // `Connection: close`), wait for every request being handled — bounded by the longest one
      // may run — and only then cut what is left and close the store and the wallet client.
      draining = true;
      const closed = Promise.all(servers.map((x) => new Promise<void>((r) => x.close(() => r()))));
      const idle = inflight === 0 ? Promise.resolve() : new Promise<void>((r) => (onIdle = r));
      const sweep = setInterval(() => {
        for (const x of servers) x.closeIdleConnections();
      }, 50);
      for (const x of servers) x.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((r) => (timer = setTimeout(r, drainMs)));
      await Promise.race([Promise.all([closed, idle]), bound]);
      clearTimeout(timer);
      clearInterval(sweep);
      if (inflight > 0) log.error('closing with requests still in flight', { requests: inflight, waited_ms: drainMs });
      for (const x of servers) x.closeAllConnections();
      await Promise.allSettled([store.close(), wallet.close(), http.destroy()]);
    },
  };
}
