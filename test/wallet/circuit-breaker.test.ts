/** The wallet circuit breaker on a frozen clock: opens, answers without calling, probes, closes. */
import t from 'tap';
import { silentLogger } from '../../gateway/log.js';
import type { Outcome } from '../../gateway/types.js';
import { CircuitBreakerWallet } from '../../gateway/wallet/circuit-breaker.js';
import type { WalletCall, WalletClient } from '../../gateway/wallet/wallet-client.js';

function rig() {
  let now = 1_000_000;
  let next: Outcome = { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: 'down' };
  let calls = 0;
  const inner: WalletClient = { describe: 'stub', call: async () => ((calls++), next), ping: async () => true, close: async () => {} };
  const b = new CircuitBreakerWallet(inner, { failures: 3, windowMs: 1000, coolOffMs: 500 }, silentLogger, () => now);
  const call = (operation: WalletCall['operation'] = 'debit') => b.call({ operation, body: {}, requestId: 'r', timeoutMs: 100 });
  return { b, call, advance: (ms: number) => void (now += ms), set: (o: Outcome) => void (next = o), calls: () => calls };
}

t.test('three uncertain outcomes within the window open the circuit: no wallet call until the cool-off ends', async (t) => {
  const r = rig();
  for (let i = 0; i < 3; i++) await r.call();
  t.equal(r.calls(), 3);
  const refused = await r.call();
  t.equal(refused.class, 'uncertain');
  t.match(refused.message, /circuit open/);
  t.equal(r.calls(), 3, 'not called while open');
  t.same(r.b.openCircuits(), ['debit']);
  t.equal((await r.call('credit')).message, 'down', 'per operation: credits still go through');
});

t.test('failures outside the window do not add up', async (t) => {
  const r = rig();
  await r.call();
  await r.call();
  r.advance(1500);
  await r.call();
  await r.call();
  t.same(r.b.openCircuits(), [], 'two plus two, a window apart');
});

t.test('after the cool-off one probe goes through: an answer closes, uncertain reopens', async (t) => {
  const r = rig();
  for (let i = 0; i < 3; i++) await r.call();
  r.advance(600);
  const probe = await r.call();
  t.equal(r.calls(), 4, 'one probe');
  t.equal(probe.message, 'down');
  t.same(r.b.openCircuits(), ['debit'], 'still down: open again');
  t.match((await r.call()).message, /circuit open/);
  r.advance(600);
  r.set({ class: 'rejected', code: 'INSUFFICIENT_FUNDS' });
  t.equal((await r.call()).class, 'rejected', 'a rejection is an answer');
  t.same(r.b.openCircuits(), [], 'closed');
  r.set({ class: 'success', balance: '1' });
  t.equal((await r.call()).class, 'success');
});
