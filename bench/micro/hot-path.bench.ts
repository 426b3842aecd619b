/**
 * Micro-benchmark of the gateway's per-request work on the shipped jackpot-rgs descriptor,
 * compiled exactly as the server compiles it (loadProviders): each stage of a debit alone, the
 * response and error renderers, the wallet-side JSON work, the audit line, and the whole compiled
 * pipeline in-process (memory store, a wallet that answers at once, no HTTP) — the gateway's own
 * CPU per request, which the end-to-end figure cannot separate from HTTP and the network.
 *
 *   node dist/bench/micro/hot-path.bench.js [iterations]
 */
import { createHmac, randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileAmountRules } from '../../gateway/compile/amount-rules.js';
import { compileTemplate } from '../../gateway/compile/compile-template.js';
import type { CompiledProvider } from '../../gateway/compile/compile-provider.js';
import type { Descriptor } from '../../gateway/compile/descriptor.js';
import { loadProviders } from '../../gateway/config/load-providers.js';
import { createSchemaChecker, loadSchemas } from '../../gateway/config/schema-check.js';
import { createError } from '../../gateway/errors.js';
import { parseJson } from '../../gateway/json/parse-json.js';
import { stringifyJson } from '../../gateway/json/stringify-json.js';
import { createLogger, silentLogger, type Logger } from '../../gateway/log.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import type { Handler, Reply, RequestContext, Stage } from '../../gateway/pipeline/context.js';
import { respondHandler } from '../../gateway/pipeline/stages/respond.js';
import { staticRegistry } from '../../gateway/plugins/registry.js';
import { engineSettings, type RuntimeConfig } from '../../gateway/server/gateway.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { classifyAnswer } from '../../gateway/wallet/classify-answer.js';
import type { WalletClient } from '../../gateway/wallet/wallet-client.js';
import { formatResult, measure, measureAsync, type MicroResult } from './measure.js';

const SECRET = 'micro-bench-secret';
const PATH = '/jackpot-rgs/callback/debit';
const WALLET_ANSWER = '{"balance":"997.50","currency":"USD","wallet_transaction_id":"w-123456"}';

/** A wallet that answers every call at once with a success (the pipeline's cost, not the wallet's). */
const instantWallet: WalletClient = {
  describe: 'instant (micro-bench)',
  call: () => Promise.resolve({ class: 'success', balance: '997.5', currency: 'USD', wallet_transaction_id: 'w-1' }),
  ping: () => Promise.resolve(true),
  close: () => Promise.resolve(),
};

function runtimeConfig(): RuntimeConfig {
  return {
    server: { host: '127.0.0.1', port: 0, body_limit_bytes: 65536, request_timeout_ms: 10_000 },
    admin: { host: '127.0.0.1', port: 0 },
    store: { url: 'memory://', prefix: 'gw:', idempotency_ttl_s: 604800, command_timeout_ms: 1000, await_timeout_ms: 2000, on_unavailable: { reads: 'pass' } },
    wallet: { url: 'http://127.0.0.1:1', timeout_ms: 3000, connections: 64, retry: { budget_ms: 10_000, initial_backoff_ms: 50, max_backoff_ms: 1000 } },
    providers: { dir: path.join(PACKAGE_ROOT, 'providers'), enabled: ['jackpot-rgs'] },
    log: { level: 'info' },
    currencies: {},
  };
}

/** The shipped jackpot-rgs descriptor compiled the way the server does, with `log` as the audit sink. */
async function compileJackpot(log: Logger): Promise<CompiledProvider> {
  const config = runtimeConfig();
  const r = await loadProviders({
    dir: config.providers.dir,
    enabled: ['jackpot-rgs'],
    checker: createSchemaChecker(await loadSchemas()),
    deps: { store: new MemoryStore(), wallet: instantWallet, log, settings: engineSettings(config), env: { JACKPOT_RGS_HMAC_SECRET: SECRET }, plugins: staticRegistry([]), now: Date.now },
  });
  const p = r.providers.find((x) => x.id === 'jackpot-rgs');
  if (!p) throw new Error(`jackpot-rgs did not compile: ${JSON.stringify(r.diagnostics)}`);
  return p;
}

interface Signed {
  raw: Buffer;
  headers: Record<string, string>;
}

function debitBody(i: number): string {
  return `{"requestId":"q-${i}","playerId":"p-${i % 1000}","transactionId":"t-${i}","roundId":"r-${i}","gameCode":"dice-alpha","amount":"2.50"}`;
}

function sign(body: string, ts: string): Signed {
  return {
    raw: Buffer.from(body),
    headers: { 'content-type': 'application/json', 'x-timestamp': ts, 'x-hmac-sha256': createHmac('sha256', SECRET).update(ts + PATH + body).digest('hex') },
  };
}

function ctxOf(s: Signed, now: number): RequestContext {
  return { requestId: '2b1f0c1e-7d1a-4c55-9a0e-2f3b6c8d1e47', method: 'POST', path: PATH, query: '', headers: s.headers, raw: s.raw, now, params: {} };
}

function stage(stages: readonly Stage[], name: string): Stage {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name} in ${stages.map((x) => x.name).join(', ')}`);
  return s;
}

export interface HotPathOptions {
  /** Timed iterations per case. Default 100 000. */
  iterations?: number;
  log?: (line: string) => void;
}

/**
 * @example const results = await run({ iterations: 20_000, log: () => {} });
 */
export async function run(options: HotPathOptions = {}): Promise<MicroResult[]> {
  const n = options.iterations ?? 100_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const p = await compileJackpot(silentLogger);
  const pAudit = await compileJackpot(createLogger('info', () => {}));
  const debit = p.routes.find((r) => r.route.operation === 'debit')!;
  const shared = debit.shared;
  const own = debit.route.stages;

  const tsSeconds = Math.floor(Date.now() / 1000);
  const ts = String(tsSeconds);
  // ctx.now is frozen per request: the timestamp window holds however long the cases run.
  const now = tsSeconds * 1000;
  const one = sign(debitBody(1), ts);
  const parsed = parseJson(one.raw);
  const ok: Reply = { status: 200, body: '' };
  const done: Handler = () => Promise.resolve(ok);

  const verifySig = stage(shared, 'verify-signature').wrap(done);
  const verifyTs = stage(shared, 'verify-timestamp').wrap(done);
  const parse = stage(shared, 'parse-json').wrap(done);
  const map = stage(own, 'map-request').wrap(done);

  const d = p.descriptor as Descriptor;
  const amounts = compileAmountRules(d.amounts, {});
  const render = compileTemplate(d.responses!.default!.body, ['responses', 'default', 'body'], { amounts, settings: {} });
  const respond = respondHandler({ status: 200, headers: { 'content-type': 'application/json' }, body: render, errors: p.errors });

  const mapped = ctxOf(one, now);
  mapped.body = parsed;
  await map(mapped);
  const canonical = mapped.canonical!;
  const walletBody = { request_id: mapped.requestId, provider: 'jackpot-rgs', ...canonical };
  const success = { ...mapped, outcome: { class: 'success' as const, balance: '997.5', currency: 'USD', wallet_transaction_id: 'w-1' } };

  // Unique signed debits for the whole-pipeline cases (each iteration a new transaction).
  const total = n + Math.max(1000, Math.floor(n / 10)) + 10;
  const bodies: Signed[] = Array.from({ length: total }, (_, i) => sign(debitBody(i + 10), ts));
  const handler = p.match('POST', '/callback/debit')!.handler;
  const handlerAudit = pAudit.match('POST', '/callback/debit')!.handler;
  let i = 0;
  let j = 0;
  // The replay case: one debit decided once, then retried.
  await handler(ctxOf(one, now));

  const auditFields = { provider: 'jackpot-rgs', route: 'debit', operation: 'debit', request_id: mapped.requestId, transaction_id: 't-1', reference_transaction_id: undefined, player_id: 'p-1', amount: '2.5', currency: undefined, outcome: 'success', code: undefined, wallet_transaction_id: 'w-1', replayed: false, latency_ms: 0.42 };
  const auditLog = createLogger('info', () => {});

  const expect = (r: Reply): Reply => {
    if (r.status !== 200 || !r.body.includes('"status":"OK"')) throw new Error(`unexpected reply ${r.status} ${r.body}`);
    return r;
  };
  const results: MicroResult[] = [
    measure('HMAC-SHA256 hex over ts+path+body   [node:crypto]', n, () => createHmac('sha256', SECRET).update(ts + PATH).update(one.raw).digest()),
    await measureAsync('verify-signature stage', n, () => verifySig(ctxOf(one, now))),
    await measureAsync('verify-timestamp stage', n, () => verifyTs(ctxOf(one, now))),
    await measureAsync('parse-json stage (120 B body)', n, () => parse(ctxOf(one, now))),
    await measureAsync('map-request stage (jackpot debit → canonical)', n, () => {
      const c = ctxOf(one, now);
      c.body = parsed;
      return map(c);
    }),
    measure('wallet body: stringifyJson(canonical)', n, () => stringifyJson(walletBody)),
    measure('wallet answer: classifyAnswer(200, JSON)', n, () => classifyAnswer('debit', 200, WALLET_ANSWER)),
    await measureAsync('respond: render success (template + JSON)', n, () => respond(success)),
    measure('errors.render (DUPLICATE_TRANSACTION envelope)', n, () => p.errors.render(mapped, createError('GW_ERR_IDEM_CONFLICT'))),
    measure('audit line (JSON.stringify, write discarded)', n, () => auditLog.audit(auditFields)),
    measure('randomUUID() request id', n, () => randomUUID()),
    await measureAsync('pipeline: unique debit, memory store, no audit', n, () => handler(ctxOf(bodies[i++ % total]!, now)).then(expect)),
    await measureAsync('pipeline: unique debit, memory store, audit at info', n, () => handlerAudit(ctxOf(bodies[j++ % total]!, now)).then(expect)),
    await measureAsync('pipeline: retried duplicate (replay), memory store', n, () => handler(ctxOf(one, now)).then(expect)),
  ];
  log(`hot-path micro-benchmark: jackpot-rgs debit (node ${process.version}, ${n} iterations, best of 5 rounds)`);
  for (const r of results) log(formatResult(r));
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const iterations = process.argv[2] === undefined ? undefined : Number.parseInt(process.argv[2], 10);
  await run(iterations === undefined ? {} : { iterations });
}
