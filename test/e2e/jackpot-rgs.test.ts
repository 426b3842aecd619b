/**
 * jackpot-rgs end to end (seed 003): a real gateway on a loopback port, in front of a stub canonical
 * wallet over real HTTP, signed exactly as the seed says (independent HMAC code in test/helpers/sign).
 */
import t from 'tap';
import { createHmac } from 'node:crypto';
import { startStubWallet, type StubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { jackpotHeaders } from '../helpers/sign.js';

const SECRET = 'jackpot-test-secret';
const env = { JACKPOT_RGS_HMAC_SECRET: SECRET };

interface Rig {
  gw: TestGateway;
  wallet: StubWallet;
  call(route: string, body: object | string, opts?: { ts?: number; secret?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
}

type Over = Omit<Parameters<typeof startTestGateway>[1], 'env'>;

async function rig(tt: { teardown(fn: () => unknown): void }, over: Over = {}): Promise<Rig> {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env, walletUrl: wallet.url, enabled: ['jackpot-rgs'], ...over });
  return {
    gw,
    wallet,
    call(route, body, opts = {}) {
      const path = `/jackpot-rgs/callback/${route}`;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const headers = { ...jackpotHeaders(opts.secret ?? SECRET, path, text, opts.ts), ...opts.headers };
      return gw.send('POST', path, text, headers);
    },
  };
}

const debit = (tx: string, amount: string, requestId = `req-${tx}`) => ({ requestId, playerId: 'player-1', transactionId: tx, roundId: `r-${tx}`, gameCode: 'dice-alpha', amount });

t.test('known-answer vector: the seed\'s openssl dgst recipe', async (tt) => {
  // echo -n "${TIMESTAMP}${PATH_}${BODY}" | openssl dgst -sha256 -hmac "$SECRET"  (computed with openssl 3)
  const body = '{"playerId":"player-1","currency":"USD","gameCode":"dice-alpha","countryCode":"US"}';
  const mac = createHmac('sha256', 'your-hmac-secret').update('1700000000' + '/operator/launch' + body).digest('hex');
  tt.equal(mac, '99e6dabc592628aaa24f918d7feb27b746122761ca12abf585a7c5767bb89175');
  // The same recipe on a callback path, and the gateway accepts exactly that signature.
  const cb = '{"requestId":"req-1","playerId":"player-1","transactionId":"tx-1","roundId":"r-1","gameCode":"dice-alpha","amount":"1.50"}';
  tt.equal(createHmac('sha256', 'your-hmac-secret').update('1700000000/jackpot-rgs/callback/debit' + cb).digest('hex'), '267fe490859a66a07278b01b9afe592ed3c3b1a4e8b1bb1997018b118034f7bc');
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { JACKPOT_RGS_HMAC_SECRET: 'your-hmac-secret' }, walletUrl: wallet.url, enabled: ['jackpot-rgs'] });
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', 'your-hmac-secret').update(ts + '/jackpot-rgs/callback/debit' + cb).digest('hex');
  const r = await gw.send('POST', '/jackpot-rgs/callback/debit', cb, { 'content-type': 'application/json', 'x-timestamp': ts, 'x-hmac-sha256': sig });
  tt.same(r.body, { requestId: 'req-1', status: 'OK', balance: '98.50' });
});

t.test('authenticate and balance', async (tt) => {
  const { call, wallet } = await rig(tt);
  const a = await call('authenticate', { requestId: 'a1', playerId: 'player-1', currency: 'USD', gameCode: 'dice-alpha' });
  tt.equal(a.status, 200);
  tt.same(a.body, { requestId: 'a1', status: 'OK', balance: '100.00', accountCurrency: 'USD', name: 'Ann', countryCode: 'MT' });
  const b = await call('balance', { requestId: 'b1', playerId: 'player-1' });
  tt.same(b.body, { requestId: 'b1', status: 'OK', balance: '100.00' });
  const unknown = await call('balance', { requestId: 'b2', playerId: 'nobody' });
  tt.same(unknown.body, { requestId: 'b2', status: 'PLAYER_NOT_FOUND' });
  tt.equal(unknown.status, 200);
  const auth = wallet.callsOf('authenticate')[0]!;
  tt.equal(auth.body.provider, 'jackpot-rgs');
  tt.equal(auth.body.player_id, 'player-1');
  tt.equal(auth.body.operation, 'authenticate');
  tt.equal(auth.headers['x-request-id'], auth.body.request_id);
  tt.notOk(auth.headers['idempotency-key'], 'reads carry no idempotency key');
});

t.test('debit forwards the canonical request once; a retry replays the same answer with the new requestId', async (tt) => {
  const { call, wallet } = await rig(tt);
  const first = await call('debit', { ...debit('tx-1', '1.50'), metadata: '{"spin":7}' });
  tt.same(first.body, { requestId: 'req-tx-1', status: 'OK', balance: '98.50' });
  const calls = wallet.callsOf('debit');
  tt.equal(calls.length, 1);
  const b = calls[0]!.body;
  tt.match(b, { provider: 'jackpot-rgs', operation: 'debit', player_id: 'player-1', transaction_id: 'tx-1', round_id: 'r-tx-1', game_id: 'dice-alpha', amount: '1.5', kind: 'bet', idempotency_key: 'jackpot-rgs:debit:tx-1' });
  tt.same(b.metadata, { spin: 7 }, 'metadata sent as a JSON string arrives as an object');
  tt.equal(calls[0]!.headers['idempotency-key'], 'jackpot-rgs:debit:tx-1');
  tt.notOk('currency' in b, 'no currency: the wallet uses the account currency');

  // Balance moves elsewhere in between: the replay still answers the first outcome.
  await call('credit', { requestId: 'c0', playerId: 'player-1', transactionId: 'tx-other', roundId: 'r', gameCode: 'g', amount: '10.00' });
  const retry = await call('debit', debit('tx-1', '1.50', 'req-retry'));
  tt.same(retry.body, { requestId: 'req-retry', status: 'OK', balance: '98.50' });
  tt.equal(wallet.callsOf('debit').length, 1, 'the retry never reached the wallet');
  tt.equal(wallet.balance('player-1'), '108.50');
});

t.test('same transaction id with another amount is a conflict, nothing forwarded', async (tt) => {
  const { call, wallet } = await rig(tt);
  await call('debit', debit('tx-2', '1.00'));
  const r = await call('debit', debit('tx-2', '2.00', 'req-x'));
  tt.equal(r.status, 200);
  tt.same(r.body, { requestId: 'req-x', status: 'DUPLICATE_TRANSACTION' });
  const other = await call('debit', { ...debit('tx-2', '1.00', 'req-y'), playerId: 'player-2' });
  tt.same(other.body, { requestId: 'req-y', status: 'DUPLICATE_TRANSACTION' }, 'another player is another payload');
  tt.equal(wallet.callsOf('debit').length, 1);
  tt.equal(wallet.balance('player-1'), '99.00');
});

t.test('insufficient funds is a final answer, replayed to retries', async (tt) => {
  const { call, wallet } = await rig(tt);
  const r = await call('debit', { ...debit('tx-3', '6.00'), playerId: 'player-2' });
  tt.equal(r.status, 200);
  tt.same(r.body, { requestId: 'req-tx-3', status: 'INSUFFICIENT_FUNDS' });
  const again = await call('debit', { ...debit('tx-3', '6.00', 'req-3b'), playerId: 'player-2' });
  tt.same(again.body, { requestId: 'req-3b', status: 'INSUFFICIENT_FUNDS' });
  tt.equal(wallet.callsOf('debit').length, 1);
  tt.equal(wallet.balance('player-2'), '5.00');
});

t.test('a zero credit is forwarded: it closes the round', async (tt) => {
  const { call, wallet } = await rig(tt);
  await call('debit', debit('tx-4', '1.00'));
  const r = await call('credit', { requestId: 'c4', playerId: 'player-1', transactionId: 'tx-4-win', roundId: 'r-tx-4', gameCode: 'dice-alpha', amount: '0', roundClosed: true });
  tt.same(r.body, { requestId: 'c4', status: 'OK', balance: '99.00' });
  const c = wallet.callsOf('credit');
  tt.equal(c.length, 1);
  tt.match(c[0]!.body, { amount: '0', round_closed: true, kind: 'win', transaction_id: 'tx-4-win' });
});

t.test('rollback twice has one effect', async (tt) => {
  const { call, wallet } = await rig(tt);
  await call('debit', debit('tx-5', '10.00'));
  tt.equal(wallet.balance('player-1'), '90.00');
  const rb = { requestId: 'rb1', playerId: 'player-1', transactionId: 'tx-5', roundId: 'r-tx-5', gameCode: 'dice-alpha' };
  const r1 = await call('rollback', rb);
  const r2 = await call('rollback', { ...rb, requestId: 'rb2' });
  tt.same(r1.body, { requestId: 'rb1', status: 'OK', balance: '100.00' });
  tt.same(r2.body, { requestId: 'rb2', status: 'OK', balance: '100.00' });
  tt.equal(wallet.callsOf('rollback').length, 1);
  tt.match(wallet.callsOf('rollback')[0]!.body, { reference_transaction_id: 'tx-5', transaction_id: 'tx-5', idempotency_key: 'jackpot-rgs:rollback:tx-5' });
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('rollback before its debit: OK with the current balance, then the late debit is refused and never forwarded', async (tt) => {
  const { call, wallet } = await rig(tt);
  const rb = await call('rollback', { requestId: 'rb', playerId: 'player-1', transactionId: 'tx-6', roundId: 'r', gameCode: 'g' });
  tt.same(rb.body, { requestId: 'rb', status: 'OK', balance: '100.00' });
  const late = await call('debit', debit('tx-6', '5.00', 'late'));
  tt.same(late.body, { requestId: 'late', status: 'DUPLICATE_TRANSACTION' });
  tt.equal(wallet.callsOf('debit').length, 0, 'the late debit never reached the wallet');
  tt.equal(wallet.balance('player-1'), '100.00');
  const rbAgain = await call('rollback', { requestId: 'rb-again', playerId: 'player-1', transactionId: 'tx-6', roundId: 'r', gameCode: 'g' });
  tt.same(rbAgain.body, { requestId: 'rb-again', status: 'OK', balance: '100.00' });
  tt.equal(wallet.callsOf('rollback').length, 1, 'the repeated rollback answered from the record');
});

t.test('signature and timestamp failures: 401, nothing forwarded', async (tt) => {
  const { call, gw, wallet } = await rig(tt);
  const body = JSON.stringify(debit('tx-7', '1.00'));
  const bad = await call('debit', body, { secret: 'wrong' });
  tt.equal(bad.status, 401);
  tt.same(bad.body, { status: 'INVALID_SIGNATURE' }, 'no requestId: the body is not parsed before the signature passes');
  const stale = await call('debit', body, { ts: Math.floor(Date.now() / 1000) - 31 });
  tt.equal(stale.status, 401);
  tt.same(stale.body, { status: 'INVALID_SIGNATURE' });
  const future = await call('debit', body, { ts: Math.floor(Date.now() / 1000) + 31 });
  tt.equal(future.status, 401);
  const inWindow = await call('balance', { requestId: 'w', playerId: 'player-1' }, { ts: Math.floor(Date.now() / 1000) - 25 });
  tt.equal(inWindow.status, 200);
  const missing = await gw.send('POST', '/jackpot-rgs/callback/debit', body, { 'content-type': 'application/json' });
  tt.equal(missing.status, 401);
  // Signed over the body only (the older recipe) does not pass the path-including recipe.
  const ts = String(Math.floor(Date.now() / 1000));
  const old = await gw.send('POST', '/jackpot-rgs/callback/debit', body, { 'x-timestamp': ts, 'x-hmac-sha256': createHmac('sha256', SECRET).update(ts + body).digest('hex') });
  tt.equal(old.status, 401);
  // A signature of the right value with a different length (truncated) is rejected.
  const h = jackpotHeaders(SECRET, '/jackpot-rgs/callback/debit', body);
  const short = await gw.send('POST', '/jackpot-rgs/callback/debit', body, { ...h, 'x-hmac-sha256': h['x-hmac-sha256']!.slice(0, 62) });
  tt.equal(short.status, 401);
  // The signature covers the path: replaying a signed debit to /credit fails.
  const moved = await gw.send('POST', '/jackpot-rgs/callback/credit', body, h);
  tt.equal(moved.status, 401);
  tt.equal(wallet.calls.length, 1, 'only the in-window balance reached the wallet');
});

t.test('bad input gets the provider envelope, nothing forwarded', async (tt) => {
  const { call, gw, wallet } = await rig(tt, { bodyLimit: 2048 });
  const malformed = await call('debit', '{"requestId": "m1", "playerId": ');
  tt.equal(malformed.status, 200);
  tt.same(malformed.body, { status: 'INVALID_REQUEST' });
  const cases: [string, object][] = [
    ['three decimals for a 2-decimal amount', debit('tx-8', '10.505')],
    ['negative amount', debit('tx-8', '-1.00')],
    ['exponent', debit('tx-8', '1e3')],
    ['amount as a JSON number', { ...debit('tx-8', '1'), amount: 1.5 }],
    ['missing transactionId', { requestId: 'x', playerId: 'player-1', roundId: 'r', gameCode: 'g', amount: '1.00' }],
    ['playerId of the wrong type', { ...debit('tx-8', '1.00'), playerId: { id: 1 } }],
    ['metadata that is not JSON', { ...debit('tx-8', '1.00'), metadata: '{nope' }],
    ['an array body', [1, 2]],
  ];
  for (const [name, body] of cases) {
    const r = await call('debit', body);
    tt.equal(r.status, 200, name);
    tt.equal(r.body.status, 'INVALID_REQUEST', name);
  }
  const big = await call('debit', { ...debit('tx-9', '1.00'), pad: 'x'.repeat(4096) });
  tt.same(big.body, { status: 'INVALID_REQUEST' }, 'oversized body');
  const unknownRoute = await call('withdraw', debit('tx-9', '1.00'));
  tt.equal(unknownRoute.body.status, 'INVALID_REQUEST');
  const wrongMethod = await gw.send('GET', '/jackpot-rgs/callback/debit', '', {});
  tt.equal(wrongMethod.body.status, 'INVALID_REQUEST');
  const unknownProvider = await gw.send('POST', '/nope/callback/debit', '{}', {});
  tt.equal(unknownProvider.status, 404);
  tt.equal(wallet.calls.length, 0);
});

t.test('20 concurrent duplicates: one wallet call, identical answers', async (tt) => {
  const { call, wallet } = await rig(tt);
  wallet.delayMs = 100;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call('debit', debit('tx-10', '2.00', `dup-${i}`))));
  tt.equal(wallet.callsOf('debit').length, 1);
  answers.forEach((a, i) => tt.same(a.body, { requestId: `dup-${i}`, status: 'OK', balance: '98.00' }));
  tt.equal(wallet.balance('player-1'), '98.00');
});

t.test('wallet 503: retryable answer, nothing cached, the later retry succeeds once', async (tt) => {
  const { call, wallet } = await rig(tt);
  wallet.fault = '503';
  const r = await call('debit', debit('tx-11', '3.00'));
  tt.equal(r.status, 503);
  tt.same(r.body, { requestId: 'req-tx-11', status: 'INTERNAL_ERROR' });
  wallet.fault = 'none';
  const again = await call('debit', debit('tx-11', '3.00', 'retry'));
  tt.same(again.body, { requestId: 'retry', status: 'OK', balance: '97.00' });
  const third = await call('debit', debit('tx-11', '3.00', 'third'));
  tt.same(third.body, { requestId: 'third', status: 'OK', balance: '97.00' });
  tt.equal(wallet.callsOf('debit').length, 2, 'the failed attempt and the successful retry; the third was replayed');
  tt.equal(wallet.balance('player-1'), '97.00');
});

t.test('wallet hanging: answered within the timeout, nothing cached, the retry succeeds once', async (tt) => {
  const { call, wallet } = await rig(tt, { timeoutMs: 300 });
  wallet.fault = 'hang';
  const started = Date.now();
  const r = await call('debit', debit('tx-12', '4.00'));
  const took = Date.now() - started;
  tt.equal(r.status, 503);
  tt.equal(r.body.status, 'INTERNAL_ERROR');
  tt.ok(took >= 280 && took < 1500, `answered after ${took}ms`);
  wallet.fault = 'none';
  const again = await call('debit', debit('tx-12', '4.00', 'retry'));
  tt.same(again.body, { requestId: 'retry', status: 'OK', balance: '96.00' });
  tt.equal(wallet.balance('player-1'), '96.00');
});

t.test('wallet resets and garbage answers are uncertain too', async (tt) => {
  const { call, wallet } = await rig(tt);
  wallet.fault = 'reset';
  tt.equal((await call('debit', debit('tx-13', '1.00'))).status, 503);
  wallet.fault = 'garbage';
  tt.equal((await call('debit', debit('tx-13', '1.00', 'g'))).status, 503);
  wallet.fault = 'none';
  tt.same((await call('debit', debit('tx-13', '1.00', 'ok'))).body, { requestId: 'ok', status: 'OK', balance: '99.00' });
});

t.test('a duplicate arriving while the first is in flight, whose first attempt turns out uncertain, is told to retry', async (tt) => {
  const { call, wallet } = await rig(tt, { timeoutMs: 400 });
  wallet.fault = 'hang';
  const [a, b] = await Promise.all([call('debit', debit('tx-14', '1.00', 'a')), new Promise((r) => setTimeout(r, 50)).then(() => call('debit', debit('tx-14', '1.00', 'b')))]);
  tt.equal(a.status, 503);
  tt.equal(b.status, 503, 'TRANSACTION_IN_PROGRESS renders as the retryable row');
  tt.equal(wallet.callsOf('debit').length, 1, 'the duplicate never reached the wallet');
});
