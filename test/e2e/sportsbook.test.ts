/**
 * sportsbook end to end (seed 002): bet/result on POST /transaction, rollback on POST
 * /transaction-rollback, X-Security-Hash = hex HMAC-SHA256 of the raw body, every answer HTTP 200
 * with the error inside, JSON-number amounts and balances, `result` must succeed. A real gateway on
 * a loopback port, a stub canonical wallet over real HTTP, requests signed by independent
 * node:crypto code (test/helpers/sign).
 */
import t from 'tap';
import { startStubWallet, type StubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { sportsbookHeaders } from '../helpers/sign.js';

const HASH = 'sportsbook-test-security-hash';
const env = { SPORTSBOOK_SECURITY_HASH: HASH };

interface Rig {
  gw: TestGateway;
  wallet: StubWallet;
  tx(body: object | string, opts?: { secret?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
  rb(body: object | string, opts?: { secret?: string }): Promise<{ status: number; body: any; text: string }>;
}

type Over = Omit<Parameters<typeof startTestGateway>[1], 'env'>;

async function rig(tt: { teardown(fn: () => unknown): void }, over: Over = {}): Promise<Rig> {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env, walletUrl: wallet.url, enabled: ['sportsbook'], ...over });
  const send = (path: string, body: object | string, o: { secret?: string; headers?: Record<string, string> }) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return gw.send('POST', path, text, { ...sportsbookHeaders(o.secret ?? HASH, text), ...o.headers });
  };
  return { gw, wallet, tx: (b, o = {}) => send('/sportsbook/transaction', b, o), rb: (b, o = {}) => send('/sportsbook/transaction-rollback', b, o) };
}

const bet = (id: string, amount: number | string, user = 'player-1') => ({ transaction_id: id, action: 'bet', user_id: user, currency: 'USD', amount });
const result = (id: string, amount: number | string, user = 'player-1') => ({ transaction_id: id, action: 'result', user_id: user, currency: 'USD', amount });
const rollback = (id: string, ref: string, amount: number | string, user = 'player-1') => ({ transaction_id: id, rollback_transaction_id: ref, action: 'rollback', user_id: user, currency: 'USD', amount });
const GW_ID = /^gw-[0-9a-f]{24}$/;

t.test('known-answer vector: HMAC-SHA256 of the raw body with SECURITY_HASH', async (tt) => {
  // printf '%s' "$BODY" | openssl dgst -sha256 -hmac security-hash   (OpenSSL 3.0)
  const body = '{"transaction_id":"100500","action":"bet","user_id":"u-1","currency":"EUR","amount":10.5}';
  const want = 'dcec9279d07d3ce2000116862f9f7e9556aa6c23cd1dee22f24360d97ec89ca4';
  tt.equal(sportsbookHeaders('security-hash', body)['x-security-hash'], want);
  const wallet = await startStubWallet({ 'u-1': { currency: 'EUR', balance: '50.00' } });
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { SPORTSBOOK_SECURITY_HASH: 'security-hash' }, walletUrl: wallet.url, enabled: ['sportsbook'] });
  const r = await gw.send('POST', '/sportsbook/transaction', body, { 'content-type': 'application/json', 'x-security-hash': want });
  tt.equal(r.status, 200);
  tt.equal(r.text, '{"error":null,"transaction_id":"w-1","balance":39.5}');
  const upper = await gw.send('POST', '/sportsbook/transaction', body, { 'x-security-hash': want.toUpperCase() });
  tt.equal(upper.text, '{"error":null,"transaction_id":"w-1","balance":39.5}', 'upper-case hex is the same signature (and the same transaction)');
});

t.test('bet: canonical debit, success envelope with the wallet transaction id and a JSON-number balance', async (tt) => {
  const { tx, wallet } = await rig(tt);
  const r = await tx(bet('b-1', 10.5));
  tt.equal(r.status, 200);
  tt.equal(r.text, '{"error":null,"transaction_id":"w-1","balance":89.5}');
  tt.match(wallet.callsOf('debit')[0]!.body, { provider: 'sportsbook', operation: 'debit', player_id: 'player-1', currency: 'USD', transaction_id: 'b-1', amount: '10.5', kind: 'bet', idempotency_key: 'sportsbook:b-1' });
  // Exact decimals, never floats: 0.1 + 0.2.
  await tx(bet('b-2', 0.1));
  const r3 = await tx(bet('b-3', 0.2));
  tt.equal(r3.text, '{"error":null,"transaction_id":"w-3","balance":89.2}');
});

t.test('the same transaction_id again: same answer, same wallet id, no balance change; another payload is DUPLICATE_TRANSACTION', async (tt) => {
  const { tx, wallet } = await rig(tt);
  const first = await tx(bet('b-1', 5));
  await tx(result('r-x', 20));
  const again = await tx(bet('b-1', 5));
  tt.equal(again.text, first.text);
  tt.equal(wallet.callsOf('debit').length, 1);
  const amount = await tx(bet('b-1', 6));
  tt.equal(amount.status, 200);
  tt.equal(amount.text, '{"error":"DUPLICATE_TRANSACTION"}');
  const user = await tx(bet('b-1', 5, 'player-2'));
  tt.same(user.body, { error: 'DUPLICATE_TRANSACTION' });
  // transaction_id is unique across bet and result: a result reusing a bet's id is refused.
  const asResult = await tx(result('b-1', 5));
  tt.same(asResult.body, { error: 'DUPLICATE_TRANSACTION' });
  tt.equal(wallet.callsOf('debit').length, 1);
  tt.equal(wallet.callsOf('credit').length, 1);
  tt.equal(wallet.balance('player-1'), '115.00');
});

t.test('insufficient funds declines the bet, final and replayed', async (tt) => {
  const { tx, wallet } = await rig(tt);
  const r = await tx(bet('b-1', 6, 'player-2'));
  tt.equal(r.status, 200);
  tt.equal(r.text, '{"error":"INSUFFICIENT_FUNDS"}');
  const again = await tx(bet('b-1', 6, 'player-2'));
  tt.equal(again.text, '{"error":"INSUFFICIENT_FUNDS"}');
  tt.equal(wallet.callsOf('debit').length, 1);
  tt.equal(wallet.balance('player-2'), '5.00');
});

t.test('wallet rejections: USER_NOT_FOUND, USER_BLOCKED, others INTERNAL_ERROR; all HTTP 200', async (tt) => {
  const { tx, wallet } = await rig(tt);
  const unknown = await tx(bet('b-1', 1, 'nobody'));
  tt.equal(unknown.status, 200);
  tt.same(unknown.body, { error: 'USER_NOT_FOUND' });
  wallet.reject = (c) => (c.body.player_id === 'player-2' ? { code: 'PLAYER_BLOCKED', status: 403 } : undefined);
  const blocked = await tx(bet('b-2', 1, 'player-2'));
  tt.equal(blocked.status, 200);
  tt.same(blocked.body, { error: 'USER_BLOCKED' });
  wallet.reject = undefined;
  const currency = await tx({ ...bet('b-3', 1), currency: 'EUR' });
  tt.equal(currency.status, 200);
  tt.same(currency.body, { error: 'INTERNAL_ERROR' });
});

t.test('result credits; a zero result is forwarded; retries answer the same', async (tt) => {
  const { tx, wallet } = await rig(tt);
  await tx(bet('b-1', 10));
  const won = await tx(result('r-1', 25.25));
  tt.equal(won.text, '{"error":null,"transaction_id":"w-2","balance":115.25}');
  tt.match(wallet.callsOf('credit')[0]!.body, { operation: 'credit', transaction_id: 'r-1', amount: '25.25', kind: 'win', idempotency_key: 'sportsbook:r-1' });
  const lost = await tx(result('r-2', 0));
  tt.equal(lost.text, '{"error":null,"transaction_id":"w-3","balance":115.25}');
  tt.equal(wallet.callsOf('credit')[1]!.body.amount, '0');
  const again = await tx(result('r-1', 25.25));
  tt.equal(again.text, won.text);
  tt.equal(wallet.callsOf('credit').length, 2);
});

t.test('must succeed: a wallet that fails twice then recovers yields one success and exactly one applied credit', async (tt) => {
  const { tx, wallet } = await rig(tt);
  let credits = 0;
  wallet.fault = (c) => (c.operation === 'credit' && ++credits <= 2 ? '503' : 'none');
  const r = await tx(result('r-1', 30));
  tt.equal(r.status, 200);
  tt.equal(r.text, '{"error":null,"transaction_id":"w-1","balance":130}');
  tt.equal(wallet.callsOf('credit').length, 3, 'two uncertain answers retried, the third applied');
  for (const c of wallet.callsOf('credit')) tt.equal(c.headers['idempotency-key'], 'sportsbook:r-1', 'every attempt carries the same key');
  tt.equal(wallet.balance('player-1'), '130.00', 'credited exactly once');
  const again = await tx(result('r-1', 30));
  tt.equal(again.text, r.text);
  tt.equal(wallet.callsOf('credit').length, 3);
});

t.test('must succeed: an applied credit whose answer was lost is retried with the same key and credited once', async (tt) => {
  const { tx, wallet } = await rig(tt);
  let credits = 0;
  wallet.fault = (c) => (c.operation === 'credit' && ++credits === 1 ? 'lost' : 'none');
  const r = await tx(result('r-1', 12.5));
  tt.equal(r.text, '{"error":null,"transaction_id":"w-1","balance":112.5}');
  tt.equal(wallet.callsOf('credit').length, 2);
  tt.equal(wallet.balance('player-1'), '112.50');
});

t.test('must succeed: a wallet down past the budget answers INTERNAL_ERROR, caches nothing, and the operator\'s retry succeeds once', async (tt) => {
  const { tx, wallet } = await rig(tt, { retryBudgetMs: 300 });
  wallet.fault = '503';
  const started = Date.now();
  const r = await tx(result('r-1', 7));
  const took = Date.now() - started;
  tt.equal(r.status, 200);
  tt.equal(r.text, '{"error":"INTERNAL_ERROR"}');
  tt.ok(wallet.callsOf('credit').length >= 3, `retried inside the budget (${wallet.callsOf('credit').length} attempts)`);
  // Pauses of 20, 40 and 80 ms fit the 300 ms budget; the next (160 ms) would overrun it, so it stops.
  tt.ok(took >= 140 && took < 1500, `gave up after ${took}ms, inside the budget`);
  wallet.fault = 'none';
  const again = await tx(result('r-1', 7));
  tt.equal(again.text, '{"error":null,"transaction_id":"w-1","balance":107}');
  tt.equal(wallet.balance('player-1'), '107.00');
});

t.test('a bet (not must-succeed) is not retried: one wallet call, INTERNAL_ERROR, the later retry succeeds once', async (tt) => {
  const { tx, wallet } = await rig(tt);
  wallet.fault = '503';
  const r = await tx(bet('b-1', 3));
  tt.equal(r.text, '{"error":"INTERNAL_ERROR"}');
  tt.equal(wallet.callsOf('debit').length, 1);
  wallet.fault = 'none';
  const again = await tx(bet('b-1', 3));
  tt.equal(again.text, '{"error":null,"transaction_id":"w-1","balance":97}');
  tt.equal(wallet.callsOf('debit').length, 2);
  tt.equal(wallet.balance('player-1'), '97.00');
});

t.test('rollback reverses the bet once; repeated it answers the same', async (tt) => {
  const { tx, rb, wallet } = await rig(tt);
  await tx(bet('b-1', 10));
  const r1 = await rb(rollback('rb-1', 'b-1', 10));
  tt.equal(r1.text, '{"error":null,"transaction_id":"w-2","balance":100}');
  tt.match(wallet.callsOf('rollback')[0]!.body, { operation: 'rollback', transaction_id: 'rb-1', reference_transaction_id: 'b-1', amount: '10', player_id: 'player-1', idempotency_key: 'sportsbook:rollback:rb-1' });
  const r2 = await rb(rollback('rb-1', 'b-1', 10));
  tt.equal(r2.text, r1.text);
  tt.equal(wallet.callsOf('rollback').length, 1);
  tt.equal(wallet.balance('player-1'), '100.00');
  const conflict = await rb(rollback('rb-1', 'b-1', 11));
  tt.same(conflict.body, { error: 'DUPLICATE_TRANSACTION' });
});

t.test('rollback first: success with a gateway-made id, nothing moves; the late bet and result are refused, never forwarded', async (tt) => {
  const { tx, rb, wallet } = await rig(tt);
  const r = await rb(rollback('rb-9', 'b-9', 4));
  tt.equal(r.status, 200);
  tt.equal(r.body.error, null);
  tt.match(r.body.transaction_id, GW_ID, 'a gateway-made id, told apart from wallet ids by its gw- prefix');
  tt.equal(r.body.balance, 100);
  tt.equal(wallet.balance('player-1'), '100.00');
  const again = await rb(rollback('rb-9', 'b-9', 4));
  tt.equal(again.text, r.text, 'the repeated rollback renders the very same id');
  tt.equal(wallet.callsOf('rollback').length, 1);
  const late = await tx(bet('b-9', 4));
  tt.equal(late.text, '{"error":"DUPLICATE_TRANSACTION"}');
  tt.equal(wallet.callsOf('debit').length, 0, 'the late bet never reached the wallet');
  // A second rollback of the same unknown reference (its own id) is forwarded and gets its own id.
  const other = await rb(rollback('rb-10', 'r-9', 0));
  tt.match(other.body.transaction_id, GW_ID);
  tt.not(other.body.transaction_id, r.body.transaction_id);
  const lateResult = await tx(result('r-9', 8));
  tt.same(lateResult.body, { error: 'DUPLICATE_TRANSACTION' }, 'a result rolled back before it arrived is never credited');
  tt.equal(wallet.callsOf('credit').length, 0);
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('the gateway-made id is deterministic: another gateway instance with an empty store renders the same id', async (tt) => {
  const a = await rig(tt);
  const b = await rig(tt);
  const ra = await a.rb(rollback('rb-7', 'b-7', 1));
  const rbb = await b.rb(rollback('rb-7', 'b-7', 1));
  tt.match(ra.body.transaction_id, GW_ID);
  tt.equal(rbb.body.transaction_id, ra.body.transaction_id);
});

t.test('signature failures: INVALID_HASH inside HTTP 200, nothing forwarded', async (tt) => {
  const { tx, rb, gw, wallet } = await rig(tt);
  const body = JSON.stringify(bet('b-1', 1));
  const wrong = await tx(body, { secret: 'wrong' });
  tt.equal(wrong.status, 200);
  tt.equal(wrong.text, '{"error":"INVALID_HASH"}');
  const missing = await gw.send('POST', '/sportsbook/transaction', body, { 'content-type': 'application/json' });
  tt.same(missing.body, { error: 'INVALID_HASH' });
  const h = sportsbookHeaders(HASH, body);
  const short = await gw.send('POST', '/sportsbook/transaction', body, { 'x-security-hash': h['x-security-hash']!.slice(0, 62) });
  tt.same(short.body, { error: 'INVALID_HASH' });
  const notHex = await gw.send('POST', '/sportsbook/transaction', body, { 'x-security-hash': 'z'.repeat(64) });
  tt.same(notHex.body, { error: 'INVALID_HASH' });
  const tampered = await gw.send('POST', '/sportsbook/transaction', body.replace('"amount":1', '"amount":100'), h);
  tt.same(tampered.body, { error: 'INVALID_HASH' });
  const rbBad = await rb(rollback('rb-1', 'b-1', 1), { secret: 'wrong' });
  tt.same(rbBad.body, { error: 'INVALID_HASH' });
  tt.equal(wallet.calls.length, 0);
});

t.test('malformed bodies: an error inside HTTP 200, nothing forwarded', async (tt) => {
  const { tx, rb, gw, wallet } = await rig(tt, { bodyLimit: 2048 });
  const cases: [string, object | string][] = [
    ['malformed JSON', '{"transaction_id": "b-1", "action": '],
    ['unknown action', { ...bet('b-1', 1), action: 'cashout' }],
    ['missing action', { ...bet('b-1', 1), action: undefined }],
    ['amount as a string', bet('b-1', '1.00')],
    ['negative amount', bet('b-1', -1)],
    ['three decimals for USD', '{"transaction_id":"b-1","action":"bet","user_id":"player-1","currency":"USD","amount":1.005}'],
    ['exponent', '{"transaction_id":"b-1","action":"bet","user_id":"player-1","currency":"USD","amount":1e2}'],
    ['missing user_id', { ...bet('b-1', 1), user_id: undefined }],
    ['missing transaction_id', { ...bet('b-1', 1), transaction_id: undefined }],
    ['an array body', [bet('b-1', 1)]],
    ['oversized', { ...bet('b-1', 1), pad: 'x'.repeat(4096) }],
  ];
  for (const [name, body] of cases) {
    const r = await tx(body);
    tt.equal(r.status, 200, name);
    tt.equal(r.text, '{"error":"INTERNAL_ERROR"}', name);
  }
  const noRef = await rb({ ...rollback('rb-1', 'b-1', 1), rollback_transaction_id: undefined });
  tt.same(noRef.body, { error: 'INTERNAL_ERROR' }, 'a rollback must name what it rolls back');
  const unknownRoute = await gw.send('POST', '/sportsbook/transactions', '{}', sportsbookHeaders(HASH, '{}'));
  tt.equal(unknownRoute.status, 200);
  tt.same(unknownRoute.body, { error: 'INTERNAL_ERROR' });
  tt.equal(wallet.calls.length, 0);
});

t.test('20 concurrent duplicates: one wallet call, identical answers', async (tt) => {
  const { tx, rb, wallet } = await rig(tt);
  wallet.delayMs = 100;
  const answers = await Promise.all(Array.from({ length: 20 }, () => tx(result('r-1', 2))));
  tt.equal(wallet.callsOf('credit').length, 1);
  for (const a of answers) tt.equal(a.text, '{"error":null,"transaction_id":"w-1","balance":102}');
  const rbs = await Promise.all(Array.from({ length: 10 }, () => rb(rollback('rb-5', 'b-5', 1))));
  tt.equal(wallet.callsOf('rollback').length, 1);
  tt.match(rbs[0]!.body.transaction_id, GW_ID);
  for (const r of rbs) tt.equal(r.text, rbs[0]!.text);
  tt.equal(wallet.balance('player-1'), '102.00');
});

t.test('wallet hanging on a bet: INTERNAL_ERROR within the timeout, nothing cached, the retry succeeds once', async (tt) => {
  const { tx, wallet } = await rig(tt, { timeoutMs: 300 });
  wallet.fault = 'hang';
  const started = Date.now();
  const r = await tx(bet('b-1', 4));
  const took = Date.now() - started;
  tt.equal(r.text, '{"error":"INTERNAL_ERROR"}');
  tt.ok(took >= 280 && took < 1500, `answered after ${took}ms`);
  wallet.fault = 'none';
  const again = await tx(bet('b-1', 4));
  tt.equal(again.text, '{"error":null,"transaction_id":"w-1","balance":96}');
  tt.equal(wallet.balance('player-1'), '96.00');
});
