/**
 * The `rollback-policy` stage: an unknown reference under `succeed` becomes a success with the
 * current balance and a deterministic gateway-made transaction id; anything else passes untouched.
 */
import t from 'tap';
import type { Handler, RequestContext } from '../../../gateway/pipeline/context.js';
import { noopTransactionId, rollbackPolicyStage } from '../../../gateway/pipeline/stages/rollback-policy.js';
import type { Outcome } from '../../../gateway/types.js';
import type { WalletCall, WalletClient } from '../../../gateway/wallet/wallet-client.js';

function fakeWallet(answer: Outcome): WalletClient & { calls: WalletCall[] } {
  const calls: WalletCall[] = [];
  return { describe: 'fake', calls, call: async (c) => (calls.push(c), answer), ping: async () => true, close: async () => {} };
}

function ctx(outcome: Outcome, canonical: RequestContext['canonical'] = { operation: 'rollback', transaction_id: 'rb-1', reference_transaction_id: 'b-1', idempotency_key: 'acme:rollback:rb-1', player_id: 'p-1', currency: 'EUR' }): RequestContext {
  return { requestId: 'req-1', method: 'POST', path: '/acme/rollback', query: '', headers: {}, raw: Buffer.alloc(0), now: 0, params: {}, canonical, outcome };
}

/** Runs the stage around a terminal that records the outcome it was handed. */
async function run(policy: 'succeed' | 'error', wallet: WalletClient, c: RequestContext): Promise<Outcome | undefined> {
  const stage = rollbackPolicyStage({ provider: 'acme', policy, wallet, timeoutMs: 250 });
  if (!stage) return c.outcome;
  let seen: Outcome | undefined;
  const terminal: Handler = async (x) => ((seen = x.outcome), { status: 200, body: '' });
  await stage.wrap(terminal)(c);
  return seen;
}

t.test('noopTransactionId: gw- + 24 hex digits, stable, distinct per key and per provider', async (tt) => {
  const id = noopTransactionId('acme', 'acme:rollback:rb-1');
  tt.match(id, /^gw-[0-9a-f]{24}$/);
  tt.equal(noopTransactionId('acme', 'acme:rollback:rb-1'), id, 'deterministic');
  tt.not(noopTransactionId('acme', 'acme:rollback:rb-2'), id, 'another key, another id');
  tt.not(noopTransactionId('other', 'acme:rollback:rb-1'), id, 'another provider, another id');
  // Pinned, so a change of the derivation (which would change ids already handed to providers) is caught.
  tt.equal(id, 'gw-' + (await import('node:crypto')).createHash('sha256').update('acme\nacme:rollback:rb-1').digest('hex').slice(0, 24));
});

t.test('error policy: no stage at all', async (tt) => {
  tt.equal(rollbackPolicyStage({ provider: 'acme', policy: 'error', wallet: fakeWallet({ class: 'success' }), timeoutMs: 1 }), undefined);
});

t.test('succeed: TRANSACTION_NOT_FOUND with a balance becomes a success carrying the gateway-made id', async (tt) => {
  const wallet = fakeWallet({ class: 'success', balance: '1' });
  const out = await run('succeed', wallet, ctx({ class: 'rejected', code: 'TRANSACTION_NOT_FOUND', balance: '42.5', currency: 'EUR' }));
  tt.same(out, { class: 'success', wallet_transaction_id: noopTransactionId('acme', 'acme:rollback:rb-1'), gateway_made: true, balance: '42.5', currency: 'EUR' });
  tt.equal(wallet.calls.length, 0, 'the rejection carried the balance: no extra call');
});

t.test('succeed: without a balance, the current balance is fetched for the player', async (tt) => {
  const wallet = fakeWallet({ class: 'success', balance: '10', currency: 'EUR' });
  const out = await run('succeed', wallet, ctx({ class: 'rejected', code: 'TRANSACTION_NOT_FOUND' }));
  tt.same(out, { class: 'success', wallet_transaction_id: noopTransactionId('acme', 'acme:rollback:rb-1'), gateway_made: true, balance: '10', currency: 'EUR' });
  tt.equal(wallet.calls.length, 1);
  tt.match(wallet.calls[0], { operation: 'balance', timeoutMs: 250, body: { operation: 'balance', player_id: 'p-1', currency: 'EUR', provider: 'acme' } });
  tt.notOk(wallet.calls[0]!.idempotencyKey, 'a balance read carries no idempotency key');
});

t.test('succeed: an uncertain balance look-up stays uncertain (not stored, the provider retries)', async (tt) => {
  const down: Outcome = { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: 'down' };
  const out = await run('succeed', fakeWallet(down), ctx({ class: 'rejected', code: 'TRANSACTION_NOT_FOUND' }));
  tt.same(out, down);
});

t.test('succeed: without a player, a success with the id and no balance', async (tt) => {
  const wallet = fakeWallet({ class: 'success', balance: '1' });
  const out = await run('succeed', wallet, ctx({ class: 'rejected', code: 'TRANSACTION_NOT_FOUND' }, { operation: 'rollback', transaction_id: 'rb-1', reference_wallet_transaction_id: 'w-1', idempotency_key: 'acme:rollback:rb-1' }));
  tt.same(out, { class: 'success', wallet_transaction_id: noopTransactionId('acme', 'acme:rollback:rb-1'), gateway_made: true });
  tt.equal(wallet.calls.length, 0);
});

t.test('succeed: other outcomes pass untouched', async (tt) => {
  const wallet = fakeWallet({ class: 'success', balance: '1' });
  const cases: Outcome[] = [
    { class: 'success', balance: '5', wallet_transaction_id: 'w-9' },
    { class: 'rejected', code: 'PLAYER_NOT_FOUND' },
    { class: 'uncertain', code: 'WALLET_UNAVAILABLE' },
  ];
  for (const o of cases) tt.same(await run('succeed', wallet, ctx(o)), o, o.code ?? o.class);
  tt.equal(wallet.calls.length, 0);
});
