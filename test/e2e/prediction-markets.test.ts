/**
 * prediction-markets end to end (seed 000): a real gateway on a loopback port, in front of a stub
 * canonical wallet over real HTTP, signed exactly as the seed says (independent HMAC code in
 * test/helpers/sign): HMAC over the raw body, ISO 8601 X-Timestamp, X-Nonce UUID, and
 * `DELETE /v1/rollbacks/{wallet transaction id}` with an empty body.
 */
import t from 'tap';
import { TEST_JWT_KEY } from '../helpers/keys.js';
import { createHmac, randomUUID } from 'node:crypto';
import { startStubWallet, type StubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { isoSeconds, predictionHeaders } from '../helpers/sign.js';

const SECRET = 'pm-test-secret';
const env = { PREDICTION_MARKETS_HMAC_SECRET: SECRET, PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY };
const MOUNT = '/prediction-markets';

interface CallOpts {
  ts?: string;
  nonce?: string;
  secret?: string;
  headers?: Record<string, string>;
}

interface Rig {
  gw: TestGateway;
  wallet: StubWallet;
  post(route: 'withdrawals' | 'deposits' | string, body: object | string, opts?: CallOpts): Promise<{ status: number; body: any; text: string }>;
  rollback(id: string, opts?: CallOpts & { body?: string }): Promise<{ status: number; body: any; text: string }>;
}

type Over = Omit<Parameters<typeof startTestGateway>[1], 'env'>;

async function rig(tt: { teardown(fn: () => unknown): void }, over: Over = {}): Promise<Rig> {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env, walletUrl: wallet.url, enabled: ['prediction-markets'], ...over });
  const sign = (text: string, o: CallOpts) => ({ ...predictionHeaders(o.secret ?? SECRET, text, { ...(o.ts ? { ts: o.ts } : {}), ...(o.nonce ? { nonce: o.nonce } : {}) }), ...o.headers });
  return {
    gw,
    wallet,
    post(route, body, o = {}) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return gw.send('POST', `${MOUNT}/v1/${route}`, text, sign(text, o));
    },
    rollback(id, o = {}) {
      const text = o.body ?? '';
      return gw.send('DELETE', `${MOUNT}/v1/rollbacks/${encodeURIComponent(id)}`, text, sign(text, o));
    },
  };
}

const money = (tx: string, amount: string, bettor = 'player-1') => ({ transaction_id: tx, bettor_id: bettor, amount, currency: 'USD', metadata: { market_id: `mkt-${tx}` } });

t.test('known-answer vectors: HMAC over the raw body, and over the empty string for a DELETE', async (tt) => {
  // printf '%s' "$BODY" | openssl dgst -sha256 -hmac platform-hmac-secret   (OpenSSL 3.0)
  const body = '{"transaction_id":"txn_01HZABC","bettor_id":"bettor_42","amount":"10.50","currency":"USD","metadata":{"market_id":"mkt_1"}}';
  tt.equal(predictionHeaders('platform-hmac-secret', body)['x-payload-signature'], 'd8384eaeab8d70cf281d21dbfb7182a3ff64694bee8d4fcdb9b9752a187fab98');
  // printf '' | openssl dgst -sha256 -hmac platform-hmac-secret
  tt.equal(predictionHeaders('platform-hmac-secret', '')['x-payload-signature'], 'a9da5d39c72aedbebeb84004143a516ffb9cf05a8682cdaae9dfec1c8df71b09');

  // The gateway accepts exactly those signatures, at the seed's own example instant.
  const wallet = await startStubWallet({ bettor_42: { currency: 'USD', balance: '500.00' } });
  tt.teardown(() => wallet.close());
  const at = Date.parse('2024-03-04T12:00:00Z');
  const gw = await startTestGateway(tt, { env: { PREDICTION_MARKETS_HMAC_SECRET: 'platform-hmac-secret', PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY }, walletUrl: wallet.url, enabled: ['prediction-markets'], now: () => at });
  const r = await gw.send('POST', `${MOUNT}/v1/withdrawals`, body, {
    'content-type': 'application/json',
    'x-payload-signature': 'd8384eaeab8d70cf281d21dbfb7182a3ff64694bee8d4fcdb9b9752a187fab98',
    'x-timestamp': '2024-03-04T12:00:00Z',
    'x-nonce': 'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
  });
  tt.equal(r.status, 200);
  tt.same(r.body, { transaction_id: 'w-1', balance: '489.50' }, 'the seed\'s own example answer');
  const rb = await gw.send('DELETE', `${MOUNT}/v1/rollbacks/w-1`, '', {
    'x-payload-signature': 'a9da5d39c72aedbebeb84004143a516ffb9cf05a8682cdaae9dfec1c8df71b09',
    'x-timestamp': '2024-03-04T12:00:01Z',
    'x-nonce': randomUUID(),
  });
  tt.same(rb.body, { transaction_id: 'w-2', balance: '500.00' });
});

t.test('withdrawal: the canonical debit is forwarded once; a retry answers the same', async (tt) => {
  const { post, wallet } = await rig(tt);
  const first = await post('withdrawals', money('tx-1', '10.50'));
  tt.equal(first.status, 200);
  tt.same(first.body, { transaction_id: 'w-1', balance: '89.50' });
  const calls = wallet.callsOf('debit');
  tt.equal(calls.length, 1);
  tt.match(calls[0]!.body, { provider: 'prediction-markets', operation: 'debit', player_id: 'player-1', transaction_id: 'tx-1', amount: '10.5', currency: 'USD', kind: 'bet', idempotency_key: 'prediction-markets:tx-1' });
  tt.same(calls[0]!.body.metadata, { market_id: 'mkt-tx-1' }, 'metadata passed through');
  tt.equal(calls[0]!.headers['idempotency-key'], 'prediction-markets:tx-1', 'one namespace per transaction_id across withdrawals and deposits');

  // The balance moves elsewhere; the retry (a new nonce, as the platform sends) still answers the first outcome.
  await post('deposits', money('tx-other', '5.00'));
  const retry = await post('withdrawals', money('tx-1', '10.50'));
  tt.equal(retry.status, 200);
  tt.same(retry.body, { transaction_id: 'w-1', balance: '89.50' });
  tt.equal(wallet.callsOf('debit').length, 1, 'the retry never reached the wallet');
  tt.equal(wallet.balance('player-1'), '94.50');
});

t.test('deposits: won, lost ("0", still forwarded) and void', async (tt) => {
  const { post, wallet } = await rig(tt);
  await post('withdrawals', money('bet-1', '10.00'));
  const won = await post('deposits', money('dep-won', '25.50'));
  tt.same(won.body, { transaction_id: 'w-2', balance: '115.50' });
  const lost = await post('deposits', money('dep-lost', '0'));
  tt.equal(lost.status, 200);
  tt.same(lost.body, { transaction_id: 'w-3', balance: '115.50' }, 'a zero deposit is a real settlement');
  const voided = await post('deposits', money('dep-void', '10.00'));
  tt.same(voided.body, { transaction_id: 'w-4', balance: '125.50' });
  const credits = wallet.callsOf('credit');
  tt.equal(credits.length, 3);
  tt.match(credits[1]!.body, { operation: 'credit', transaction_id: 'dep-lost', amount: '0', idempotency_key: 'prediction-markets:dep-lost' });
  const again = await post('deposits', money('dep-lost', '0'));
  tt.same(again.body, { transaction_id: 'w-3', balance: '115.50' }, 'the zero deposit replays too');
  tt.equal(wallet.callsOf('credit').length, 3);
});

t.test('same transaction id with another payload is 409, nothing forwarded', async (tt) => {
  const { post, wallet } = await rig(tt);
  await post('withdrawals', money('tx-2', '1.00'));
  const amount = await post('withdrawals', money('tx-2', '2.00'));
  tt.equal(amount.status, 409);
  tt.same(amount.body, { error: 'Transaction id already used with a different payload' });
  const bettor = await post('withdrawals', money('tx-2', '1.00', 'player-2'));
  tt.equal(bettor.status, 409, 'another bettor is another payload');
  const currency = await post('withdrawals', { ...money('tx-2', '1.00'), currency: 'EUR' });
  tt.equal(currency.status, 409, 'another currency is another payload');
  tt.equal(wallet.callsOf('debit').length, 1);
  tt.equal(wallet.balance('player-1'), '99.00');
});

t.test('insufficient funds is 409, final and replayed', async (tt) => {
  const { post, wallet } = await rig(tt);
  const r = await post('withdrawals', money('tx-3', '6.00', 'player-2'));
  tt.equal(r.status, 409);
  tt.same(r.body, { error: 'Insufficient funds' });
  const again = await post('withdrawals', money('tx-3', '6.00', 'player-2'));
  tt.equal(again.status, 409);
  tt.same(again.body, { error: 'Insufficient funds' });
  tt.equal(wallet.callsOf('debit').length, 1);
  tt.equal(wallet.balance('player-2'), '5.00');
});

t.test('wallet rejections map to the table: unknown bettor 401, session invalid 401, currency 400', async (tt) => {
  const { post, wallet } = await rig(tt);
  const unknown = await post('withdrawals', money('tx-u', '1.00', 'nobody'));
  tt.equal(unknown.status, 401);
  tt.same(unknown.body, { error: 'Invalid session: unknown bettor' });
  wallet.reject = (c) => (c.body.transaction_id === 'tx-s' ? { code: 'SESSION_INVALID', status: 401 } : undefined);
  const session = await post('withdrawals', money('tx-s', '1.00'));
  tt.equal(session.status, 401);
  tt.same(session.body, { error: 'Invalid session' });
  wallet.reject = undefined;
  const currency = await post('withdrawals', { ...money('tx-c', '1.00'), currency: 'EUR' });
  tt.equal(currency.status, 400);
  tt.same(currency.body, { error: 'Currency does not match the bettor\'s account' });
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('rollback by the wallet transaction id: resolved to the withdrawal, forwarded once, repeated answers the same', async (tt) => {
  const { post, rollback, wallet } = await rig(tt);
  const w = await post('withdrawals', money('tx-4', '10.00'));
  tt.same(w.body, { transaction_id: 'w-1', balance: '90.00' });
  const r1 = await rollback('w-1');
  tt.equal(r1.status, 200);
  tt.same(r1.body, { transaction_id: 'w-2', balance: '100.00' });
  const rb = wallet.callsOf('rollback');
  tt.equal(rb.length, 1);
  tt.match(rb[0]!.body, {
    provider: 'prediction-markets',
    operation: 'rollback',
    transaction_id: 'w-1',
    reference_wallet_transaction_id: 'w-1',
    reference_transaction_id: 'tx-4',
    idempotency_key: 'prediction-markets:rollback:w-1',
  });
  tt.match(rb[0]!.body, { player_id: 'player-1', currency: 'USD', amount: '10' }, 'the empty body names no bettor: player, currency and amount come from the withdrawal it reverses');
  const r2 = await rollback('w-1');
  tt.equal(r2.status, 200);
  tt.same(r2.body, { transaction_id: 'w-2', balance: '100.00' });
  tt.equal(wallet.callsOf('rollback').length, 1, 'the repeated rollback was answered from the record');
  tt.equal(wallet.balance('player-1'), '100.00');

  // The withdrawal arriving again after its rollback (a late network duplicate) is answered from its
  // record and never reaches the wallet: no second debit.
  const late = await post('withdrawals', money('tx-4', '10.00'));
  tt.same(late.body, { transaction_id: 'w-1', balance: '90.00' });
  tt.equal(wallet.callsOf('debit').length, 1);
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('rollback first: an id the gateway never issued is 404 and never forwarded; repeated it is answered from the record', async (tt) => {
  const { post, rollback, wallet } = await rig(tt);
  const r = await rollback('w-404');
  tt.equal(r.status, 404);
  tt.same(r.body, { error: 'Transaction not found' });
  tt.equal(wallet.callsOf('rollback').length, 0, 'a wallet id this gateway did not issue for a withdrawal is not forwarded');
  const again = await rollback('w-404');
  tt.equal(again.status, 404);
  tt.equal(wallet.callsOf('rollback').length, 0);
  // A withdrawal is not affected by a rollback of an unrelated wallet id.
  const w = await post('withdrawals', money('tx-5', '1.00'));
  tt.same(w.body, { transaction_id: 'w-1', balance: '99.00' });
  tt.equal(wallet.balance('player-1'), '99.00');
});

t.test('a rollback body is signed as sent: the empty string, and a signed body on DELETE is accepted', async (tt) => {
  const { post, rollback, gw, wallet } = await rig(tt);
  await post('withdrawals', money('tx-6', '3.00'));
  // Signed over a body other than the one sent.
  const ts = isoSeconds();
  const wrong = await gw.send('DELETE', `${MOUNT}/v1/rollbacks/w-1`, '', { 'x-payload-signature': createHmac('sha256', SECRET).update('{}').digest('hex'), 'x-timestamp': ts, 'x-nonce': randomUUID() });
  tt.equal(wrong.status, 403);
  tt.equal(wallet.callsOf('rollback').length, 0);
  const bad = await rollback('w-1', { secret: 'other-secret' });
  tt.equal(bad.status, 403);
  tt.same(bad.body, { error: 'Invalid signature' });
  tt.equal(wallet.callsOf('rollback').length, 0);
  const ok = await rollback('w-1', { body: '{}' });
  tt.equal(ok.status, 200, 'a DELETE with a (signed) JSON body passes too');
  tt.same(ok.body, { transaction_id: 'w-2', balance: '100.00' });
});

t.test('signature, timestamp and nonce: 403, nothing forwarded', async (tt) => {
  const { post, gw, wallet } = await rig(tt);
  const body = JSON.stringify(money('tx-7', '1.00'));
  const bad = await post('withdrawals', body, { secret: 'wrong' });
  tt.equal(bad.status, 403);
  tt.same(bad.body, { error: 'Invalid signature' });
  const now = Date.now();
  const stale = await post('withdrawals', body, { ts: isoSeconds(now - 320_000) });
  tt.equal(stale.status, 403);
  tt.same(stale.body, { error: 'Request timestamp outside the accepted window' });
  const future = await post('withdrawals', body, { ts: isoSeconds(now + 320_000) });
  tt.equal(future.status, 403);
  const unix = await post('withdrawals', body, { ts: String(Math.floor(now / 1000)) });
  tt.equal(unix.status, 403, 'a unix timestamp is not ISO 8601');
  const h = predictionHeaders(SECRET, body);
  const short = await gw.send('POST', `${MOUNT}/v1/withdrawals`, body, { ...h, 'x-payload-signature': h['x-payload-signature']!.slice(0, 62) });
  tt.equal(short.status, 403, 'a truncated signature');
  const none = await gw.send('POST', `${MOUNT}/v1/withdrawals`, body, { 'content-type': 'application/json', 'x-timestamp': isoSeconds(), 'x-nonce': randomUUID() });
  tt.equal(none.status, 403, 'no signature header');
  const noNonce = await gw.send('POST', `${MOUNT}/v1/withdrawals`, body, { 'content-type': 'application/json', 'x-payload-signature': h['x-payload-signature']!, 'x-timestamp': h['x-timestamp']! });
  tt.equal(noNonce.status, 400, 'a missing nonce is a malformed request');
  tt.equal(wallet.calls.length, 0);

  // In the window (4 min 50 s old) it passes; the same nonce again is a replay, even for another body.
  const nonce = randomUUID();
  const okOld = await post('withdrawals', body, { ts: isoSeconds(now - 290_000), nonce });
  tt.equal(okOld.status, 200);
  const replay = await post('withdrawals', body, { nonce });
  tt.equal(replay.status, 403);
  tt.same(replay.body, { error: 'Nonce already used' });
  const replayOther = await post('deposits', money('tx-8', '1.00'), { nonce });
  tt.equal(replayOther.status, 403);
  tt.equal(wallet.calls.length, 1, 'only the first use reached the wallet');
});

t.test('malformed bodies: 400 in the provider envelope, nothing forwarded', async (tt) => {
  const { post, gw, wallet } = await rig(tt, { bodyLimit: 2048 });
  const malformed = await post('withdrawals', '{"transaction_id": "m1", "bettor_id": ');
  tt.equal(malformed.status, 400);
  tt.same(malformed.body, { error: 'Malformed request or invalid amount' });
  const cases: [string, object | string][] = [
    ['empty body on a POST', ''],
    ['an array body', [1, 2]],
    ['three decimals for USD', money('tx-9', '10.505')],
    ['negative amount', money('tx-9', '-1.00')],
    ['exponent', money('tx-9', '1e3')],
    ['amount as a JSON number', { ...money('tx-9', '1'), amount: 1.5 }],
    ['empty amount', money('tx-9', '')],
    ['missing transaction_id', { bettor_id: 'player-1', amount: '1.00', currency: 'USD' }],
    ['missing bettor_id', { transaction_id: 'tx-9', amount: '1.00', currency: 'USD' }],
    ['bettor_id of the wrong type', { ...money('tx-9', '1.00'), bettor_id: { id: 1 } }],
    ['metadata that is not an object', { ...money('tx-9', '1.00'), metadata: 'mkt' }],
    ['unknown currency', { ...money('tx-9', '1.00'), currency: 'XXQ' }],
  ];
  for (const [name, body] of cases) {
    const r = await post('withdrawals', body);
    tt.equal(r.status, 400, name);
    tt.type(r.body.error, 'string', name);
  }
  const big = await post('deposits', { ...money('tx-10', '1.00'), pad: 'x'.repeat(4096) });
  tt.equal(big.status, 400, 'oversized body');
  const unknownRoute = await post('transfers', money('tx-10', '1.00'));
  tt.equal(unknownRoute.status, 400);
  const wrongMethod = await gw.send('GET', `${MOUNT}/v1/withdrawals`, '', {});
  tt.equal(wrongMethod.status, 405, 'a method the route does not take: 405 (with Allow), in the envelope');
  tt.match(wrongMethod.body, { error: 'Malformed request or invalid amount' });
  const noId = await gw.send('DELETE', `${MOUNT}/v1/rollbacks/`, '', predictionHeaders(SECRET, ''));
  tt.equal(noId.status, 400, 'a rollback without an id');
  tt.equal(wallet.calls.length, 0);
});

t.test('20 concurrent duplicates: one wallet call, identical answers', async (tt) => {
  const { post, rollback, wallet } = await rig(tt);
  wallet.delayMs = 100;
  const answers = await Promise.all(Array.from({ length: 20 }, () => post('withdrawals', money('tx-11', '2.00'))));
  tt.equal(wallet.callsOf('debit').length, 1);
  for (const a of answers) {
    tt.equal(a.status, 200);
    tt.same(a.body, { transaction_id: 'w-1', balance: '98.00' });
  }
  const rbs = await Promise.all(Array.from({ length: 10 }, () => rollback('w-1')));
  tt.equal(wallet.callsOf('rollback').length, 1);
  for (const r of rbs) tt.same(r.body, { transaction_id: 'w-2', balance: '100.00' });
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('wallet 503: retryable 503, nothing cached, the later retry succeeds once', async (tt) => {
  const { post, rollback, wallet } = await rig(tt);
  wallet.fault = '503';
  const r = await post('withdrawals', money('tx-12', '3.00'));
  tt.equal(r.status, 503);
  tt.same(r.body, { error: 'Service temporarily unavailable, retry later' });
  wallet.fault = 'none';
  const again = await post('withdrawals', money('tx-12', '3.00'));
  tt.same(again.body, { transaction_id: 'w-1', balance: '97.00' });
  const third = await post('withdrawals', money('tx-12', '3.00'));
  tt.same(third.body, { transaction_id: 'w-1', balance: '97.00' });
  tt.equal(wallet.callsOf('debit').length, 2, 'the failed attempt and the successful retry; the third was replayed');

  wallet.reject = (c) => (c.operation === 'credit' ? { code: 'INTERNAL_ERROR', status: 400 } : undefined);
  const internal = await post('deposits', money('tx-12b', '1.00'));
  tt.equal(internal.status, 500, 'the wallet\'s INTERNAL_ERROR is uncertain: 500');
  tt.same(internal.body, { error: 'Internal error, retry later' });
  wallet.reject = undefined;
  const internalRetry = await post('deposits', money('tx-12b', '1.00'));
  tt.same(internalRetry.body, { transaction_id: 'w-2', balance: '98.00' }, 'not cached: the retry is applied');
  wallet.fault = '503';
  const rb = await rollback('w-1');
  tt.equal(rb.status, 503, 'an uncertain rollback is retryable too');
  wallet.fault = 'none';
  const rb2 = await rollback('w-1');
  tt.same(rb2.body, { transaction_id: 'w-3', balance: '101.00' });
  tt.equal(wallet.balance('player-1'), '101.00');
});

t.test('wallet hanging: answered within the timeout, nothing cached, the retry succeeds once', async (tt) => {
  const { post, wallet } = await rig(tt, { timeoutMs: 300 });
  wallet.fault = 'hang';
  const started = Date.now();
  const r = await post('deposits', money('tx-13', '4.00'));
  const took = Date.now() - started;
  tt.equal(r.status, 503);
  tt.ok(took >= 280 && took < 1500, `answered after ${took}ms`);
  wallet.fault = 'none';
  const again = await post('deposits', money('tx-13', '4.00'));
  tt.same(again.body, { transaction_id: 'w-1', balance: '104.00' });
  tt.equal(wallet.balance('player-1'), '104.00');
});
