/**
 * Two real gateway processes sharing one Redis (one key prefix) in front of one stub canonical
 * wallet behave as one gateway: 50 concurrent identical jackpot-rgs debits split across them reach
 * the wallet once and all answer the same; 50 different debits split across them all go through.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { crashSigns, sharedRedisSetup, startGateways } from './rig.js';

const rig = await sharedRedisSetup(t, { 'player-1': { currency: 'USD', balance: '1000.00' } });
if (rig) {
  const { url, prefix, wallet } = rig;
  const [a, b] = await startGateways(t, 2, { storeUrl: url, prefix, walletUrl: wallet.url });
  const run = randomBytes(4).toString('hex');
  const debit = (tx: string, amount: string, requestId: string) => ({ requestId, playerId: 'player-1', transactionId: `${run}-${tx}`, roundId: `r-${tx}`, gameCode: 'dice-alpha', amount });

  t.test('50 concurrent identical debits split across two instances: one wallet call, 50 identical answers', async (t) => {
    wallet.delayMs = 150; // the wallet is slow enough for every duplicate to arrive while the first is in flight
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).jackpot('debit', debit('same', '2.00', `dup-${i}`))));
    const took = performance.now() - started;
    wallet.delayMs = 0;
    t.comment(`50 identical debits over 2 instances: ${Math.round(took)} ms, ${wallet.callsOf('debit').length} wallet call(s)`);
    t.equal(wallet.callsOf('debit').length, 1, 'exactly one wallet call');
    answers.forEach((r, i) => {
      t.equal(r.status, 200, `answer ${i}: 200`);
      t.same(r.body, { requestId: `dup-${i}`, status: 'OK', balance: '998.00' }, `answer ${i}: OK, the one balance, its own requestId`);
    });
    t.equal(wallet.balance('player-1'), '998.00', 'ledger: debited once');
    const audits = [...a.audit(), ...b.audit()].filter((l) => l.transaction_id === `${run}-same`);
    t.equal(audits.length, 50, 'one audit line per request, over both processes');
    t.equal(audits.filter((l) => !l.replayed).length, 1, 'one request forwarded, 49 answered from the shared record');
    t.ok(a.audit().some((l) => l.transaction_id === `${run}-same`) && b.audit().some((l) => l.transaction_id === `${run}-same`), 'both instances answered some');

    const late = await b.jackpot('debit', debit('same', '2.00', 'late'));
    t.same(late.body, { requestId: 'late', status: 'OK', balance: '998.00' }, 'a later retry replays the same outcome');
    t.equal(wallet.callsOf('debit').length, 1);
  });

  t.test('50 concurrent different debits split across two instances: 50 wallet calls, balance exact', async (t) => {
    const before = wallet.callsOf('debit').length;
    wallet.delayMs = 20;
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).jackpot('debit', debit(`many-${i}`, '1.00', `many-${i}`))));
    const took = performance.now() - started;
    wallet.delayMs = 0;
    t.comment(`50 different debits over 2 instances: ${Math.round(took)} ms`);
    t.equal(wallet.callsOf('debit').length - before, 50, '50 wallet calls');
    const keys = new Set(wallet.callsOf('debit').slice(before).map((c) => c.headers['idempotency-key']));
    t.equal(keys.size, 50, 'each with its own idempotency key');
    answers.forEach((r, i) => {
      t.equal(r.status, 200, `answer ${i}: 200`);
      t.match(r.body, { requestId: `many-${i}`, status: 'OK', balance: /^\d+\.\d\d$/ }, `answer ${i}: OK`);
    });
    const balances = answers.map((r) => Number(r.body.balance)).sort((x, y) => y - x);
    t.same(balances, Array.from({ length: 50 }, (_, i) => 997 - i), 'every intermediate balance seen exactly once');
    t.equal(wallet.balance('player-1'), '948.00', 'ledger: 998.00 − 50 × 1.00');
  });

  t.test('both processes still running, nothing alarming on stderr', async (t) => {
    for (const g of [a, b]) {
      t.ok(g.alive(), `${g.name} alive`);
      t.same(crashSigns(g.stderr()), [], `${g.name}: clean stderr`);
    }
  });
}
