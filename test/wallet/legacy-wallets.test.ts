/**
 * The two stub legacy wallets (test/helpers/legacy-wallets.ts) driven over real HTTP with fetch:
 * every route and error, exact minor units per currency (USD cents, JPY whole yen, KWD fils),
 * LedgerPro's Idempotency-Key replay and reuse, StatusWallet's double effect for a repeated txid and
 * its status query, every fault kind (applied-* move money, the others do not; a hang is released
 * by close), and authentication failures. Signatures are computed here with node:crypto.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { Test } from 'tap';
import {
  signStatusWallet,
  startLedgerPro,
  startStatusWallet,
  type LedgerPro,
  type LegacyFault,
  type LegacyPlayerSeed,
  type StatusWallet,
} from '../helpers/legacy-wallets.js';

const TOKEN = 'lp-token-7f3a';
const SECRET = 'sw-secret-91c2';

interface Reply {
  status: number;
  text: string;
  json: any;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

// ---------------------------------------------------------------------------------------------
// LedgerPro

async function ledger(t: Test, players?: Record<string, LegacyPlayerSeed>): Promise<LedgerPro> {
  const w = await startLedgerPro({ token: TOKEN, ...(players ? { players } : {}) });
  t.teardown(() => w.close());
  return w;
}

/** A LedgerPro request; a header given as undefined is left out (e.g. authorization). */
function lpFetch(w: LedgerPro, method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}): Promise<Response> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries({ authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers })) {
    if (v !== undefined) h[k] = v;
  }
  return fetch(w.url + path, { method, headers: h, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
}

async function lp(w: LedgerPro, method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}): Promise<Reply> {
  return reply(await lpFetch(w, method, path, body, headers));
}

/** A LedgerPro money call with an Idempotency-Key. */
function lpMoney(w: LedgerPro, path: string, body: unknown, key: string): Promise<Reply> {
  return lp(w, 'POST', path, body, { 'idempotency-key': key });
}

const wd = (player: string): string => `/v2/players/${player}/withdrawals`;
const dp = (player: string): string => `/v2/players/${player}/deposits`;
const wallet = (player: string): string => `/v2/players/${player}/wallet`;

t.test('LedgerPro wallet: minor units per currency, display fields, errors', async (t) => {
  const w = await ledger(t);
  t.same(await lp(w, 'GET', wallet('player-1')), {
    status: 200,
    text: '{"player_id":"player-1","currency":"USD","balance_minor":100000,"display_name":"Demo Player One","country":"US"}',
    json: { player_id: 'player-1', currency: 'USD', balance_minor: 100000, display_name: 'Demo Player One', country: 'US' },
  });
  const eur = await lp(w, 'GET', wallet('player-2'));
  t.same(eur.json, { player_id: 'player-2', currency: 'EUR', balance_minor: 50000 }, 'no display_name nor country when the player has none');
  t.same((await lp(w, 'GET', wallet('player-3'))).json, { player_id: 'player-3', currency: 'JPY', balance_minor: 100000 }, 'JPY: whole yen');
  t.same((await lp(w, 'GET', wallet('player-kwd'))).json, { player_id: 'player-kwd', currency: 'KWD', balance_minor: 10000 }, 'KWD: fils');
  t.same(await lp(w, 'GET', wallet('nobody')), { status: 404, text: '{"error_code":"PLAYER_UNKNOWN"}', json: { error_code: 'PLAYER_UNKNOWN' } });
  t.same(await lp(w, 'GET', wallet('player-blocked')), { status: 423, text: '{"error_code":"PLAYER_LOCKED"}', json: { error_code: 'PLAYER_LOCKED' } });
  t.same((await lp(w, 'GET', '/v2/nothing')).json, { error_code: 'NOT_FOUND' });
  t.equal((await lp(w, 'GET', '/v2/nothing')).status, 404);
  t.same(await lp(w, 'POST', wallet('player-1'), {}), { status: 405, text: '{"error_code":"METHOD_NOT_ALLOWED"}', json: { error_code: 'METHOD_NOT_ALLOWED' } });
  t.equal((await lp(w, 'GET', wd('player-1'))).status, 405, 'withdrawals are POST only');

  t.equal(w.balance('player-1'), '1000.00');
  t.equal(w.balance('player-3'), '100000');
  t.equal(w.balance('player-kwd'), '10.000');
  w.setBalance('player-kwd', '1.5');
  t.equal(w.balance('player-kwd'), '1.500', 'fewer decimals are padded');
  t.equal((await lp(w, 'GET', wallet('player-kwd'))).json.balance_minor, 1500);
  t.throws(() => w.setBalance('player-1', '1.005'), 'more decimals than USD has');
  t.throws(() => w.setBalance('player-3', '1.5'), 'JPY has no decimals');
  t.throws(() => w.setBalance('player-1', '-1.00'), 'never negative');
  t.throws(() => w.balance('nobody'));
  w.setBlocked('player-blocked', false);
  t.equal((await lp(w, 'GET', wallet('player-blocked'))).status, 200);
  t.equal(w.effects(), 0, 'reading moves nothing');
  t.ok(w.calls.every((c) => !c.applied));

  await t.rejects(startLedgerPro({ token: TOKEN, players: { x: { currency: 'XYZ', balance: '1' } } }), /unknown currency/);
  await t.rejects(startLedgerPro({ token: TOKEN, players: { x: { currency: 'JPY', balance: '1.00' } } }), /bad JPY balance/);
});

t.test('LedgerPro authentication: Bearer token on every request, nothing applied, nothing remembered', async (t) => {
  const w = await ledger(t);
  const unauth = { status: 401, text: '{"error_code":"UNAUTHENTICATED"}', json: { error_code: 'UNAUTHENTICATED' } };
  t.same(await lp(w, 'GET', wallet('player-1'), undefined, { authorization: undefined }), unauth, 'no header');
  t.same(await lp(w, 'GET', wallet('player-1'), undefined, { authorization: `Bearer ${TOKEN}x` }), unauth, 'wrong token');
  t.same(await lp(w, 'GET', wallet('player-1'), undefined, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }), unauth, 'a prefix of the token');
  t.same(await lp(w, 'GET', wallet('player-1'), undefined, { authorization: TOKEN }), unauth, 'no scheme');
  t.same(await lp(w, 'GET', wallet('player-1'), undefined, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }), unauth, 'Basic');
  t.same(await lp(w, 'GET', '/v2/nothing', undefined, { authorization: undefined }), unauth, 'before routing');
  t.equal((await lp(w, 'GET', wallet('player-1'), undefined, { authorization: `bearer ${TOKEN}` })).status, 200, 'the scheme is case-insensitive');

  const body = { amount_minor: 100, currency: 'USD', reference: 'auth-1' };
  t.same(await lp(w, 'POST', wd('player-1'), body, { authorization: 'Bearer nope', 'idempotency-key': 'k-auth' }), unauth);
  t.equal(w.balance('player-1'), '1000.00');
  t.equal(w.effects(), 0);
  t.equal(w.answerFor('k-auth'), undefined, 'a 401 is not remembered under the key');
  const ok = await lpMoney(w, wd('player-1'), body, 'k-auth');
  t.equal(ok.status, 201, 'the same key then works with the right token');
  t.equal(w.balance('player-1'), '999.00');
  t.equal(w.effectsFor('auth-1'), 1);
});

t.test('LedgerPro withdrawals and deposits: exact minor units, zero amounts, calls recorded', async (t) => {
  const w = await ledger(t);
  const a = await lpMoney(w, wd('player-1'), { amount_minor: 1050, currency: 'USD', reference: 'bet-1', round_id: 'r-1', game_id: 'g-1', description: 'spin' }, 'k1');
  t.same(a, { status: 201, text: '{"id":"wd_1","balance_minor":98950,"currency":"USD"}', json: { id: 'wd_1', balance_minor: 98950, currency: 'USD' } });
  t.equal(w.balance('player-1'), '989.50');
  const d = await lpMoney(w, dp('player-1'), { amount_minor: 2001, currency: 'USD', reference: 'win-1' }, 'k2');
  t.same(d.json, { id: 'dp_2', balance_minor: 100951, currency: 'USD' });
  t.equal(w.balance('player-1'), '1009.51');

  t.same((await lpMoney(w, wd('player-3'), { amount_minor: 1, currency: 'JPY', reference: 'jpy-1' }, 'k3')).json, { id: 'wd_3', balance_minor: 99999, currency: 'JPY' });
  t.equal(w.balance('player-3'), '99999', 'one yen is one minor unit');
  t.same((await lpMoney(w, wd('player-kwd'), { amount_minor: 1, currency: 'KWD', reference: 'kwd-1' }, 'k4')).json, { id: 'wd_4', balance_minor: 9999, currency: 'KWD' });
  t.equal(w.balance('player-kwd'), '9.999', 'one fils is a thousandth');
  t.same((await lpMoney(w, dp('player-kwd'), { amount_minor: 1001, currency: 'KWD', reference: 'kwd-2' }, 'k5')).json, { id: 'dp_5', balance_minor: 11000, currency: 'KWD' });
  t.equal(w.balance('player-kwd'), '11.000');
  t.same((await lpMoney(w, dp('player-2'), { amount_minor: 1, currency: 'EUR', reference: 'eur-1' }, 'k6')).json, { id: 'dp_6', balance_minor: 50001, currency: 'EUR' });

  const effects = w.effects();
  t.equal(effects, 6);
  const z = await lpMoney(w, dp('player-1'), { amount_minor: 0, currency: 'USD', reference: 'close-round' }, 'k7');
  t.same(z.json, { id: 'dp_7', balance_minor: 100951, currency: 'USD' }, 'a zero deposit is accepted');
  t.equal(w.effects(), effects + 1, 'and counts as an applied effect');
  t.equal(w.effectsFor('close-round'), 1);
  t.equal(w.calls.at(-1)!.applied, true);
  t.equal((await lpMoney(w, wd('player-1'), { amount_minor: 0, currency: 'USD', reference: 'free-bet' }, 'k8')).status, 201, 'a zero withdrawal too');
  t.equal(w.effectsFor('free-bet'), 1);

  w.setBalance('player-1', '5.00');
  t.equal((await lpMoney(w, wd('player-1'), { amount_minor: 500, currency: 'USD', reference: 'all-in' }, 'k9')).json.balance_minor, 0, 'the whole balance');
  t.same(await lpMoney(w, wd('player-1'), { amount_minor: 1, currency: 'USD', reference: 'one-more' }, 'k10'), {
    status: 402,
    text: '{"error_code":"INSUFFICIENT_FUNDS","balance_minor":0}',
    json: { error_code: 'INSUFFICIENT_FUNDS', balance_minor: 0 },
  });
  t.equal(w.balance('player-1'), '0.00', 'never negative');

  const first = w.calls[0]!;
  t.equal(first.method, 'POST');
  t.equal(first.path, '/v2/players/player-1/withdrawals');
  t.equal(first.headers['idempotency-key'], 'k1');
  t.equal(first.raw.toString('utf8'), JSON.stringify({ amount_minor: 1050, currency: 'USD', reference: 'bet-1', round_id: 'r-1', game_id: 'g-1', description: 'spin' }));
  t.same(first.body, { amount_minor: 1050, currency: 'USD', reference: 'bet-1', round_id: 'r-1', game_id: 'g-1', description: 'spin' });
  t.equal(first.applied, true);
  t.equal(first.fault, 'none');
  t.equal(first.answer!.status, 201);
  await lp(w, 'GET', `${wallet('player-1')}?expand=1&x=a%20b`);
  const g = w.calls.at(-1)!;
  t.equal(g.path, '/v2/players/player-1/wallet', 'path without the query');
  t.equal(g.query.get('x'), 'a b');
  t.equal(g.body, undefined);
  t.equal(g.raw.length, 0);
});

t.test('LedgerPro money errors: each refused, nothing applied', async (t) => {
  const w = await ledger(t);
  let n = 0;
  const refused = async (path: string, body: unknown, status: number, expected: Record<string, unknown>, headers?: Record<string, string | undefined>): Promise<void> => {
    const before = { effects: w.effects(), p1: w.balance('player-1'), kwd: w.balance('player-kwd'), blocked: w.balance('player-blocked') };
    const r = await lp(w, 'POST', path, body, { 'idempotency-key': `err-${++n}`, ...headers });
    t.equal(r.status, status, `${JSON.stringify(body)} → ${status}`);
    t.match(r.json, expected);
    t.equal(w.calls.at(-1)!.applied, false);
    t.same({ effects: w.effects(), p1: w.balance('player-1'), kwd: w.balance('player-kwd'), blocked: w.balance('player-blocked') }, before, 'nothing moved');
  };
  const ok = { amount_minor: 100, currency: 'USD', reference: 'ref' };

  await refused(wd('player-1'), ok, 400, { error_code: 'IDEMPOTENCY_KEY_REQUIRED' }, { 'idempotency-key': undefined });
  await refused(dp('player-1'), ok, 400, { error_code: 'IDEMPOTENCY_KEY_REQUIRED' }, { 'idempotency-key': undefined });
  await refused('/v2/refunds', { player_id: 'player-1', original_id: 'wd_1', reference: 'x' }, 400, { error_code: 'IDEMPOTENCY_KEY_REQUIRED' }, { 'idempotency-key': undefined });
  const bad = { error_code: 'BAD_REQUEST', detail: String };
  for (const amount_minor of [10.5, -1, '100', null, 2 ** 53, 1e300]) await refused(wd('player-1'), { ...ok, amount_minor }, 400, bad);
  await refused(wd('player-1'), { currency: 'USD', reference: 'ref' }, 400, bad);
  await refused(dp('player-1'), { ...ok, amount_minor: 0.5 }, 400, bad);
  await refused(wd('player-1'), { amount_minor: 100, currency: 'USD' }, 400, { error_code: 'BAD_REQUEST', detail: /reference/ });
  await refused(wd('player-1'), { ...ok, reference: '' }, 400, { error_code: 'BAD_REQUEST', detail: /reference/ });
  await refused(wd('player-1'), { ...ok, reference: 7 }, 400, bad);
  await refused(wd('player-1'), { amount_minor: 100, reference: 'ref' }, 400, { error_code: 'BAD_REQUEST', detail: /currency/ });
  await refused(wd('player-1'), { ...ok, currency: 'XYZ' }, 400, { error_code: 'BAD_REQUEST', detail: /unknown currency/ });
  await refused(dp('player-1'), { ...ok, currency: 'GBP' }, 400, { error_code: 'BAD_REQUEST', detail: /unknown currency/ });
  await refused(wd('player-1'), 'not json', 400, bad);
  await refused(wd('player-1'), '[1,2]', 400, bad);
  await refused(wd('nobody'), ok, 404, { error_code: 'PLAYER_UNKNOWN' });
  await refused(dp('nobody'), ok, 404, { error_code: 'PLAYER_UNKNOWN' });
  await refused(wd('player-blocked'), ok, 423, { error_code: 'PLAYER_LOCKED' });
  await refused(dp('player-blocked'), ok, 423, { error_code: 'PLAYER_LOCKED' });
  await refused(wd('player-1'), { ...ok, currency: 'EUR' }, 409, { error_code: 'CURRENCY_MISMATCH' });
  await refused(dp('player-kwd'), { ...ok, currency: 'USD' }, 409, { error_code: 'CURRENCY_MISMATCH' });
  await refused(wd('player-kwd'), { amount_minor: 10001, currency: 'KWD', reference: 'ref' }, 402, { error_code: 'INSUFFICIENT_FUNDS', balance_minor: 10000 });

  // Limit: a single withdrawal above 1,000,000 major units.
  w.setBalance('player-1', '2000000.00');
  await refused(wd('player-1'), { amount_minor: 100_000_001, currency: 'USD', reference: 'big' }, 422, { error_code: 'LIMIT_REACHED' });
  const atLimit = await lpMoney(w, wd('player-1'), { amount_minor: 100_000_000, currency: 'USD', reference: 'big' }, 'limit-ok');
  t.same(atLimit.json, { id: 'wd_1', balance_minor: 100_000_000, currency: 'USD' }, 'exactly 1,000,000.00 is allowed');
  w.setBalance('player-3', '5000000');
  const jpy = await lpMoney(w, wd('player-3'), { amount_minor: 1_000_001, currency: 'JPY', reference: 'big-jpy' }, 'limit-jpy');
  t.same({ status: jpy.status, json: jpy.json }, { status: 422, json: { error_code: 'LIMIT_REACHED' } }, 'JPY: 1,000,001 yen');
  const kwd = await lpMoney(w, wd('player-kwd'), { amount_minor: 1_000_000_001, currency: 'KWD', reference: 'big-kwd' }, 'limit-kwd');
  t.equal(kwd.json.error_code, 'LIMIT_REACHED', 'KWD: 1,000,000.001');
  const bigDeposit = await lpMoney(w, dp('player-1'), { amount_minor: 100_000_001, currency: 'USD', reference: 'big-win' }, 'dep-big');
  t.equal(bigDeposit.status, 201, 'no limit on deposits');
  t.equal(w.balance('player-1'), '2000000.01');
});

t.test('LedgerPro exact integers past 2^53 (BigInt ledger, exact JSON)', async (t) => {
  const w = await ledger(t);
  w.setBalance('player-1', '90071992547409.93'); // 9007199254740993 cents = 2^53 + 1
  const g = await lp(w, 'GET', wallet('player-1'));
  t.match(g.text, /"balance_minor":9007199254740993[,}]/, 'written exactly, not rounded to a double');
  const d = await lpMoney(w, dp('player-1'), { amount_minor: 1, currency: 'USD', reference: 'one-cent' }, 'k-big');
  t.equal(d.text, '{"id":"dp_1","balance_minor":9007199254740994,"currency":"USD"}');
  t.equal(w.balance('player-1'), '90071992547409.94');
  const w2 = await lpMoney(w, wd('player-1'), { amount_minor: 3, currency: 'USD', reference: 'three-cents' }, 'k-big-2');
  t.match(w2.text, /"balance_minor":9007199254740991,/);
  t.equal(w.balance('player-1'), '90071992547409.91');
});

t.test('LedgerPro Idempotency-Key: replay verbatim, reuse refused, rejections remembered', async (t) => {
  const w = await ledger(t);
  const body = { amount_minor: 2500, currency: 'USD', reference: 'bet-7', round_id: 'r-7' };
  const first = await lpMoney(w, wd('player-1'), body, 'key-7');
  t.equal(first.status, 201);
  t.equal(w.balance('player-1'), '975.00');

  const again = await lpMoney(w, wd('player-1'), body, 'key-7');
  t.same(again, first, 'the first answer replayed verbatim (same id, same balance)');
  t.equal(w.calls.at(-1)!.applied, false);
  t.equal(w.balance('player-1'), '975.00', 'nothing applied again');
  t.equal(w.effectsFor('bet-7'), 1);
  const reordered = await lpMoney(w, wd('player-1'), { round_id: 'r-7', reference: 'bet-7', currency: 'USD', amount_minor: 2500 }, 'key-7');
  t.same(reordered, first, 'the same body with its keys in another order is the same body');
  t.equal(w.answerFor('key-7')!.text, first.text);

  const reused = { status: 422, text: '{"error_code":"IDEMPOTENCY_KEY_REUSED"}', json: { error_code: 'IDEMPOTENCY_KEY_REUSED' } };
  t.same(await lpMoney(w, wd('player-1'), { ...body, amount_minor: 2501 }, 'key-7'), reused, 'another amount');
  t.same(await lpMoney(w, wd('player-1'), { ...body, round_id: 'r-8' }, 'key-7'), reused, 'another optional field');
  t.same(await lpMoney(w, dp('player-1'), body, 'key-7'), reused, 'the same body on another route');
  t.same(await lpMoney(w, wd('player-2'), { ...body, currency: 'EUR' }, 'key-7'), reused, 'another player');
  t.equal(w.balance('player-1'), '975.00');
  t.equal(w.effects(), 1);

  // A rejection is remembered per key too, even once it would now succeed.
  w.setBalance('player-kwd', '0.100');
  const poor = await lpMoney(w, wd('player-kwd'), { amount_minor: 200, currency: 'KWD', reference: 'bet-kwd' }, 'key-poor');
  t.same(poor.json, { error_code: 'INSUFFICIENT_FUNDS', balance_minor: 100 });
  w.setBalance('player-kwd', '10.000');
  const poorAgain = await lpMoney(w, wd('player-kwd'), { amount_minor: 200, currency: 'KWD', reference: 'bet-kwd' }, 'key-poor');
  t.same(poorAgain, poor, 'the 402 replayed verbatim, with the balance of the time');
  t.equal(w.balance('player-kwd'), '10.000');
  t.equal(w.answerFor('key-poor')!.status, 402);
  const badAgain = await lpMoney(w, wd('player-1'), { amount_minor: -5, currency: 'USD', reference: 'neg' }, 'key-bad');
  t.equal(badAgain.status, 400);
  t.equal(w.answerFor('key-bad')!.status, 400, 'a 400 BAD_REQUEST is remembered');
  t.equal(w.answerFor('nope'), undefined);

  // LedgerPro deduplicates by key only: another key with the same reference is another withdrawal.
  const other = await lpMoney(w, wd('player-1'), body, 'key-7b');
  t.equal(other.json.id, 'wd_2');
  t.equal(w.effectsFor('bet-7'), 2, 'a double effect when the key changes');

  // Two concurrent requests with one key: one effect, one answer.
  w.delayMs = 30;
  const [c1, c2] = await Promise.all([
    lpMoney(w, dp('player-1'), { amount_minor: 1, currency: 'USD', reference: 'conc' }, 'key-conc'),
    lpMoney(w, dp('player-1'), { amount_minor: 1, currency: 'USD', reference: 'conc' }, 'key-conc'),
  ]);
  t.same(c1, c2);
  t.equal(w.effectsFor('conc'), 1);
});

t.test('LedgerPro refunds', async (t) => {
  const w = await ledger(t);
  const bet = await lpMoney(w, wd('player-1'), { amount_minor: 700, currency: 'USD', reference: 'bet-1' }, 'w-1');
  t.equal(bet.json.id, 'wd_1');
  t.equal(w.balance('player-1'), '993.00');

  const r1 = await lpMoney(w, '/v2/refunds', { player_id: 'player-1', original_reference: 'bet-1', reference: 'rb-1' }, 'r-1');
  t.same(r1, {
    status: 201,
    text: '{"id":"rf_2","balance_minor":100000,"currency":"USD","player_id":"player-1"}',
    json: { id: 'rf_2', balance_minor: 100000, currency: 'USD', player_id: 'player-1' },
  });
  t.equal(w.balance('player-1'), '1000.00', 'the withdrawal amount restored');
  t.equal(w.effectsFor('rb-1'), 1);
  t.equal(w.calls.at(-1)!.applied, true);

  const r1Key = await lpMoney(w, '/v2/refunds', { player_id: 'player-1', original_reference: 'bet-1', reference: 'rb-1' }, 'r-1');
  t.same(r1Key, r1, 'the same key: replayed');
  const r1Again = await lpMoney(w, '/v2/refunds', { player_id: 'player-1', original_id: 'wd_1', reference: 'rb-1-again' }, 'r-2');
  t.same(r1Again, r1, 'an already refunded withdrawal: 201 replaying the first refund');
  t.equal(w.calls.at(-1)!.applied, false);
  t.equal(w.balance('player-1'), '1000.00', 'no second effect');
  t.equal(w.effectsFor('rb-1-again'), 0);
  t.equal(w.effects(), 2);

  // By original_id, with a matching amount; both ids given and consistent.
  await lpMoney(w, wd('player-kwd'), { amount_minor: 1234, currency: 'KWD', reference: 'bet-k' }, 'w-2');
  t.equal(w.balance('player-kwd'), '8.766');
  const rk = await lpMoney(w, '/v2/refunds', { player_id: 'player-kwd', original_id: 'wd_3', original_reference: 'bet-k', amount_minor: 1234, reference: 'rb-k' }, 'r-3');
  t.same(rk.json, { id: 'rf_4', balance_minor: 10000, currency: 'KWD', player_id: 'player-kwd' });
  t.equal(w.balance('player-kwd'), '10.000');

  await lpMoney(w, wd('player-3'), { amount_minor: 5000, currency: 'JPY', reference: 'bet-j' }, 'w-3');
  await lpMoney(w, dp('player-3'), { amount_minor: 10, currency: 'JPY', reference: 'win-j' }, 'w-4');
  let n = 0;
  const refused = async (body: unknown, status: number, expected: Record<string, unknown>): Promise<void> => {
    const before = [w.effects(), w.balance('player-3')];
    const r = await lpMoney(w, '/v2/refunds', body, `bad-${++n}`);
    t.equal(r.status, status, `${JSON.stringify(body)} → ${status}`);
    t.match(r.json, expected);
    t.same([w.effects(), w.balance('player-3')], before);
  };
  const notFound = { error_code: 'ORIGINAL_NOT_FOUND' };
  await refused({ player_id: 'player-3', original_reference: 'nope', reference: 'x' }, 404, notFound);
  await refused({ player_id: 'player-3', original_id: 'wd_999', reference: 'x' }, 404, notFound);
  await refused({ player_id: 'player-3', original_id: 'dp_6', reference: 'x' }, 404, notFound);
  await refused({ player_id: 'player-3', original_reference: 'win-j', reference: 'x' }, 404, notFound);
  await refused({ player_id: 'player-3', original_id: 'wd_5', original_reference: 'bet-1', reference: 'x' }, 404, notFound);
  await refused({ player_id: 'player-2', original_id: 'wd_5', reference: 'x' }, 404, notFound);
  await refused({ player_id: 'player-2', original_reference: 'bet-j', reference: 'x' }, 404, notFound);
  await refused({ player_id: 'nobody', original_id: 'wd_5', reference: 'x' }, 404, { error_code: 'PLAYER_UNKNOWN' });
  await refused({ player_id: 'player-3', reference: 'x' }, 400, { error_code: 'BAD_REQUEST', detail: /original/ });
  await refused({ player_id: 'player-3', original_id: 'wd_5' }, 400, { error_code: 'BAD_REQUEST', detail: /reference/ });
  await refused({ original_id: 'wd_5', reference: 'x' }, 400, { error_code: 'BAD_REQUEST', detail: /player_id/ });
  await refused({ player_id: 'player-3', original_id: 5, reference: 'x' }, 400, { error_code: 'BAD_REQUEST' });
  await refused({ player_id: 'player-3', original_id: 'wd_5', amount_minor: 4999, reference: 'x' }, 400, { error_code: 'BAD_REQUEST', detail: /amount/ });
  await refused({ player_id: 'player-3', original_id: 'wd_5', amount_minor: 1.5, reference: 'x' }, 400, { error_code: 'BAD_REQUEST' });
  await refused('garbage', 400, { error_code: 'BAD_REQUEST' });
  t.equal(w.balance('player-3'), '95010');
  const rj = await lpMoney(w, '/v2/refunds', { player_id: 'player-3', original_id: 'wd_5', reference: 'rb-j' }, 'r-j');
  t.same(rj.json, { id: 'rf_7', balance_minor: 100010, currency: 'JPY', player_id: 'player-3' });

  // A refund is accepted for a blocked player (money back never fails on a block).
  w.setBlocked('player-blocked', false);
  t.equal((await lpMoney(w, wd('player-blocked'), { amount_minor: 1000, currency: 'USD', reference: 'bet-b' }, 'w-b')).status, 201);
  w.setBlocked('player-blocked', true);
  t.equal(w.balance('player-blocked'), '0.00');
  const rb = await lpMoney(w, '/v2/refunds', { player_id: 'player-blocked', original_reference: 'bet-b', reference: 'rb-b' }, 'r-b');
  t.equal(rb.status, 201);
  t.equal(w.balance('player-blocked'), '10.00');
});

t.test('LedgerPro faults: applied-* move money and lose the answer, the others move nothing', async (t) => {
  const w = await ledger(t);
  let balance = 100000n;
  const cents = (): bigint => BigInt(w.balance('player-1').replace('.', ''));
  for (const fault of ['503', 'reset', 'garbage', 'applied-503', 'applied-reset'] as LegacyFault[]) {
    const body = { amount_minor: 100, currency: 'USD', reference: `bet-${fault}` };
    const key = `key-${fault}`;
    w.fault = fault;
    const res = await lpFetch(w, 'POST', wd('player-1'), body, { 'idempotency-key': key }).then(reply, (e: unknown) => e);
    const applied = fault.startsWith('applied-');
    if (fault.endsWith('503')) t.same(res, { status: 503, text: '{"error_code":"SERVICE_UNAVAILABLE"}', json: { error_code: 'SERVICE_UNAVAILABLE' } }, `${fault}: 503`);
    else if (fault === 'garbage') {
      t.equal((res as Reply).status, 200, 'garbage: 200');
      t.equal((res as Reply).json, undefined, 'garbage: not JSON');
      t.match((res as Reply).text, /^<html>/);
    } else t.type(res, Error, `${fault}: the fetch fails`);
    const call = w.calls.at(-1)!;
    t.equal(call.fault, fault);
    t.equal(call.applied, applied, `${fault}: applied ${applied}`);
    t.equal(w.effectsFor(body.reference), applied ? 1 : 0);
    if (applied) balance -= 100n;
    t.equal(cents(), balance, `${fault}: ledger ${applied ? 'changed' : 'unchanged'}`);
    t.equal(w.answerFor(key)?.status, applied ? 201 : undefined, `${fault}: ${applied ? '' : 'not '}remembered under the key`);

    // The gateway's retry with the same key.
    w.fault = 'none';
    const retry = await lpMoney(w, wd('player-1'), body, key);
    t.equal(retry.status, 201);
    if (applied) t.equal(retry.text, w.answerFor(key)!.text, `${fault}: the retry replays the lost answer`);
    else balance -= 100n;
    t.equal(w.effectsFor(body.reference), 1, `${fault}: exactly one effect after the retry`);
    t.equal(cents(), balance);
  }

  // A fixed fault touches money calls only; a function sees every call.
  w.fault = '503';
  t.equal((await lp(w, 'GET', wallet('player-1'))).status, 200, 'a fixed fault leaves the balance read alone');
  const seen: string[] = [];
  w.fault = (c) => {
    seen.push(`${c.method} ${c.path}`);
    return c.method === 'GET' ? '503' : 'none';
  };
  t.equal((await lp(w, 'GET', wallet('player-1'))).status, 503, 'a function may fault a read');
  t.equal((await lpMoney(w, dp('player-1'), { amount_minor: 1, currency: 'USD', reference: 'fn' }, 'key-fn')).status, 201);
  t.same(seen, ['GET /v2/players/player-1/wallet', 'POST /v2/players/player-1/deposits']);
  w.fault = 'none';

  w.delayMs = 80;
  const t0 = Date.now();
  t.equal((await lp(w, 'GET', wallet('player-1'))).status, 200);
  t.ok(Date.now() - t0 >= 70, 'delayMs delays the answer');
});

for (const fault of ['hang', 'applied-hang'] as LegacyFault[]) {
  t.test(`LedgerPro ${fault}: never answered until close`, async (t) => {
    const w = await ledger(t);
    w.fault = fault;
    let settled: string | undefined;
    const p = lpMoney(w, wd('player-1'), { amount_minor: 100, currency: 'USD', reference: 'bet-h' }, 'key-h').then(
      () => (settled = 'answered'),
      () => (settled = 'failed'),
    );
    await until(() => w.calls.length === 1);
    await sleep(100);
    t.equal(settled, undefined, 'still waiting');
    t.equal(w.balance('player-1'), fault === 'hang' ? '1000.00' : '999.00');
    t.equal(w.effectsFor('bet-h'), fault === 'hang' ? 0 : 1);
    t.equal(w.calls[0]!.applied, fault === 'applied-hang');
    await w.close();
    await p;
    t.equal(settled, 'failed', 'close released the hanging request');
  });
}

// ---------------------------------------------------------------------------------------------
// StatusWallet

async function statusWallet(t: Test, opts: { players?: Record<string, LegacyPlayerSeed>; now?: () => number } = {}): Promise<StatusWallet> {
  const w = await startStatusWallet({ secret: SECRET, ...opts });
  t.teardown(() => w.close());
  return w;
}

const hmac = (secret: string, ts: string, body: string): string => createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
const nowS = (): number => Math.floor(Date.now() / 1000);

/** A signed StatusWallet request; POST when there is a body, GET otherwise. */
function swFetch(w: StatusWallet, path: string, body?: unknown, o: { ts?: string | number; sig?: string; secret?: string; method?: string; headers?: Record<string, string | undefined> } = {}): Promise<Response> {
  const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const ts = String(o.ts ?? nowS());
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    'x-timestamp': ts,
    'x-signature': o.sig ?? hmac(o.secret ?? SECRET, ts, raw),
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...o.headers,
  })) {
    if (v !== undefined) h[k] = v;
  }
  return fetch(w.url + path, { method: o.method ?? (body === undefined ? 'GET' : 'POST'), headers: h, ...(body !== undefined ? { body: raw } : {}) });
}

async function sw(w: StatusWallet, path: string, body?: unknown, o: Parameters<typeof swFetch>[3] = {}): Promise<any> {
  const r = await reply(await swFetch(w, path, body, o));
  if (r.status !== 200) throw new Error(`StatusWallet answered HTTP ${r.status}`);
  return r.json;
}

t.test('signStatusWallet: hex HMAC-SHA256(secret, timestamp + "." + body), vectors from openssl', async (t) => {
  // printf '%s' '1700000000.{"user":"player-1","txid":"tx-1","amount":"10.50"}' | openssl dgst -sha256 -hmac vector-secret
  t.equal(signStatusWallet('vector-secret', '1700000000', '{"user":"player-1","txid":"tx-1","amount":"10.50"}'), '01b7735559d02b4859b207bf5695a45d175501814180ec75b150dfb69d0a9d6f');
  t.equal(signStatusWallet('vector-secret', 1700000000, Buffer.from('{"user":"player-1","txid":"tx-1","amount":"10.50"}')), '01b7735559d02b4859b207bf5695a45d175501814180ec75b150dfb69d0a9d6f');
  // printf '%s' '1700000000.' | openssl dgst -sha256 -hmac vector-secret  (a GET)
  t.equal(signStatusWallet('vector-secret', '1700000000', ''), 'f470d717ed307524ab0d03513c4c899e66e7b0e5bdcc94e98012bcdfc60c9e7f');
  t.equal(signStatusWallet('vector-secret', '1700000000'), 'f470d717ed307524ab0d03513c4c899e66e7b0e5bdcc94e98012bcdfc60c9e7f');
});

t.test('StatusWallet balance: decimals per currency, statuses, HTTP 200 throughout', async (t) => {
  const w = await statusWallet(t);
  t.same(await sw(w, '/wallet/balance', { user: 'player-1' }), { status: 'OK', balance: '1000.00', currency: 'USD', user_name: 'Demo Player One' });
  t.same(await sw(w, '/wallet/balance', { user: 'player-2', currency: 'EUR' }), { status: 'OK', balance: '500.00', currency: 'EUR' });
  t.same(await sw(w, '/wallet/balance', { user: 'player-3' }), { status: 'OK', balance: '100000', currency: 'JPY' }, 'JPY without decimals');
  t.same(await sw(w, '/wallet/balance', { user: 'player-kwd' }), { status: 'OK', balance: '10.000', currency: 'KWD' }, 'KWD with three');
  t.same(await sw(w, '/wallet/balance', { user: 'player-1', currency: 'EUR' }), { status: 'WRONG_CURRENCY' });
  t.match(await sw(w, '/wallet/balance', { user: 'player-1', currency: 'XYZ' }), { status: 'ERROR', message: /unknown currency/ });
  t.same(await sw(w, '/wallet/balance', { user: 'nobody' }), { status: 'USER_NOT_FOUND' });
  t.same(await sw(w, '/wallet/balance', { user: 'player-blocked' }), { status: 'USER_DISABLED' });
  t.match(await sw(w, '/wallet/balance', {}), { status: 'ERROR', message: /user/ });
  t.match(await sw(w, '/wallet/balance', 'not json'), { status: 'ERROR', message: String });
  t.match(await sw(w, '/wallet/balance', '[]'), { status: 'ERROR' });
  t.match(await sw(w, '/wallet/withdraw', { user: 'player-1' }), { status: 'ERROR', message: /unknown operation/ });
  t.match(await sw(w, '/wallet/balance', undefined, { method: 'GET' }), { status: 'ERROR', message: /method/ });
  t.match(await sw(w, '/transactions/x', { a: 1 }), { status: 'ERROR', message: /method/ });
  t.equal(w.effects(), 0);
  const c = w.calls[0]!;
  t.equal(c.path, '/wallet/balance');
  t.same(c.body, { user: 'player-1' });
  t.equal(c.raw.toString(), '{"user":"player-1"}');
  t.equal(c.applied, false);
  await t.rejects(startStatusWallet({ secret: SECRET, players: { x: { currency: 'BTC', balance: '1' } } }), /unknown currency/);
});

t.test('StatusWallet authentication: X-Timestamp ±60 s and X-Signature, else AUTH_FAILED and nothing applied', async (t) => {
  const w = await statusWallet(t);
  const failed = { status: 'AUTH_FAILED' };
  const debit = { user: 'player-1', txid: 'auth-tx', amount: '1.00' };
  const raw = JSON.stringify(debit);
  t.same(await sw(w, '/wallet/debit', debit, { headers: { 'x-signature': undefined } }), failed, 'no signature');
  t.same(await sw(w, '/wallet/debit', debit, { headers: { 'x-timestamp': undefined } }), failed, 'no timestamp');
  t.same(await sw(w, '/wallet/debit', debit, { secret: 'other-secret' }), failed, 'another secret');
  const ts = String(nowS());
  t.same(await sw(w, '/wallet/debit', debit, { ts, sig: hmac(SECRET, ts, raw.replace('1.00', '2.00')) }), failed, 'signed over another body');
  t.same(await sw(w, '/wallet/debit', debit, { ts, sig: hmac(SECRET, String(Number(ts) + 1), raw) }), failed, 'signed with another timestamp');
  t.same(await sw(w, '/wallet/debit', debit, { ts, sig: hmac(SECRET, ts, raw).slice(0, 63) }), failed, 'truncated signature');
  t.same(await sw(w, '/wallet/debit', debit, { ts, sig: createHmac('sha256', SECRET).update(ts + raw).digest('hex') }), failed, 'without the "." separator');
  t.same(await sw(w, '/wallet/debit', debit, { ts: nowS() - 120 }), failed, 'two minutes old');
  t.same(await sw(w, '/wallet/debit', debit, { ts: nowS() + 120 }), failed, 'two minutes ahead');
  t.same(await sw(w, '/wallet/debit', debit, { ts: `${nowS()}.5` }), failed, 'not whole seconds');
  t.same(await sw(w, '/wallet/debit', debit, { ts: new Date().toISOString() }), failed, 'ISO instead of unix seconds');
  t.same(await sw(w, '/wallet/balance', { user: 'player-1' }, { secret: 'x' }), failed, 'balance too');
  t.same(await sw(w, '/transactions/auth-tx', undefined, { secret: 'x' }), failed, 'the status query too');
  t.same(await sw(w, '/nowhere', undefined, { secret: 'x' }), failed, 'before routing');
  t.equal(w.balance('player-1'), '1000.00');
  t.equal(w.effects(), 0);
  t.ok(w.calls.every((c) => !c.applied));
  t.same(await sw(w, '/transactions/auth-tx'), { status: 'NOT_FOUND' }, 'nothing stored');

  t.equal((await sw(w, '/wallet/debit', debit, { ts: nowS() - 30 })).status, 'OK', '30 s old is within the window');
  const ts2 = String(nowS());
  t.equal((await sw(w, '/wallet/balance', { user: 'player-1' }, { ts: ts2, sig: hmac(SECRET, ts2, '{"user":"player-1"}').toUpperCase() })).status, 'OK', 'hex in capitals');

  // The exact window, on a fixed clock: ±60 s inclusive.
  const fixed = await statusWallet(t, { now: () => 1_700_000_000_999 });
  for (const [ts, status] of [[1_699_999_940, 'OK'], [1_699_999_939, 'AUTH_FAILED'], [1_700_000_060, 'OK'], [1_700_000_061, 'AUTH_FAILED']] as const) {
    t.equal((await sw(fixed, '/wallet/balance', { user: 'player-1' }, { ts })).status, status, `${ts - 1_700_000_000} s → ${status}`);
  }
  t.equal((await sw(fixed, '/wallet/balance', { user: 'player-1' })).status, 'AUTH_FAILED', 'the real clock is far from it');
});

t.test('StatusWallet debit and credit: exact decimals, statuses, rejected calls not stored', async (t) => {
  const w = await statusWallet(t);
  t.same(await sw(w, '/wallet/debit', { user: 'player-1', txid: 'd-1', amount: '10.50', currency: 'USD', round: 'r-1', game: 'g-1' }), { status: 'OK', balance: '989.50', currency: 'USD', transaction: 'T1' });
  t.same(await sw(w, '/wallet/credit', { user: 'player-1', txid: 'c-1', amount: '0.5' }), { status: 'OK', balance: '990.00', currency: 'USD', transaction: 'T2' }, 'fewer decimals are fine');
  t.same(await sw(w, '/wallet/credit', { user: 'player-1', txid: 'c-0', amount: '0' }), { status: 'OK', balance: '990.00', currency: 'USD', transaction: 'T3' }, 'zero accepted');
  t.equal(w.effectsFor('c-0'), 1, 'a zero credit is an applied effect');
  t.same(await sw(w, '/wallet/debit', { user: 'player-kwd', txid: 'd-k', amount: '0.001' }), { status: 'OK', balance: '9.999', currency: 'KWD', transaction: 'T4' }, 'one fils');
  t.same(await sw(w, '/wallet/debit', { user: 'player-3', txid: 'd-j', amount: '1', currency: 'JPY' }), { status: 'OK', balance: '99999', currency: 'JPY', transaction: 'T5' }, 'one yen');
  t.same(await sw(w, '/wallet/credit', { user: 'player-2', txid: 'c-e', amount: '0.01' }), { status: 'OK', balance: '500.01', currency: 'EUR', transaction: 'T6' });
  t.same(await sw(w, '/wallet/debit', { user: 'player-kwd', txid: 'd-k0', amount: '0' }), { status: 'OK', balance: '9.999', currency: 'KWD', transaction: 'T7' }, 'a zero debit too');
  t.equal(w.effects(), 7);
  t.same(await sw(w, '/transactions/d-1'), {
    status: 'OK',
    transaction: { id: 'T1', txid: 'd-1', kind: 'debit', state: 'APPLIED', amount: '10.50', balance_after: '989.50', currency: 'USD', user: 'player-1' },
  });
  t.same((await sw(w, '/transactions/c-1')).transaction, { id: 'T2', txid: 'c-1', kind: 'credit', state: 'APPLIED', amount: '0.50', balance_after: '990.00', currency: 'USD', user: 'player-1' });

  let n = 0;
  const refused = async (op: 'debit' | 'credit', body: Record<string, unknown>, expected: Record<string, unknown>): Promise<void> => {
    const txid = `bad-${++n}`;
    const before = [w.effects(), w.balance('player-1'), w.balance('player-3'), w.balance('player-kwd')];
    const r = await sw(w, `/wallet/${op}`, { txid, ...body });
    t.match(r, expected, `${op} ${JSON.stringify(body)} → ${String(expected.status)}`);
    t.same([w.effects(), w.balance('player-1'), w.balance('player-3'), w.balance('player-kwd')], before, 'nothing moved');
    t.equal(w.calls.at(-1)!.applied, false);
    t.same(await sw(w, `/transactions/${txid}`), { status: 'NOT_FOUND' }, 'not stored');
  };
  const invalid = { status: 'INVALID_AMOUNT' };
  for (const amount of ['1.5', '-1', '+1', '1e3', '', ' 1', '1.', '.5', '1,00', 'ten']) await refused('debit', { user: 'player-3', amount }, invalid);
  for (const amount of ['1.005', '-0.01', '0.001']) await refused('credit', { user: 'player-1', amount }, invalid);
  await refused('debit', { user: 'player-kwd', amount: '0.0001' }, invalid);
  await refused('debit', { user: 'player-1', amount: 10.5 }, invalid);
  await refused('debit', { user: 'player-1' }, invalid);
  await refused('debit', { user: 'player-kwd', amount: '10.000' }, { status: 'INSUFFICIENT_BALANCE', balance: '9.999', currency: 'KWD' });
  await refused('debit', { user: 'player-3', amount: '100000' }, { status: 'INSUFFICIENT_BALANCE', balance: '99999' });
  await refused('debit', { user: 'nobody', amount: '1.00' }, { status: 'USER_NOT_FOUND' });
  await refused('credit', { user: 'nobody', amount: '1.00' }, { status: 'USER_NOT_FOUND' });
  await refused('debit', { user: 'player-blocked', amount: '1.00' }, { status: 'USER_DISABLED' });
  await refused('credit', { user: 'player-blocked', amount: '1.00' }, { status: 'USER_DISABLED' });
  await refused('debit', { user: 'player-1', amount: '1.00', currency: 'EUR' }, { status: 'WRONG_CURRENCY' });
  await refused('credit', { user: 'player-3', amount: '1', currency: 'USD' }, { status: 'WRONG_CURRENCY' });
  await refused('debit', { user: 'player-1', amount: '1.00', currency: 'GBP' }, { status: 'ERROR', message: /unknown currency/ });
  await refused('debit', { amount: '1.00' }, { status: 'ERROR', message: /user/ });
  const before = w.effects();
  t.match(await sw(w, '/wallet/debit', { user: 'player-1', amount: '1.00' }), { status: 'ERROR', message: /txid/ }, 'txid required');
  t.match(await sw(w, '/wallet/credit', '{"user":'), { status: 'ERROR' }, 'broken JSON');
  t.equal(w.effects(), before);
  t.equal(w.balance('player-1'), '990.00');
});

t.test('StatusWallet is NOT idempotent: the same txid twice is applied twice', async (t) => {
  const w = await statusWallet(t);
  const body = { user: 'player-1', txid: 'dup-1', amount: '5.00', round: 'r-1' };
  const a = await sw(w, '/wallet/debit', body);
  const b = await sw(w, '/wallet/debit', body);
  t.same(a, { status: 'OK', balance: '995.00', currency: 'USD', transaction: 'T1' });
  t.same(b, { status: 'OK', balance: '990.00', currency: 'USD', transaction: 'T2' }, 'a second transaction');
  t.equal(w.effectsFor('dup-1'), 2, 'the double effect');
  t.equal(w.balance('player-1'), '990.00');
  t.same(await sw(w, '/transactions/dup-1'), {
    status: 'OK',
    transaction: { id: 'T2', txid: 'dup-1', kind: 'debit', state: 'APPLIED', amount: '5.00', balance_after: '990.00', currency: 'USD', user: 'player-1' },
  }, 'the status query shows the LAST transaction with the txid');
  t.same(w.transactionsFor('dup-1').map((x) => [x.id, x.balance_after]), [['T1', '995.00'], ['T2', '990.00']]);
  await sw(w, '/wallet/credit', { user: 'player-1', txid: 'dup-c', amount: '1.00' });
  await sw(w, '/wallet/credit', { user: 'player-1', txid: 'dup-c', amount: '1.00' });
  t.equal(w.effectsFor('dup-c'), 2);
  t.equal(w.balance('player-1'), '992.00');
  t.same(await sw(w, '/transactions/never'), { status: 'NOT_FOUND' });
  const odd = 'tx 1/α';
  await sw(w, '/wallet/credit', { user: 'player-1', txid: odd, amount: '1.00' });
  t.equal((await sw(w, `/transactions/${encodeURIComponent(odd)}`)).transaction.txid, odd, 'a percent-encoded txid');
});

t.test('StatusWallet refunds', async (t) => {
  const w = await statusWallet(t);
  await sw(w, '/wallet/debit', { user: 'player-kwd', txid: 'bet-9', amount: '3.250' });
  t.equal(w.balance('player-kwd'), '6.750');
  t.same(await sw(w, '/wallet/refund', { user: 'player-kwd', txid: 'rb-9', refund_of: 'bet-9' }), { status: 'OK', balance: '10.000', currency: 'KWD', transaction: 'T2' });
  t.equal(w.effectsFor('rb-9'), 1);
  t.same((await sw(w, '/transactions/rb-9')).transaction, {
    id: 'T2', txid: 'rb-9', kind: 'refund', state: 'APPLIED', amount: '3.250', balance_after: '10.000', currency: 'KWD', user: 'player-kwd', refund_of: 'bet-9',
  });
  t.same(await sw(w, '/wallet/refund', { user: 'player-kwd', txid: 'rb-9b', refund_of: 'bet-9' }), { status: 'ALREADY_REFUNDED', balance: '10.000', currency: 'KWD' });
  t.same(await sw(w, '/wallet/refund', { user: 'player-kwd', txid: 'rb-9', refund_of: 'bet-9' }), { status: 'ALREADY_REFUNDED', balance: '10.000', currency: 'KWD' }, 'the same refund again too');
  t.equal(w.calls.at(-1)!.applied, false);
  t.equal(w.effectsFor('rb-9b'), 0);
  t.equal(w.effectsFor('rb-9'), 1);
  t.same(await sw(w, '/transactions/rb-9b'), { status: 'NOT_FOUND' });
  t.equal(w.balance('player-kwd'), '10.000');

  await sw(w, '/wallet/credit', { user: 'player-1', txid: 'win-1', amount: '2.00' });
  await sw(w, '/wallet/debit', { user: 'player-1', txid: 'bet-1', amount: '2.00' });
  const effects = w.effects();
  t.same(await sw(w, '/wallet/refund', { user: 'player-1', txid: 'x', refund_of: 'nope' }), { status: 'TX_NOT_FOUND' });
  t.same(await sw(w, '/wallet/refund', { user: 'player-1', txid: 'x', refund_of: 'win-1' }), { status: 'TX_NOT_FOUND' }, 'only debits are refunded');
  t.same(await sw(w, '/wallet/refund', { user: 'player-2', txid: 'x', refund_of: 'bet-1' }), { status: 'TX_NOT_FOUND' }, "another user's debit");
  t.same(await sw(w, '/wallet/refund', { user: 'nobody', txid: 'x', refund_of: 'bet-1' }), { status: 'USER_NOT_FOUND' });
  t.match(await sw(w, '/wallet/refund', { user: 'player-1', txid: 'x' }), { status: 'ERROR', message: /refund_of/ });
  t.match(await sw(w, '/wallet/refund', { user: 'player-1', refund_of: 'bet-1' }), { status: 'ERROR', message: /txid/ });
  t.equal(w.effects(), effects);
  t.equal(w.balance('player-1'), '1000.00');

  // Accepted for a disabled user.
  w.setBlocked('player-blocked', false);
  await sw(w, '/wallet/debit', { user: 'player-blocked', txid: 'bet-b', amount: '10.00' });
  w.setBlocked('player-blocked', true);
  t.same(await sw(w, '/wallet/refund', { user: 'player-blocked', txid: 'rb-b', refund_of: 'bet-b' }), { status: 'OK', balance: '10.00', currency: 'USD', transaction: 'T6' });
});

t.test('StatusWallet faults: applied-* move money and lose the answer (the status query tells), the others move nothing', async (t) => {
  const w = await statusWallet(t);
  let cents = 100000n;
  const now = (): bigint => BigInt(w.balance('player-1').replace('.', ''));
  for (const fault of ['503', 'reset', 'garbage', 'applied-503', 'applied-reset'] as LegacyFault[]) {
    const txid = `bet-${fault}`;
    w.fault = fault;
    const res = await swFetch(w, '/wallet/debit', { user: 'player-1', txid, amount: '1.00' }).then(reply, (e: unknown) => e);
    const applied = fault.startsWith('applied-');
    if (fault.endsWith('503')) t.same(res, { status: 503, text: '{"status":"ERROR","message":"service unavailable"}', json: { status: 'ERROR', message: 'service unavailable' } }, `${fault}: HTTP 503`);
    else if (fault === 'garbage') {
      t.equal((res as Reply).status, 200);
      t.equal((res as Reply).json, undefined, 'garbage: not JSON');
    } else t.type(res, Error, `${fault}: the fetch fails`);
    t.equal(w.calls.at(-1)!.applied, applied);
    if (applied) cents -= 100n;
    t.equal(now(), cents, `${fault}: ledger ${applied ? 'changed' : 'unchanged'}`);
    t.equal(w.effectsFor(txid), applied ? 1 : 0);

    // The status query is not faulted by a fixed fault, and tells what happened.
    const q = await sw(w, `/transactions/${txid}`);
    if (applied) t.match(q, { status: 'OK', transaction: { txid, kind: 'debit', state: 'APPLIED', amount: '1.00', balance_after: w.balance('player-1') } }, `${fault}: the status query finds it`);
    else t.same(q, { status: 'NOT_FOUND' }, `${fault}: the status query finds nothing`);
    t.equal((await sw(w, '/wallet/balance', { user: 'player-1' })).status, 'OK', 'balance not faulted either');

    // A blind resend applies again when the first one was applied.
    w.fault = 'none';
    t.equal((await sw(w, '/wallet/debit', { user: 'player-1', txid, amount: '1.00' })).status, 'OK');
    cents -= 100n;
    t.equal(w.effectsFor(txid), applied ? 2 : 1, `${fault}: ${applied ? 'a double effect' : 'one effect'} after a resend`);
    t.equal(now(), cents);
  }

  w.fault = 'applied-503';
  t.equal((await reply(await swFetch(w, '/wallet/credit', { user: 'player-1', txid: 'win-a', amount: '2.00' }))).status, 503);
  t.equal(w.effectsFor('win-a'), 1, 'applied-503 on a credit');
  await swFetch(w, '/wallet/refund', { user: 'player-1', txid: 'rb-a', refund_of: 'bet-503' });
  t.equal(w.effectsFor('rb-a'), 1, 'applied-503 on a refund');
  t.equal((await sw(w, '/transactions/rb-a')).transaction.kind, 'refund');

  w.fault = (c) => (c.path === '/wallet/balance' ? 'garbage' : 'none');
  const g = await reply(await swFetch(w, '/wallet/balance', { user: 'player-1' }));
  t.equal(g.json, undefined, 'a function may fault a balance call');
  t.equal((await sw(w, '/wallet/debit', { user: 'player-1', txid: 'fn', amount: '1.00' })).status, 'OK');
  w.fault = (c) => (c.path.startsWith('/transactions/') ? '503' : 'none');
  t.equal((await swFetch(w, '/transactions/fn')).status, 503, 'and a status query');
});

for (const fault of ['hang', 'applied-hang'] as LegacyFault[]) {
  t.test(`StatusWallet ${fault}: never answered until close`, async (t) => {
    const w = await statusWallet(t);
    w.fault = fault;
    let settled: string | undefined;
    const p = swFetch(w, '/wallet/debit', { user: 'player-3', txid: 'bet-h', amount: '100' }).then(
      () => (settled = 'answered'),
      () => (settled = 'failed'),
    );
    await until(() => w.calls.length === 1);
    await sleep(100);
    t.equal(settled, undefined, 'still waiting');
    t.same(await sw(w, '/transactions/bet-h'), fault === 'hang' ? { status: 'NOT_FOUND' } : { status: 'OK', transaction: { id: 'T1', txid: 'bet-h', kind: 'debit', state: 'APPLIED', amount: '100', balance_after: '99900', currency: 'JPY', user: 'player-3' } });
    t.equal(w.balance('player-3'), fault === 'hang' ? '100000' : '99900');
    t.equal(w.effects(), fault === 'hang' ? 0 : 1);
    const closed = w.close();
    await closed;
    await p;
    t.equal(settled, 'failed', 'close released the hanging request');
    await w.close();
    t.pass('close twice is fine');
  });
}

t.test('delayed calls not yet processed are dropped by close', async (t) => {
  const w = await statusWallet(t);
  w.delayMs = 5000;
  const p = swFetch(w, '/wallet/debit', { user: 'player-1', txid: 'late', amount: '1.00' }).then(
    () => 'answered',
    () => 'failed',
  );
  await until(() => w.calls.length === 1);
  const t0 = Date.now();
  await w.close();
  t.equal(await p, 'failed');
  t.ok(Date.now() - t0 < 1000, 'close does not wait for the delay');
  t.equal(w.effects(), 0);
  t.equal(w.balance('player-1'), '1000.00');
});
