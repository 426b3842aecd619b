/**
 * What one instance decided binds the other (two real gateway processes sharing one Redis, one
 * stub wallet): a transaction id reused with another payload on the other instance is a conflict
 * (done or still in flight), a rollback placed on one instance refuses the late debit on the other,
 * a rollback on one waits for the debit still in flight on the other, and debit/rollback races
 * split across the two always leave the ledger exact.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { predictionHeaders } from '../../helpers/sign.js';
import type { WalletCallRecord } from '../../helpers/stub-wallet.js';
import { crashSigns, PREDICTION_SECRET, sharedRedisSetup, startGateways } from './rig.js';

const rig = await sharedRedisSetup(t, { 'player-1': { currency: 'USD', balance: '100.00' }, 'player-2': { currency: 'USD', balance: '100.00' }, 'bettor-1': { currency: 'USD', balance: '100.00' } });
if (rig) {
  const { url, prefix, wallet } = rig;
  const [a, b] = await startGateways(t, 2, { storeUrl: url, prefix, walletUrl: wallet.url, enabled: ['jackpot-rgs', 'prediction-markets'] });
  const run = randomBytes(4).toString('hex');
  const id = (s: string) => `${run}-${s}`;
  const debit = (tx: string, amount: string, requestId: string, playerId = 'player-1') => ({ requestId, playerId, transactionId: id(tx), roundId: `r-${tx}`, gameCode: 'dice-alpha', amount });
  const rollback = (tx: string, requestId: string, playerId = 'player-1') => ({ requestId, playerId, transactionId: id(tx), roundId: `r-${tx}`, gameCode: 'dice-alpha' });
  const callsOf = (op: string, tx: string) => wallet.callsOf(op).filter((c) => c.body.transaction_id === id(tx));
  /** Holds the wallet's answer to calls matching `match` for `ms` (the stub reads delayMs right after the fault function). */
  const holdWhen = (match: (c: WalletCallRecord) => boolean, ms: number, onArrive?: () => void) => {
    wallet.fault = (call) => {
      if (match(call)) {
        onArrive?.();
        wallet.delayMs = ms;
        queueMicrotask(() => (wallet.delayMs = 0));
      }
      return 'none';
    };
  };
  t.afterEach(() => {
    wallet.fault = 'none';
    wallet.delayMs = 0;
  });

  t.test('same id, another amount on the other instance after the first was decided: conflict, nothing forwarded', async (t) => {
    const first = await a.jackpot('debit', debit('c1', '1.00', 'c1-a'));
    t.same(first.body, { requestId: 'c1-a', status: 'OK', balance: '99.00' });
    const other = await b.jackpot('debit', debit('c1', '2.00', 'c1-b'));
    t.equal(other.status, 200);
    t.same(other.body, { requestId: 'c1-b', status: 'DUPLICATE_TRANSACTION' }, 'TRANSACTION_CONFLICT in the jackpot envelope');
    const otherPlayer = await b.jackpot('debit', debit('c1', '1.00', 'c1-p2', 'player-2'));
    t.same(otherPlayer.body, { requestId: 'c1-p2', status: 'DUPLICATE_TRANSACTION' }, 'another player is another payload');
    const same = await b.jackpot('debit', debit('c1', '1.00', 'c1-b2'));
    t.same(same.body, { requestId: 'c1-b2', status: 'OK', balance: '99.00' }, 'the identical payload replays');
    t.equal(callsOf('debit', 'c1').length, 1, 'one wallet call');
    t.equal(b.audit().find((l) => l.request_id !== undefined && l.transaction_id === id('c1') && l.code === 'TRANSACTION_CONFLICT')?.outcome, 'rejected', 'B audited the conflict');
    t.equal(wallet.balance('player-1'), '99.00');
    t.equal(wallet.balance('player-2'), '100.00');
  });

  t.test('same id, another amount on the other instance while the first is in flight: conflict at once, nothing forwarded', async (t) => {
    let arrived!: () => void;
    const atWallet = new Promise<void>((r) => (arrived = r));
    holdWhen((c) => c.body.transaction_id === id('c2'), 400, arrived);
    let firstDone = false;
    const first = a.jackpot('debit', debit('c2', '1.00', 'c2-a')).finally(() => (firstDone = true));
    await atWallet;
    const other = await b.jackpot('debit', debit('c2', '3.00', 'c2-b'));
    t.same(other.body, { requestId: 'c2-b', status: 'DUPLICATE_TRANSACTION' });
    t.notOk(firstDone, `answered while the first was still at the wallet, without waiting for it (${Math.round(other.ms)} ms)`);
    t.same((await first).body, { requestId: 'c2-a', status: 'OK', balance: '98.00' });
    t.equal(callsOf('debit', 'c2').length, 1);
    t.equal(wallet.balance('player-1'), '98.00');
  });

  t.test('rollback first on A, the late debit on B: refused, never forwarded', async (t) => {
    const rb = await a.jackpot('rollback', rollback('r1', 'r1-rb'));
    t.same(rb.body, { requestId: 'r1-rb', status: 'OK', balance: '98.00' }, 'unknown reference: OK with the current balance');
    t.equal(callsOf('rollback', 'r1').length, 1, 'the rollback was forwarded once');
    const late = await b.jackpot('debit', debit('r1', '5.00', 'r1-late'));
    t.equal(late.status, 200);
    t.same(late.body, { requestId: 'r1-late', status: 'DUPLICATE_TRANSACTION' }, 'TRANSACTION_ROLLED_BACK in the jackpot envelope');
    const lateOnA = await a.jackpot('debit', debit('r1', '5.00', 'r1-late-a'));
    t.same(lateOnA.body, { requestId: 'r1-late-a', status: 'DUPLICATE_TRANSACTION' }, 'on A too');
    t.equal(callsOf('debit', 'r1').length, 0, 'the late debit never reached the wallet');
    const again = await b.jackpot('rollback', rollback('r1', 'r1-rb2'));
    t.same(again.body, { requestId: 'r1-rb2', status: 'OK', balance: '98.00' }, 'the repeated rollback on B answers the same');
    t.equal(callsOf('rollback', 'r1').length, 1, 'without reaching the wallet');
    t.equal(b.audit().find((l) => l.transaction_id === id('r1') && l.operation === 'debit')?.code, 'TRANSACTION_ROLLED_BACK');
    t.equal(wallet.balance('player-1'), '98.00');
  });

  t.test('rollback on A while its debit is in flight on B: the rollback waits for it, then reverses it', async (t) => {
    let arrived!: () => void;
    const atWallet = new Promise<void>((r) => (arrived = r));
    holdWhen((c) => c.operation === 'debit' && c.body.transaction_id === id('r2'), 400, arrived);
    const d = b.jackpot('debit', debit('r2', '10.00', 'r2-d'));
    await atWallet;
    const rb = await a.jackpot('rollback', rollback('r2', 'r2-rb'));
    const dr = await d;
    t.same(dr.body, { requestId: 'r2-d', status: 'OK', balance: '88.00' }, 'the debit went through');
    t.same(rb.body, { requestId: 'r2-rb', status: 'OK', balance: '98.00' }, 'then the rollback reversed it');
    t.ok(rb.ms >= 250, `the rollback waited for the debit (${Math.round(rb.ms)} ms)`);
    t.equal(callsOf('debit', 'r2').length, 1);
    t.equal(callsOf('rollback', 'r2').length, 1);
    const rbCall = wallet.callsOf('rollback').findIndex((c) => c.body.transaction_id === id('r2'));
    const dCall = wallet.callsOf('debit').findIndex((c) => c.body.transaction_id === id('r2'));
    t.ok(rbCall >= 0 && dCall >= 0, 'both forwarded');
    t.equal(wallet.balance('player-1'), '98.00');
  });

  t.test('20 debit/rollback races split across the instances: each id ends debited-and-reversed or refused; ledger exact', async (t) => {
    wallet.delayMs = 15;
    const n = 20;
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const [dg, rg] = i % 2 ? [a, b] : [b, a];
      const tx = `race-${i}`;
      const [d, rb] = await Promise.all([dg.jackpot('debit', debit(tx, '3.00', `${tx}-d`, 'player-2')), rg.jackpot('rollback', rollback(tx, `${tx}-rb`, 'player-2'))]);
      return { tx, d, rb };
    }));
    wallet.delayMs = 0;
    let debitedThenReversed = 0;
    let refused = 0;
    for (const { tx, d, rb } of results) {
      t.equal(rb.status, 200, `${tx}: the rollback succeeds`);
      const debits = callsOf('debit', tx).length;
      if (d.body.status === 'OK') {
        debitedThenReversed++;
        t.equal(debits, 1, `${tx}: debit forwarded once`);
        t.equal(callsOf('rollback', tx).length, 1, `${tx}: and rolled back once`);
      } else {
        refused++;
        t.same(d.body, { requestId: `${tx}-d`, status: 'DUPLICATE_TRANSACTION' }, `${tx}: the debit came after the rollback and was refused`);
        t.equal(debits, 0, `${tx}: never forwarded`);
      }
    }
    t.comment(`races: ${debitedThenReversed} debited then reversed, ${refused} refused after the rollback`);
    t.equal(wallet.balance('player-2'), '100.00', 'ledger exact: every debit that happened was reversed');
    // Retries of both sides answer what was decided, on either instance, without reaching the wallet.
    const callsBefore = wallet.calls.length;
    for (const { tx, d, rb } of results.slice(0, 6)) {
      const d2 = await a.jackpot('debit', debit(tx, '3.00', `${tx}-d2`, 'player-2'));
      const rb2 = await b.jackpot('rollback', rollback(tx, `${tx}-rb2`, 'player-2'));
      t.equal(d2.body.status, d.body.status, `${tx}: debit retry answers the same`);
      t.same(rb2.body, { ...rb.body, requestId: `${tx}-rb2` }, `${tx}: rollback retry answers the same`);
    }
    t.equal(wallet.calls.length, callsBefore, 'retries were answered from the shared records');
  });

  t.test('prediction-markets: a withdrawal through A rolled back through B by the wallet transaction id (the shared index)', async (t) => {
    const body = JSON.stringify({ transaction_id: id('pm-1'), bettor_id: 'bettor-1', amount: '12.00', currency: 'USD' });
    const w = await a!.send('POST', '/prediction-markets/v1/withdrawals', body, predictionHeaders(PREDICTION_SECRET, body));
    t.equal(w.status, 200);
    t.match(w.body, { transaction_id: /\S+/, balance: '88.00' });
    const wtx = w.body.transaction_id as string;
    const del = (g: typeof a) => g!.send('DELETE', `/prediction-markets/v1/rollbacks/${wtx}`, '', predictionHeaders(PREDICTION_SECRET, ''));
    const rb = await del(b);
    t.equal(rb.status, 200, 'B resolved the wallet id A indexed');
    t.match(rb.body, { balance: '100.00' });
    t.equal(wallet.callsOf('rollback').filter((c) => c.body.reference_wallet_transaction_id === wtx).length, 1, 'forwarded once');
    t.match(wallet.callsOf('rollback').find((c) => c.body.reference_wallet_transaction_id === wtx)!.body, { reference_transaction_id: id('pm-1') }, 'with the provider transaction it reverses');
    const again = await del(a);
    t.same(again.body, rb.body, 'the repeat on A answers the same');
    t.equal(wallet.callsOf('rollback').filter((c) => c.body.reference_wallet_transaction_id === wtx).length, 1, 'without reaching the wallet');
    const replayed = await b!.send('POST', '/prediction-markets/v1/withdrawals', body, predictionHeaders(PREDICTION_SECRET, body));
    t.same(replayed.body, w.body, 'a retry of the withdrawal (new nonce) replays its original answer on B');
    t.equal(wallet.callsOf('debit').filter((c) => c.body.transaction_id === id('pm-1')).length, 1);
    t.equal(wallet.balance('bettor-1'), '100.00', 'ledger: withdrawn once, reversed once');
  });

  t.test('both processes still running, nothing alarming on stderr', async (t) => {
    for (const g of [a!, b!]) {
      t.ok(g.alive(), `${g.name} alive`);
      t.same(crashSigns(g.stderr()), [], `${g.name}: clean stderr`);
    }
  });
}
