/** `gateway serve`: start both listeners and print what is mounted, with a signed example. */
import { resolveSecrets } from '../compile/resolve-secrets.js';
import { signRequest } from '../compile/sign-request.js';
import cluster from 'node:cluster';
import { createLogger } from '../log.js';
import { ConfigError, formatDiagnostic } from '../errors.js';
import { runWorker, WorkerPool } from '../server/cluster.js';
import { drainMsOf, isSandboxWallet, startGateway, type GatewayHandle } from '../server/gateway.js';
import { cliContext } from './context.js';
import { sampleRequest } from './sample-request.js';

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** A curl line for the first read route of the first provider whose recipe the gateway can sign. */
export function exampleCurl(g: GatewayHandle, env: Readonly<Record<string, string | undefined>>, sandbox: boolean): string | undefined {
  for (const p of g.providers().byId.values()) {
    const d = p.descriptor;
    // Only a provider running entirely on its descriptor's sandbox secrets: a live credential or a
    // replayable live signature must never reach a console or a log collector.
    if (!sandbox || p.sandboxed.length === 0 || p.sandboxed.length < Object.keys(d.secrets ?? {}).length) continue;
    const route = d.routes.find((r) => r.operation === 'balance') ?? d.routes.find((r) => r.operation === 'authenticate') ?? d.routes[0]!;
    const sample = sampleRequest(d, route);
    const path = `/${d.id}${sample.path}`;
    const resolved = resolveSecrets(d.secrets, d.settings, env, sandbox);
    const { headers, signed } = signRequest(d, resolved, { method: route.method ?? 'POST', path, body: Buffer.from(sample.body), now: Date.now() });
    if (!signed) continue;
    const h = Object.entries(headers).map(([k, v]) => `-H ${shellQuote(`${k}: ${v}`)}`).join(' ');
    return `curl -sS -X ${route.method ?? 'POST'} ${g.publicUrl}${path} ${h}${sample.body ? ` --data-raw ${shellQuote(sample.body)}` : ''}`;
  }
  return undefined;
}

export async function serve(configFile: string | undefined): Promise<number> {
  if (cluster.isWorker) return serveWorker(configFile);
  const c = await cliContext(configFile);
  const workers = c.config.server.workers ?? 1;
  const log = createLogger(c.config.log.level);
  // A stopping worker may take as long as its requests in flight may take (its drain) before it
  // is killed.
  const pool = workers > 1 ? new WorkerPool({ workers, log, stopTimeoutMs: drainMsOf(c.config) + 5000 }) : undefined;
  // With workers, this process keeps the admin API and the compiled descriptors; the workers serve.
  const g = await startGateway({ config: c.config, env: c.env, checker: c.checker, log, ...(pool ? { publicListener: false, cluster: pool } : {}) });
  const sandbox = isSandboxWallet(c.config);
  for (const w of g.initial.warnings) log.warn(w);
  if (sandbox) log.warn('SANDBOX WALLET: wallet.url is `sandbox` — an in-memory demo ledger answers; no real money moves');
  for (const d of g.initial.disabled) log.warn('provider disabled', { provider: d.id, file: d.file, reason: d.reason });
  let publicUrl = g.publicUrl;
  if (pool) {
    try {
      publicUrl = await pool.start();
    } catch (e) {
      await g.close();
      throw e;
    }
  }
  const routes: string[] = [];
  for (const p of g.providers().byId.values()) {
    for (const { route } of p.routes) routes.push(`${route.method.padEnd(6)} ${publicUrl}/${p.id}${route.path}${route.when ? ` [${Object.entries(route.when).map(([k, v]) => `${k}=${String(v)}`).join(', ')}]` : ''} → ${route.operation}`);
  }
  log.info('gateway listening', { public: publicUrl, admin: g.adminUrl, admin_bind: c.config.admin.host, store: g.store.kind, wallet: g.wallet.describe, providers: [...g.providers().byId.keys()], workers });
  if (log.enabled('info')) {
    process.stdout.write(`\nMounted routes:\n${routes.map((r) => `  ${r}`).join('\n')}\n`);
    const curl = exampleCurl(g, c.env, sandbox);
    if (curl) process.stdout.write(`\nTry a signed request (valid for the provider's timestamp window):\n  ${curl}\n\n`);
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { signal: sig });
      void (pool ? pool.stop() : Promise.resolve()).then(() => g.close()).then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => {
      void g.reload().then((r) => {
        if (r.partial) log.error('reload incomplete: the workers differ until a reload succeeds everywhere', { errors: r.errors });
      });
    });
  });
  return 0;
}

/** A worker of `server.workers` > 1: the public listener only, driven by the primary. */
async function serveWorker(configFile: string | undefined): Promise<number> {
  // GATEWAY_WORKER is set by the primary (cluster.ts); every line this worker writes carries it.
  const base = { worker: Number(process.env.GATEWAY_WORKER) || 0 };
  // Until the config is read, start-up failures are logged at the default level.
  const log = createLogger(process.env.GATEWAY_LOG_LEVEL === 'silent' ? 'silent' : 'info', undefined, base);
  return runWorker(
    log,
    async () => {
      const c = await cliContext(configFile);
      const workerLog = createLogger(c.config.log.level, undefined, base);
      return startGateway({ config: c.config, env: c.env, checker: c.checker, log: workerLog, adminListener: false });
    },
    (e) => (e instanceof ConfigError ? e.diagnostics.map(formatDiagnostic).join('; ') : e instanceof Error ? e.message : String(e)),
  );
}
