/**
 * solex-igsp end to end (seed 001): one `POST /hooks` endpoint dispatched on `action`, a Bearer API
 * key (constant-time) plus X-Signature = hex HMAC-SHA256(secret, raw body + X-Timestamp), JSON-number
 * amounts and balances. A real gateway on a loopback port, a stub canonical wallet over real HTTP,
 * requests signed by independent node:crypto code (test/helpers/sign).
 */
import t from 'tap';
import { createHmac } from 'node:crypto';
import { startStubWallet, type StubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { isoSeconds, solexHeaders } from '../helpers/sign.js';

const API_KEY = 'gp_test_a14f22';
const SECRET = 'igsp-test-secret';
const env = { SOLEX_IGSP_API_KEY: API_KEY, SOLEX_IGSP_SECRET_KEY: SECRET };
const PATH = '/solex-igsp/hooks';

interface CallOpts {
  ts?: string;
  key?: string;
  secret?: string;
  headers?: Record<string, string>;
}

interface Rig {
  gw: TestGateway;
  wallet: StubWallet;
  hook(body: object | string, opts?: CallOpts): Promise<{ status: number; body: any; text: string }>;
}

type Over = Omit<Parameters<typeof startTestGateway>[1], 'env'>;

async function rig(tt: { teardown(fn: () => unknown): void }, over: Over = {}, players?: Parameters<typeof startStubWallet>[0]): Promise<Rig> {
  const wallet = await startStubWallet(players);
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env, walletUrl: wallet.url, enabled: ['solex-igsp'], ...over });
  return {
    gw,
    wallet,
    hook(body, o = {}) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return gw.send('POST', PATH, text, { ...solexHeaders(o.key ?? API_KEY, o.secret ?? SECRET, text, o.ts), ...o.headers });
    },
  };
}

const base = { player_id: 'player-1', currency: 'USD', game_id: 'prediction-markets', session_id: 'sess-1' };
const bet = (tx: string, amount: number | string, extra: object = {}) => ({ action: 'bet', ...base, amount, transaction_id: tx, type: 'bet', round_id: `r-${tx}`, ...extra });
const win = (tx: string, amount: number | string, extra: object = {}) => ({ action: 'win', ...base, amount, transaction_id: tx, type: 'win', ...extra });
const refund = (tx: string, betTx: string, amount: number | string, extra: object = {}) => ({ action: 'refund', ...base, amount, transaction_id: tx, bet_transaction_id: betTx, ...extra });

/** The raw JSON text must carry the balance as a bare JSON number, exactly as written. */
const rawNumber = (text: string, key: string): string | undefined => new RegExp(`"${key}":(-?[0-9.eE+-]+)[,}]`).exec(text)?.[1];

t.test('known-answer vector: HMAC over raw body + timestamp, accepted by the gateway at that instant', async (tt) => {
  // printf '%s%s' "$BODY" 2025-10-17T12:03:41Z | openssl dgst -sha256 -hmac igsp-secret-key   (OpenSSL 3.0)
  const body = '{"action":"bet","player_id":"p-1","currency":"USD","amount":2.5,"game_id":"prediction-markets","transaction_id":"t-1","session_id":"s-1","type":"bet"}';
  const ts = '2025-10-17T12:03:41Z';
  const want = '5771dd76f5d71853d8f74f887ed9da8bd3c107f96088177c0e586a55c863db4e';
  tt.equal(solexHeaders('gp_live_key', 'igsp-secret-key', body, ts)['x-signature'], want);
  const wallet = await startStubWallet({ 'p-1': { currency: 'USD', balance: '100.00' } });
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { SOLEX_IGSP_API_KEY: 'gp_live_key', SOLEX_IGSP_SECRET_KEY: 'igsp-secret-key' }, walletUrl: wallet.url, enabled: ['solex-igsp'], now: () => Date.parse(ts) + 2000 });
  const r = await gw.send('POST', PATH, body, { 'content-type': 'application/json', authorization: 'Bearer gp_live_key', 'x-timestamp': ts, 'x-signature': want });
  tt.equal(r.status, 200);
  tt.equal(r.text, '{"balance":97.5,"transaction_id":"w-1"}');
  // Timestamp first (the other order) is not the recipe.
  const swapped = createHmac('sha256', 'igsp-secret-key').update(ts + body).digest('hex');
  const r2 = await gw.send('POST', PATH, body, { authorization: 'Bearer gp_live_key', 'x-timestamp': ts, 'x-signature': swapped });
  tt.equal(r2.status, 403);
});

t.test('balance: a JSON number written from the decimal text', async (tt) => {
  const { hook, wallet } = await rig(tt);
  const r = await hook({ action: 'balance', player_id: 'player-1', currency: 'USD', session_id: 'sess-1' });
  tt.equal(r.status, 200);
  tt.equal(r.text, '{"balance":100}');
  const noSession = await hook({ action: 'balance', player_id: 'player-1', currency: 'USD' });
  tt.equal(noSession.text, '{"balance":100}', 'session_id is optional on balance');
  tt.match(wallet.callsOf('balance')[0]!.body, { operation: 'balance', player_id: 'player-1', currency: 'USD', session_id: 'sess-1' });
  tt.notOk(wallet.callsOf('balance')[0]!.headers['idempotency-key']);
});

t.test('bet: canonical debit with type → kind, JSON-number amounts exact (no float drift)', async (tt) => {
  const { hook, wallet } = await rig(tt);
  const r = await hook(bet('b-1', 0.1, { finished: false }));
  tt.equal(r.status, 200);
  tt.equal(r.text, '{"balance":99.9,"transaction_id":"w-1"}');
  tt.match(wallet.callsOf('debit')[0]!.body, {
    provider: 'solex-igsp', operation: 'debit', player_id: 'player-1', currency: 'USD', amount: '0.1', game_id: 'prediction-markets',
    transaction_id: 'b-1', session_id: 'sess-1', round_id: 'r-b-1', round_closed: false, kind: 'bet', idempotency_key: 'solex-igsp:debit:b-1',
  });
  const r2 = await hook(bet('b-2', 0.2));
  tt.equal(rawNumber(r2.text, 'balance'), '99.7', '100 - 0.1 - 0.2 is exactly 99.7');
  const tip = await hook(bet('b-3', 1, { type: 'tip' }));
  tt.equal(tip.status, 200);
  tt.equal(wallet.callsOf('debit')[2]!.body.kind, 'tip');
  const free = await hook(bet('b-4', 0, { type: 'freespin' }));
  tt.equal(free.status, 200, 'a zero freespin bet is forwarded');
  tt.match(wallet.callsOf('debit')[3]!.body, { amount: '0', kind: 'freespin' });
  const untyped = await hook({ ...bet('b-5', 1), type: undefined });
  tt.equal(untyped.status, 200);
  tt.equal(wallet.callsOf('debit')[4]!.body.kind, 'bet', 'a bet without a type is a plain bet');
  tt.equal(wallet.balance('player-1'), '97.70');
});

t.test('win: type → kind, finished → round_closed, zero wins forwarded, session optional', async (tt) => {
  const { hook, wallet } = await rig(tt);
  await hook(bet('b-1', 5));
  const jackpot = await hook(win('w-1', 12.75, { type: 'jackpot', round_id: 'r-b-1', finished: true }));
  tt.equal(jackpot.text, '{"balance":107.75,"transaction_id":"w-2"}');
  tt.match(wallet.callsOf('credit')[0]!.body, { operation: 'credit', amount: '12.75', kind: 'jackpot', round_closed: true, round_id: 'r-b-1', idempotency_key: 'solex-igsp:credit:w-1' });
  const zero = await hook(win('w-2', 0));
  tt.equal(zero.status, 200);
  tt.equal(zero.text, '{"balance":107.75,"transaction_id":"w-3"}');
  tt.equal(wallet.callsOf('credit')[1]!.body.amount, '0');
  const late = await hook({ ...win('w-3', 1, { type: 'prize' }), session_id: undefined, game_id: undefined, currency: undefined });
  tt.equal(late.status, 200, 'a settlement after the session ended (no session, game or currency) still credits');
  tt.notOk('currency' in wallet.callsOf('credit')[2]!.body, 'no currency: the wallet uses the account currency');
  tt.equal(wallet.callsOf('credit')[2]!.body.kind, 'prize');
  for (const type of ['tournament', 'freespin']) tt.equal((await hook(win(`w-${type}`, 1, { type }))).status, 200, type);
  const wrongType = await hook(win('w-4', 1, { type: 'bet' }));
  tt.equal(wrongType.status, 400, 'bet is not a win type');
  tt.equal(wrongType.body.error, 'INVALID_REQUEST');
  tt.equal(wallet.balance('player-1'), '110.75');
});

t.test('retries answer the same; another payload under the same id is a conflict', async (tt) => {
  const { hook, wallet } = await rig(tt);
  const first = await hook(bet('b-1', 2.5));
  await hook(win('w-x', 10));
  const retry = await hook(bet('b-1', 2.5));
  tt.equal(retry.text, first.text, 'same wallet transaction id and balance as the first time');
  tt.equal(wallet.callsOf('debit').length, 1);
  const conflict = await hook(bet('b-1', 3));
  tt.equal(conflict.status, 400);
  tt.same(conflict.body, { error: 'TRANSACTION_CONFLICT', message: 'Transaction id reused with a different payload' });
  const otherPlayer = await hook({ ...bet('b-1', 2.5), player_id: 'player-2' });
  tt.equal(otherPlayer.body.error, 'TRANSACTION_CONFLICT');
  tt.equal(wallet.callsOf('debit').length, 1);
  tt.equal(wallet.balance('player-1'), '107.50');
});

t.test('insufficient funds and other business rejections: 400, final, replayed; session errors 409', async (tt) => {
  const { hook, wallet } = await rig(tt);
  const r = await hook({ ...bet('b-1', 6), player_id: 'player-2' });
  tt.equal(r.status, 400);
  tt.same(r.body, { error: 'INSUFFICIENT_FUNDS', message: 'Insufficient funds' });
  const again = await hook({ ...bet('b-1', 6), player_id: 'player-2' });
  tt.same(again.body, { error: 'INSUFFICIENT_FUNDS', message: 'Insufficient funds' });
  tt.equal(wallet.callsOf('debit').length, 1);
  const unknown = await hook({ action: 'balance', player_id: 'nobody', currency: 'USD' });
  tt.equal(unknown.status, 400);
  tt.equal(unknown.body.error, 'PLAYER_NOT_FOUND');
  const currency = await hook({ ...bet('b-2', 1), currency: 'EUR' });
  tt.equal(currency.status, 400);
  tt.equal(currency.body.error, 'CURRENCY_MISMATCH');
  wallet.reject = (c) => (c.body.session_id === 'sess-dead' ? { code: 'SESSION_INVALID', status: 401 } : c.body.session_id === 'sess-old' ? { code: 'SESSION_EXPIRED', status: 401 } : undefined);
  const dead = await hook(bet('b-3', 1, { session_id: 'sess-dead' }));
  tt.equal(dead.status, 409);
  tt.same(dead.body, { error: 'SESSION_INVALID', message: 'Invalid session' });
  const old = await hook(bet('b-4', 1, { session_id: 'sess-old' }));
  tt.equal(old.status, 409);
  tt.equal(old.body.error, 'SESSION_EXPIRED');
  tt.equal(wallet.balance('player-2'), '5.00');
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('refund reverses the bet once; a repeated refund answers the same', async (tt) => {
  const { hook, wallet } = await rig(tt);
  await hook(bet('b-1', 10));
  const r1 = await hook(refund('rf-1', 'b-1', 10));
  tt.equal(r1.status, 200);
  tt.equal(r1.text, '{"balance":100,"transaction_id":"w-2"}');
  const call = wallet.callsOf('rollback')[0]!;
  tt.match(call.body, { operation: 'rollback', transaction_id: 'rf-1', reference_transaction_id: 'b-1', amount: '10', kind: 'refund', idempotency_key: 'solex-igsp:rollback:rf-1' });
  const r2 = await hook(refund('rf-1', 'b-1', 10));
  tt.equal(r2.text, r1.text);
  tt.equal(wallet.callsOf('rollback').length, 1);
  tt.equal(wallet.balance('player-1'), '100.00');
  const missingRef = await hook({ ...refund('rf-2', 'b-1', 10), bet_transaction_id: undefined });
  tt.equal(missingRef.status, 400, 'a refund must name its bet');
  tt.equal(wallet.callsOf('rollback').length, 1);
});

t.test('refund first: TRANSACTION_NOT_FOUND 400 with a tombstone; the late bet is refused and never forwarded', async (tt) => {
  const { hook, wallet } = await rig(tt);
  const r = await hook(refund('rf-9', 'b-9', 4));
  tt.equal(r.status, 400);
  tt.same(r.body, { error: 'TRANSACTION_NOT_FOUND', message: 'Transaction not found' });
  const late = await hook(bet('b-9', 4));
  tt.equal(late.status, 400);
  tt.same(late.body, { error: 'TRANSACTION_ROLLED_BACK', message: 'Transaction already rolled back' });
  tt.equal(wallet.callsOf('debit').length, 0, 'the late bet never reached the wallet');
  const again = await hook(refund('rf-9', 'b-9', 4));
  tt.equal(again.status, 400);
  tt.equal(again.body.error, 'TRANSACTION_NOT_FOUND');
  tt.equal(wallet.callsOf('rollback').length, 1, 'the repeated refund was answered from the record');
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('API key and signature: 403 INVALID_SIGNATURE, nothing forwarded', async (tt) => {
  const { hook, gw, wallet } = await rig(tt);
  const body = JSON.stringify(bet('b-1', 1));
  const wrongKey = await hook(body, { key: 'gp_test_a14f23' });
  tt.equal(wrongKey.status, 403);
  tt.same(wrongKey.body, { error: 'INVALID_SIGNATURE', message: 'Invalid API key' });
  const longKey = await hook(body, { key: `${API_KEY}x` });
  tt.equal(longKey.status, 403, 'a longer key');
  const h = solexHeaders(API_KEY, SECRET, body);
  const noAuth = await gw.send('POST', PATH, body, { 'x-timestamp': h['x-timestamp']!, 'x-signature': h['x-signature']! });
  tt.equal(noAuth.status, 403);
  const basic = await gw.send('POST', PATH, body, { ...h, authorization: `Basic ${API_KEY}` });
  tt.equal(basic.status, 403, 'the Bearer scheme is required');
  const badSig = await hook(body, { secret: 'wrong' });
  tt.equal(badSig.status, 403);
  tt.same(badSig.body, { error: 'INVALID_SIGNATURE', message: 'Invalid signature' });
  const noSig = await gw.send('POST', PATH, body, { authorization: h.authorization!, 'x-timestamp': h['x-timestamp']! });
  tt.equal(noSig.status, 403);
  // The signature covers the timestamp: moving it after signing breaks it.
  const moved = await gw.send('POST', PATH, body, { ...h, 'x-timestamp': isoSeconds(Date.now() - 60_000) });
  tt.equal(moved.status, 403);
  tt.equal(moved.body.error, 'INVALID_SIGNATURE');
  // Margins well past the ±300 s window: the timestamps are truncated to whole seconds, and a loaded
  // machine may take a while between here and the gateway's clock reading.
  const now = Date.now();
  const stale = await hook(body, { ts: isoSeconds(now - 320_000) });
  tt.equal(stale.status, 403);
  tt.equal(stale.body.error, 'INVALID_TIMESTAMP');
  const future = await hook(body, { ts: isoSeconds(now + 320_000) });
  tt.equal(future.status, 403);
  tt.equal(wallet.calls.length, 0);
  const inWindow = await hook(body, { ts: isoSeconds(now - 290_000) });
  tt.equal(inWindow.status, 200);
  tt.equal(wallet.calls.length, 1);
});

t.test('malformed bodies: 400 INVALID_REQUEST, nothing forwarded', async (tt) => {
  const { hook, wallet } = await rig(tt, { bodyLimit: 2048 });
  const malformed = await hook('{"action": "bet", "amount": ');
  tt.equal(malformed.status, 400);
  tt.same(malformed.body, { error: 'INVALID_REQUEST', message: 'Invalid request' });
  const cases: [string, object | string][] = [
    ['amount as a string', bet('b-1', '2.50')],
    ['negative amount', { ...bet('b-1', 0), amount: -1 }],
    ['exponent', '{"action":"bet","player_id":"player-1","currency":"USD","amount":1e2,"game_id":"g","transaction_id":"b-1","session_id":"s","type":"bet"}'],
    ['three decimals for USD', '{"action":"bet","player_id":"player-1","currency":"USD","amount":1.005,"game_id":"g","transaction_id":"b-1","session_id":"s","type":"bet"}'],
    ['16 significant digits', '{"action":"bet","player_id":"player-1","currency":"USD","amount":12345678901234.56,"game_id":"g","transaction_id":"b-1","session_id":"s","type":"bet"}'],
    ['unknown action', { ...bet('b-1', 1), action: 'cashout' }],
    ['missing action', { ...bet('b-1', 1), action: undefined }],
    ['unknown bet type', bet('b-1', 1, { type: 'jackpot' })],
    ['bet without session', { ...bet('b-1', 1), session_id: undefined }],
    ['bet without game', { ...bet('b-1', 1), game_id: undefined }],
    ['bet without currency', { ...bet('b-1', 1), currency: undefined }],
    ['missing transaction_id', { ...bet('b-1', 1), transaction_id: undefined }],
    ['finished not a boolean', bet('b-1', 1, { finished: 'yes' })],
    ['an array body', [bet('b-1', 1)]],
    ['oversized', { ...bet('b-1', 1), pad: 'x'.repeat(4096) }],
  ];
  for (const [name, body] of cases) {
    const r = await hook(body);
    tt.equal(r.status, 400, name);
    tt.equal(r.body.error, 'INVALID_REQUEST', name);
  }
  tt.equal(wallet.calls.length, 0);
});

t.test('JPY: zero decimals, decimals refused, balances rendered as integers', async (tt) => {
  const { hook, wallet } = await rig(tt, {}, { 'player-jp': { currency: 'JPY', balance: '1000' } });
  const ok = await hook({ ...bet('b-1', 150), player_id: 'player-jp', currency: 'JPY' });
  tt.equal(ok.text, '{"balance":850,"transaction_id":"w-1"}');
  const frac = await hook({ ...bet('b-2', 1.5), player_id: 'player-jp', currency: 'JPY' });
  tt.equal(frac.status, 400);
  tt.equal(frac.body.error, 'INVALID_REQUEST');
  tt.equal(wallet.callsOf('debit').length, 1);
});

t.test('20 concurrent duplicates: one wallet call, identical answers', async (tt) => {
  const { hook, wallet } = await rig(tt);
  wallet.delayMs = 100;
  const answers = await Promise.all(Array.from({ length: 20 }, () => hook(win('w-1', 3.5))));
  tt.equal(wallet.callsOf('credit').length, 1);
  for (const a of answers) {
    tt.equal(a.status, 200);
    tt.equal(a.text, '{"balance":103.5,"transaction_id":"w-1"}');
  }
  tt.equal(wallet.balance('player-1'), '103.50');
});

t.test('wallet 503: retriable 503, nothing cached, the later retry succeeds once', async (tt) => {
  const { hook, wallet } = await rig(tt);
  wallet.fault = '503';
  const r = await hook(bet('b-1', 3));
  tt.equal(r.status, 503);
  tt.same(r.body, { error: 'WALLET_UNAVAILABLE', message: 'Service temporarily unavailable' });
  const bal = await hook({ action: 'balance', player_id: 'player-1', currency: 'USD' });
  tt.equal(bal.status, 503, 'a balance during the outage is retriable too');
  wallet.fault = 'garbage';
  tt.equal((await hook(bet('b-1', 3))).status, 503, 'a non-JSON answer is uncertain');
  wallet.fault = 'none';
  wallet.reject = () => ({ code: 'INTERNAL_ERROR', status: 400 });
  const internal = await hook(bet('b-1', 3));
  tt.equal(internal.status, 500, 'the wallet\'s INTERNAL_ERROR is uncertain: 500, retriable');
  tt.same(internal.body, { error: 'INTERNAL_ERROR', message: 'Internal error' });
  wallet.reject = undefined;
  const again = await hook(bet('b-1', 3));
  tt.equal(again.text, '{"balance":97,"transaction_id":"w-1"}');
  const third = await hook(bet('b-1', 3));
  tt.equal(third.text, again.text);
  tt.equal(wallet.callsOf('debit').length, 4, 'three uncertain attempts and the successful retry; the fifth was replayed');
  tt.equal(wallet.balance('player-1'), '97.00');
});

t.test('wallet hanging: the descriptor\'s wallet_timeout_ms keeps the answer inside Solex\'s ~2 s', async (tt) => {
  // The gateway-wide wallet timeout is 5 s here; the descriptor's limits.wallet_timeout_ms (1500) wins.
  const { hook, wallet } = await rig(tt, { timeoutMs: 5000 });
  wallet.fault = 'hang';
  const started = Date.now();
  const r = await hook(bet('b-1', 4));
  const took = Date.now() - started;
  tt.equal(r.status, 503);
  tt.equal(r.body.error, 'WALLET_UNAVAILABLE');
  tt.ok(took >= 1400 && took < 2000, `answered after ${took}ms`);
  wallet.fault = 'none';
  const again = await hook(bet('b-1', 4));
  tt.equal(again.text, '{"balance":96,"transaction_id":"w-1"}');
  tt.equal(wallet.balance('player-1'), '96.00');
});
