/**
 * The worked example of docs/add-a-provider.md, end to end: a provider described without code that
 * signs with Ed25519, writes amounts as integer cents, answers HTTP 200 with the status in the body,
 * echoes X-Request-Id, and carries transaction ids in a header and in the path. A real gateway in
 * front of the stub canonical wallet; requests signed here with node:crypto (never the gateway's
 * own signing code), plus one known answer made with `openssl pkeyutl -sign -rawin`.
 */
import t, { type Test } from 'tap';
import { createPrivateKey, sign } from 'node:crypto';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { keyPath, keyPem } from '../compile/signature-rig.js';
import { startTestGateway } from '../helpers/gateway.js';
import { startStubWallet, type StubWallet } from '../helpers/stub-wallet.js';

const DIR = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'descriptors', 'aurora-slots');
const AURORA_KEY = createPrivateKey(keyPem('aurora-sandbox.key'));
const env = { AURORA_SLOTS_PUBLIC_KEY: keyPath('aurora-sandbox.pub.pem') };

function signed(method: string, p: string, body: string, key = AURORA_KEY, ts = Math.floor(Date.now() / 1000)): Record<string, string> {
  const message = `${ts}\n${method}\n${p}\n${body}`;
  return { 'x-aurora-timestamp': String(ts), 'x-aurora-signature': sign(null, Buffer.from(message), key).toString('base64') };
}

async function rig(tt: Test, now?: () => number): Promise<{ wallet: StubWallet; call(route: string, body: object | string, headers?: Record<string, string>, opts?: { key?: typeof AURORA_KEY; ts?: number }): Promise<{ status: number; body: any }> }> {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env, walletUrl: wallet.url, providersDir: DIR, ...(now ? { now } : {}) });
  return {
    wallet,
    call(route, body, headers = {}, opts = {}) {
      const p = `/aurora-slots/wallet/${route}`;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return gw.send('POST', p, text, { 'content-type': 'application/json', ...signed('POST', p, text, opts.key, opts.ts), ...headers });
    },
  };
}

const bet = (player: string, amount: number | string, round = 'r-1') => ({ player, currency: 'USD', amount, round, game: 'northern-lights' });

t.test('known answer: an openssl-signed bet', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env, walletUrl: wallet.url, providersDir: DIR, now: () => 1700000000_000 });
  const body = '{"player":"player-1","currency":"USD","amount":150,"round":"r-1","game":"northern-lights"}';
  // openssl pkeyutl -sign -inkey aurora-sandbox.key -rawin over "1700000000\nPOST\n/aurora-slots/wallet/bets\n" + body
  const sig = 'jrs5FcmpPws5l43NbJJL0iRsCzhFc27um7H3dav7bjgCArOVGuDU+ZkrjuzPi5hvm4wMFJSqV+r6x7NaV585Bg==';
  const headers = { 'content-type': 'application/json', 'x-aurora-timestamp': '1700000000', 'x-aurora-signature': sig, 'x-request-id': 'req-kat', 'x-transaction-id': 'bet-kat' };
  const r = await gw.send('POST', '/aurora-slots/wallet/bets', body, headers);
  tt.equal(r.status, 200);
  tt.same(r.body, { status: 'OK', request_id: 'req-kat', balance: 9850, currency: 'USD', transaction: 'w-1' }, 'balance 98.50 rendered as 9850 cents');
  tt.match(wallet.callsOf('debit')[0]!.body, { transaction_id: 'bet-kat', amount: '1.5', currency: 'USD', player_id: 'player-1', round_id: 'r-1', game_id: 'northern-lights', kind: 'bet', idempotency_key: 'aurora-slots:debit:bet-kat' });
  const moved = await gw.send('POST', '/aurora-slots/wallet/bets', body, { ...headers, 'x-aurora-signature': sig.replace('jrs5', 'jrs6') });
  tt.same(moved.body, { status: 'ERR_BAD_SIGNATURE', request_id: 'req-kat' });
});

t.test('amounts in integer cents, both ways; status in the body; request id echoed', async (tt) => {
  const { call, wallet } = await rig(tt);
  const b = await call('balance', { player: 'player-1' }, { 'x-request-id': 'q-1' });
  tt.same([b.status, b.body], [200, { status: 'OK', request_id: 'q-1', balance: 10000, currency: 'USD' }]);
  const d = await call('bets', bet('player-1', 1), { 'x-request-id': 'q-2', 'x-transaction-id': 'b-1' });
  tt.match(d.body, { status: 'OK', request_id: 'q-2', balance: 9999 });
  tt.equal(wallet.callsOf('debit')[0]!.body.amount, '0.01', '1 cent is 0.01');
  for (const bad of ['1.5', '-100', '1e3', '"ten"', 'null', '150.00']) {
    const text = JSON.stringify(bet('player-1', 0)).replace('"amount":0', `"amount":${bad}`);
    const r = await call('bets', text, { 'x-request-id': 'q-bad', 'x-transaction-id': `b-bad-${bad}` });
    tt.same([r.status, r.body], [200, { status: 'ERR_BAD_REQUEST', request_id: 'q-bad' }], `amount ${bad} refused`);
  }
  tt.equal(wallet.callsOf('debit').length, 1, 'no bad amount was forwarded');
});

t.test('transaction id from a header: retries replay, conflicts are duplicates, a missing id is refused', async (tt) => {
  const { call, wallet } = await rig(tt);
  const first = await call('bets', bet('player-1', 250), { 'x-request-id': 'a', 'x-transaction-id': 'b-2' });
  const again = await call('bets', bet('player-1', 250), { 'x-request-id': 'b', 'x-transaction-id': 'b-2' });
  tt.same(again.body, { ...first.body, request_id: 'b' }, 'same outcome, the new request id');
  const conflict = await call('bets', bet('player-1', 300), { 'x-request-id': 'c', 'x-transaction-id': 'b-2' });
  tt.same(conflict.body, { status: 'ERR_DUPLICATE', request_id: 'c' });
  const noId = await call('bets', bet('player-1', 250), { 'x-request-id': 'd' });
  tt.same(noId.body, { status: 'ERR_BAD_REQUEST', request_id: 'd' });
  tt.equal(wallet.callsOf('debit').length, 1);
  const poor = await call('bets', bet('player-2', 600), { 'x-request-id': 'e', 'x-transaction-id': 'b-3' });
  tt.same(poor.body, { status: 'ERR_INSUFFICIENT_FUNDS', request_id: 'e', balance: 500 }, 'the balance the wallet reported, in cents');
  const zero = await call('wins', { ...bet('player-1', 0), bet_transaction: 'b-2' }, { 'x-request-id': 'f', 'x-transaction-id': 'w-2' });
  tt.match(zero.body, { status: 'OK', balance: 9750 });
  tt.match(wallet.callsOf('credit')[0]!.body, { amount: '0', reference_transaction_id: 'b-2', round_closed: true });
});

t.test('cancel: the bet id from the path, the cancel id from the header', async (tt) => {
  const { call, wallet } = await rig(tt);
  await call('bets', bet('player-1', 1000), { 'x-transaction-id': 'b-4' });
  const c1 = await call('bets/b-4/cancel', { player: 'player-1' }, { 'x-request-id': 'x1', 'x-transaction-id': 'c-4' });
  tt.match(c1.body, { status: 'OK', request_id: 'x1', balance: 10000 });
  tt.match(wallet.callsOf('rollback')[0]!.body, { reference_transaction_id: 'b-4', transaction_id: 'c-4' });
  const c2 = await call('bets/b-4/cancel', { player: 'player-1' }, { 'x-request-id': 'x2', 'x-transaction-id': 'c-4' });
  tt.same(c2.body, { ...c1.body, request_id: 'x2' });
  tt.equal(wallet.callsOf('rollback').length, 1);

  const unknown = await call('bets/b-5/cancel', { player: 'player-1' }, { 'x-request-id': 'x3', 'x-transaction-id': 'c-5' });
  tt.same(unknown.body, { status: 'ERR_BET_NOT_FOUND', request_id: 'x3', balance: 10000 });
  const late = await call('bets', bet('player-1', 100), { 'x-request-id': 'x4', 'x-transaction-id': 'b-5' });
  tt.same(late.body, { status: 'ERR_BET_CANCELLED', request_id: 'x4' });
  tt.equal(wallet.callsOf('debit').length, 1, 'the late bet never reached the wallet');
});

t.test('signature failures, stale timestamps and outages are rendered in the envelope', async (tt) => {
  const { call, wallet } = await rig(tt);
  const other = createPrivateKey(keyPem('ed25519.key'));
  const wrongKey = await call('balance', { player: 'player-1' }, { 'x-request-id': 's1' }, { key: other });
  tt.same([wrongKey.status, wrongKey.body], [200, { status: 'ERR_BAD_SIGNATURE', request_id: 's1' }]);
  const stale = await call('balance', { player: 'player-1' }, { 'x-request-id': 's2' }, { ts: Math.floor(Date.now() / 1000) - 61 });
  tt.same(stale.body, { status: 'ERR_BAD_SIGNATURE', request_id: 's2' });
  const unsigned = await call('balance', { player: 'player-1' }, { 'x-request-id': 's3', 'x-aurora-signature': '' });
  tt.same(unsigned.body, { status: 'ERR_BAD_SIGNATURE', request_id: 's3' });
  const malformed = await call('balance', '{"player":', { 'x-request-id': 's4' });
  tt.same(malformed.body, { status: 'ERR_BAD_REQUEST', request_id: 's4' });
  tt.equal(wallet.calls.length, 0);
  wallet.fault = '503';
  const down = await call('bets', bet('player-1', 100), { 'x-request-id': 's5', 'x-transaction-id': 'b-6' });
  tt.same(down.body, { status: 'ERR_RETRY', request_id: 's5' }, 'uncertain: Aurora retries');
});
