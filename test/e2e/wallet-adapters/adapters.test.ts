/**
 * The gateway in front of two legacy wallets it reaches through the shipped example adapters:
 * LedgerPro (REST, integer minor units, HTTP errors, honours Idempotency-Key) and StatusWallet
 * (HTTP 200 + status, HMAC-signed, NOT idempotent, with a status query). Every operation, the error
 * rows, amounts per currency, signing checked by the stub, the idempotency key's placement, and the
 * answers lost after the wallet applied a call: exactly one effect.
 */
import t from 'tap';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { predictionHeaders, solexHeaders, sportsbookHeaders } from '../../helpers/sign.js';
import { adapterProblems, adapterRig, effects, WALLETS_DIR, txOf, walletVariant, walletWith, withoutStatusQueries, type AdapterName } from './rig.js';

const debit = (tx: string, amount: string, player = 'player-1', requestId = `rq-${tx}`) => ({ requestId, playerId: player, transactionId: tx, roundId: `r-${tx}`, gameCode: 'dice', amount });

for (const name of ['ledgerpro', 'statuswallet'] as AdapterName[]) {
  t.test(`${name}: every operation through jackpot-rgs`, async (t) => {
    const r = await adapterRig(t, name);
    const auth = await r.jackpot('authenticate', { requestId: 'a1', playerId: 'player-1', currency: 'USD', gameCode: 'dice' });
    t.match(auth.body, { status: 'OK', balance: '1000.00' }, JSON.stringify(auth.body));
    if (name === 'ledgerpro') t.match(auth.body, { name: 'Demo Player One', countryCode: 'US' }, 'player details mapped');
    t.same((await r.jackpot('balance', { requestId: 'b1', playerId: 'player-1' })).body, { requestId: 'b1', status: 'OK', balance: '1000.00' });
    t.same((await r.jackpot('debit', debit('d1', '1.50'))).body, { requestId: 'rq-d1', status: 'OK', balance: '998.50' });
    t.equal(r.wallet.balance('player-1'), '998.50', 'the legacy ledger moved');
    const sent = r.wallet.calls.filter((c) => c.applied).at(-1)!;
    if (name === 'ledgerpro') {
      t.equal(sent.body.amount_minor, 150, '1.50 USD as 150 minor units');
      t.equal(sent.headers['idempotency-key'], 'jackpot-rgs:debit:d1', 'the gateway key in Idempotency-Key');
      t.equal(sent.body.currency, 'USD', 'the currency learned from the wallet (the RGS sends none)');
      t.equal(sent.headers.authorization, 'Bearer ledgerpro-test-token');
    } else {
      t.equal(sent.body.amount, '1.50', 'a decimal string with the currency decimals');
      t.equal(sent.body.txid, 'jackpot-rgs:d1', 'the provider id under the provider name: one txid namespace for every provider');
      t.ok(sent.answer && JSON.parse(sent.answer.text).status === 'OK', 'the stub verified the HMAC');
    }
    t.same((await r.jackpot('credit', { ...debit('c1', '0'), roundClosed: true })).body, { requestId: 'rq-c1', status: 'OK', balance: '998.50' }, 'a zero credit is real');
    t.same((await r.jackpot('rollback', { requestId: 'rb1', playerId: 'player-1', transactionId: 'd1', roundId: 'r-d1', gameCode: 'dice' })).body, { requestId: 'rb1', status: 'OK', balance: '1000.00' });
    t.equal(r.wallet.balance('player-1'), '1000.00');
    t.same((await r.jackpot('debit', debit('d1', '1.50', 'player-1', 'again'))).body, { requestId: 'again', status: 'OK', balance: '998.50' }, 'a retry replays the first answer');
  });

  t.test(`${name}: the wallet's own errors become canonical ones`, async (t) => {
    const r = await adapterRig(t, name);
    t.equal((await r.jackpot('debit', debit('big', '5000.00'))).body.status, 'INSUFFICIENT_FUNDS');
    t.equal((await r.jackpot('balance', { requestId: 'x', playerId: 'nobody' })).body.status, 'PLAYER_NOT_FOUND');
    t.equal((await r.jackpot('debit', debit('blk', '1.00', 'player-blocked'))).body.status, 'PLAYER_BLOCKED');
    const unknown = await r.jackpot('rollback', { requestId: 'u', playerId: 'player-1', transactionId: 'never', roundId: 'r', gameCode: 'dice' });
    t.same(unknown.body, { requestId: 'u', status: 'OK', balance: '1000.00' }, 'a rollback of an unknown debit: OK with the balance (descriptor policy)');
    const late = await r.jackpot('debit', debit('never', '1.00'));
    t.equal(late.body.status, 'DUPLICATE_TRANSACTION', 'the tombstone refuses the late debit');
    t.equal(r.wallet.calls.filter((c) => txOf(c) === 'never').filter((c) => c.method === 'POST' && !c.path.includes('refund')).length, 0, 'the late debit never reached the wallet');
  });

  t.test(`${name}: amounts per currency — USD, JPY, KWD (solex JSON numbers)`, async (t) => {
    const r = await adapterRig(t, name);
    const bet = (tx: string, player: string, currency: string, amount: string) => `{"action":"bet","player_id":"${player}","currency":"${currency}","amount":${amount},"game_id":"g","transaction_id":"${tx}","session_id":"s","type":"bet"}`;
    const send = (text: string) => r.gw.send('POST', '/solex-igsp/hooks', text, solexHeaders('adapter-solex-key', 'adapter-solex-secret', text));
    let res = await send(bet('jpy-1', 'player-3', 'JPY', '100'));
    t.equal(res.status, 200, res.text);
    t.equal(r.wallet.balance('player-3'), '99900');
    res = await send(bet('kwd-1', 'player-kwd', 'KWD', '1.250'));
    t.equal(res.status, 200, res.text);
    t.equal(r.wallet.balance('player-kwd'), '8.750');
    const last = r.wallet.calls.filter((c) => c.applied).at(-1)!;
    t.equal(name === 'ledgerpro' ? last.body.amount_minor : last.body.amount, name === 'ledgerpro' ? 1250 : '1.250', 'KWD has three decimals');
    res = await send(bet('jpy-2', 'player-3', 'JPY', '1.5'));
    t.equal(res.status, 400, 'yen have no decimals: refused before the wallet');
  });

  t.test(`${name}: 20 concurrent duplicates reach the wallet once`, async (t) => {
    const r = await adapterRig(t, name);
    r.wallet.delayMs = 100;
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => r.jackpot('debit', debit('dup', '2.00', 'player-1', `q${i}`))));
    t.ok(all.every((a) => a.body.status === 'OK' && a.body.balance === '998.00'), JSON.stringify(all.map((a) => a.body.status)));
    t.equal(effects(r.wallet, 'dup'), 1);
  });

  t.test(`${name}: the prediction-markets rollback carries player_id, currency and amount`, async (t) => {
    const r = await adapterRig(t, name);
    const w = JSON.stringify({ transaction_id: 'pm-w1', bettor_id: 'player-1', amount: '10.50', currency: 'USD' });
    const res = await r.gw.send('POST', '/prediction-markets/v1/withdrawals', w, predictionHeaders('adapter-pm-secret', w));
    t.equal(res.status, 200, res.text);
    const del = await r.gw.send('DELETE', `/prediction-markets/v1/rollbacks/${encodeURIComponent(res.body.transaction_id)}`, '', predictionHeaders('adapter-pm-secret', ''));
    t.equal(del.status, 200, del.text);
    t.equal(r.wallet.balance('player-1'), '1000.00', 'refunded');
    const refund = r.wallet.calls.filter((c) => c.path.includes('refund')).at(-1)!;
    t.equal(refund.body.player_id ?? refund.body.user, 'player-1', 'the refund names the player the withdrawal debited');
  });

  t.test(`${name}: answers lost after the wallet applied the call — exactly one effect`, async (t) => {
    for (const fault of ['applied-503', 'applied-reset', 'applied-hang'] as const) {
      const r = await adapterRig(t, name, { timeoutMs: 400 });
      const tx = `lost-${fault}`;
      r.wallet.fault = (c) => (c.method === 'POST' && txOf(c) === tx && !r.wallet.calls.some((x) => x !== c && x.applied) ? fault : 'none');
      const first = await r.jackpot('debit', debit(tx, '3.00'));
      t.equal(first.status, 503, `${fault}: the first answer is uncertain (the RGS will retry or roll back)`);
      t.equal(effects(r.wallet, tx), 1, `${fault}: the wallet applied it`);
      const retry = await r.jackpot('debit', debit(tx, '3.00', 'player-1', 'retry'));
      t.same(retry.body, { requestId: 'retry', status: 'OK', balance: '997.00' }, `${fault}: the retry gets the applied outcome`);
      t.equal(effects(r.wallet, tx), 1, `${fault}: and nothing was applied twice`);
      t.equal(r.wallet.balance('player-1'), '997.00');
      if (name === 'statuswallet') t.ok(r.wallet.calls.some((c) => c.method === 'GET' && c.path.includes(tx)), `${fault}: the status query was asked`);
    }
  });

  t.test(`${name}: a call the wallet never applied is sent again on the retry`, async (t) => {
    const r = await adapterRig(t, name);
    let once = true;
    r.wallet.fault = (c) => (c.method === 'POST' && once && txOf(c) === 'na' ? ((once = false), '503') : 'none');
    t.equal((await r.jackpot('debit', debit('na', '1.00'))).status, 503);
    t.equal(effects(r.wallet, 'na'), 0);
    t.same((await r.jackpot('debit', debit('na', '1.00', 'player-1', 'r2'))).body, { requestId: 'r2', status: 'OK', balance: '999.00' });
    t.equal(effects(r.wallet, 'na'), 1);
  });

  t.test(`${name}: a must-succeed credit (sportsbook result) applied but lost is retried to exactly one effect`, async (t) => {
    const r = await adapterRig(t, name, { timeoutMs: 300, retryBudgetMs: 3000 });
    let lost = true;
    r.wallet.fault = (c) => (c.method === 'POST' && lost && txOf(c) === 'res-1' ? ((lost = false), 'applied-503') : 'none');
    const body = JSON.stringify({ transaction_id: 'res-1', action: 'result', user_id: 'player-1', currency: 'USD', amount: 5 });
    const res = await r.gw.send('POST', '/sportsbook/transaction', body, sportsbookHeaders('adapter-sb-hash', body));
    t.equal(res.body.error, null, res.text);
    t.equal(effects(r.wallet, 'res-1'), 1, 'one effect');
    t.equal(r.wallet.balance('player-1'), '1005.00');
  });
}

t.test('a non-idempotent wallet without a status query: uncertain stays uncertain, never resent', async (t) => {
  const file = walletVariant(t, 'statuswallet', withoutStatusQueries);
  const r = await adapterRig(t, 'statuswallet', { file, timeoutMs: 300, retryBudgetMs: 2000 });
  const retries = r.gw.handle.wallet.retriesUncertain as (op: string) => boolean;
  t.notOk(retries('debit') || retries('credit') || retries('rollback'), 'the gateway knows it may not resend');
  // Count what the engine asks of the wallet: the must-succeed loop must not even try.
  const w = r.gw.handle.wallet;
  const realCall = w.call.bind(w);
  let asked = 0;
  w.call = (c) => {
    if (c.body['transaction_id'] === 'res-nq') asked++;
    return realCall(c);
  };
  let lost = true;
  r.wallet.fault = (c) => (c.method === 'POST' && lost && txOf(c) === 'nq-1' ? ((lost = false), 'applied-503') : 'none');
  t.equal((await r.jackpot('debit', debit('nq-1', '1.00'))).status, 503);
  t.equal((await r.jackpot('debit', debit('nq-1', '1.00', 'player-1', 'again'))).status, 503, 'the retry stays uncertain');
  t.equal(effects(r.wallet, 'nq-1'), 1, 'one effect, no double');
  t.equal(r.wallet.calls.filter((c) => txOf(c) === 'nq-1').length, 1, 'sent once only');
  t.ok(r.logs.some((l) => l.includes('not resent')), 'an error line says it must be reconciled');
  lost = true;
  r.wallet.fault = (c) => (c.method === 'POST' && lost && txOf(c) === 'res-nq' ? ((lost = false), 'applied-503') : 'none');
  const body = JSON.stringify({ transaction_id: 'res-nq', action: 'result', user_id: 'player-1', currency: 'USD', amount: 2 });
  const started = performance.now();
  const res = await r.gw.send('POST', '/sportsbook/transaction', body, sportsbookHeaders('adapter-sb-hash', body));
  t.equal(res.body.error, 'INTERNAL_ERROR', 'the result stays unanswered (the sportsbook retries it)');
  t.equal(asked, 1, 'the engine asked the wallet once: no must-succeed retry loop');
  t.ok(performance.now() - started < 1500, 'and did not spend its retry budget');
  await sleep(50);
  t.equal(r.wallet.calls.filter((c) => txOf(c) === 'res-nq').length, 1, 'a must-succeed credit is not retried by the gateway either');
});

t.test('gateway validate checks wallet descriptors at file:line:col', async (t) => {
  const file = walletWith(t, 'ledgerpro', [['wallet_transaction_id: answer.id', 'wallet_transaction_id: answer.idd\n      balanse: answer.x'], ['code: INSUFFICIENT_FUNDS', 'code: INSUFFICIENT_FUND']]);
  const lines = await adapterProblems(file);
  t.ok(lines.length >= 2, lines.join('\n'));
  t.ok(lines.some((l) => /ledgerpro\.yaml:\d+:\d+: .*balanse/.test(l)), 'an unknown answer field, at its place');
  t.ok(lines.some((l) => /ledgerpro\.yaml:\d+:\d+: .*INSUFFICIENT_FUND/.test(l)), 'an unknown canonical code');
  for (const name of ['ledgerpro', 'statuswallet']) t.same(await adapterProblems(path.join(WALLETS_DIR, `${name}.yaml`)), [], `the shipped ${name} adapter is valid`);
});
