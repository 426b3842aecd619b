/**
 * compile-route: the per-provider wallet timeout (`limits.wallet_timeout_ms`) reaches every wallet
 * call of the provider — the operation itself and a `succeed` rollback's balance look-up — and the
 * gateway-wide wallet.timeout_ms applies when the descriptor sets none.
 */
import t from 'tap';
import { compileProvider } from '../../gateway/compile/compile-provider.js';
import type { Descriptor } from '../../gateway/compile/descriptor.js';
import { DEFAULT_SETTINGS, type EngineDeps } from '../../gateway/compile/engine.js';
import type { ConfigProblem } from '../../gateway/compile/problem.js';
import { resolveSecrets } from '../../gateway/compile/resolve-secrets.js';
import { silentLogger } from '../../gateway/log.js';
import type { RequestContext } from '../../gateway/pipeline/context.js';
import { loadPlugins } from '../../gateway/plugins/load-plugins.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import type { Outcome } from '../../gateway/types.js';
import type { WalletCall, WalletClient } from '../../gateway/wallet/wallet-client.js';

function descriptor(limits?: Descriptor['limits']): Descriptor {
  return {
    id: 'acme',
    ...(limits ? { limits } : {}),
    routes: [
      { path: '/debit', operation: 'debit', map: { player_id: 'body.player', transaction_id: 'body.tx', amount: 'body.amount' } },
      { path: '/rollback', operation: 'rollback', map: { player_id: 'body.player', transaction_id: 'body.tx', reference_transaction_id: 'body.ref' }, rollback: { unknown_reference: 'succeed' } },
    ],
    responses: { default: { body: { id: { $from: 'outcome.wallet_transaction_id' }, made: { $from: 'outcome.gateway_made' } } } },
    errors: { body: { code: { $from: 'error.code' } }, default: { status: 500 } },
  };
}

async function compile(t: { teardown(fn: () => unknown): void }, d: Descriptor, answer: (c: WalletCall) => Outcome) {
  const calls: WalletCall[] = [];
  const wallet: WalletClient = { describe: 'fake', call: async (c) => (calls.push(c), answer(c)), ping: async () => true, close: async () => {} };
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const deps: EngineDeps = { store, wallet, log: silentLogger, settings: { ...DEFAULT_SETTINGS, walletTimeoutMs: 3000 }, env: {}, plugins: await loadPlugins([]), now: Date.now };
  const problems: ConfigProblem[] = [];
  const p = compileProvider(d, resolveSecrets(d.secrets, d.settings, {}, false), deps, problems);
  if (!p) throw new Error(problems.map((x) => x.message).join('; '));
  const post = async (sub: string, body: object) => {
    const m = p.match('POST', sub)!;
    const ctx: RequestContext = { requestId: 'r', method: 'POST', path: `/acme${sub}`, query: '', headers: {}, raw: Buffer.from(JSON.stringify(body)), now: Date.now(), params: m.params };
    const reply = await m.handler(ctx);
    return JSON.parse(reply.body) as Record<string, unknown>;
  };
  return { p, calls, post };
}

t.test('limits.wallet_timeout_ms is the timeout of every wallet call of the provider', async (tt) => {
  const { p, calls, post } = await compile(tt, descriptor({ wallet_timeout_ms: 1500 }), (c) =>
    c.operation === 'rollback' ? { class: 'rejected', code: 'TRANSACTION_NOT_FOUND' } : { class: 'success', balance: '1', wallet_transaction_id: 'w-1' });
  await post('/debit', { player: 'p', tx: 't1', amount: '1' });
  const rb = await post('/rollback', { player: 'p', tx: 'rb1', ref: 'nope' });
  tt.same(calls.map((c) => [c.operation, c.timeoutMs]), [['debit', 1500], ['rollback', 1500], ['balance', 1500]]);
  tt.match(rb, { id: /^gw-[0-9a-f]{24}$/, made: true }, 'the gateway-made id and flag are readable in templates');
  const wallet = p.routes.find((r) => r.route.name === 'debit')!.route.stages.find((s) => s.name === 'wallet')!;
  tt.match(wallet.detail, /timeout 1500ms/, 'inspect shows the effective timeout');
});

t.test('without the limit, wallet.timeout_ms applies', async (tt) => {
  const { calls, post } = await compile(tt, descriptor(), () => ({ class: 'success', balance: '1', wallet_transaction_id: 'w-1' }));
  await post('/debit', { player: 'p', tx: 't1', amount: '1' });
  tt.equal(calls[0]!.timeoutMs, 3000);
});
