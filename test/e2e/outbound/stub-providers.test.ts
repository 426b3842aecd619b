/**
 * The stub provider servers (test/helpers/stub-providers) verify what the real providers would:
 * proven here with requests signed by this file's own node:crypto code, known-answer vectors
 * computed with openssl, and every injectable fault survived by the stub.
 */
import t from 'tap';
import { createHmac } from 'node:crypto';
import {
  startStubJackpotRgs,
  startStubSolex,
  startStubSportsbook,
  verifyJackpotSignature,
  verifySolexSignature,
  type ProviderRequestRecord,
  type StubProvider,
} from '../../helpers/stub-providers.js';

type Teardown = { teardown(fn: () => unknown): void };

interface Answer {
  status: number;
  text: string;
  body: any;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body };
}

const hmacHex = (secret: string, message: string): string => createHmac('sha256', secret).update(message).digest('hex');
const unixNow = (): number => Math.floor(Date.now() / 1000);
const isoAt = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// jackpot-rgs

const JP = { secret: 'jp-secret', operatorId: 'op-uuid-1' };
const LAUNCH = { playerId: 'player-1', currency: 'USD', gameCode: 'dice-alpha', countryCode: 'US' };

function jackpotInit(body: string, o: { secret?: string; operatorId?: string; ts?: number; path?: string; signal?: AbortSignal } = {}): RequestInit {
  const ts = String(o.ts ?? unixNow());
  return {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-operator-id': o.operatorId ?? JP.operatorId,
      'x-timestamp': ts,
      'x-hmac-sha256': hmacHex(o.secret ?? JP.secret, ts + (o.path ?? '/operator/launch') + body),
    },
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

async function jackpot(tt: Teardown, toleranceS?: number) {
  const stub = await startStubJackpotRgs({ ...JP, ...(toleranceS !== undefined ? { toleranceS } : {}) });
  tt.teardown(() => stub.close());
  const launch = (body: object | string, o: Parameters<typeof jackpotInit>[1] = {}) =>
    send(`${stub.url}/operator/launch`, jackpotInit(typeof body === 'string' ? body : JSON.stringify(body), o));
  return { stub, launch };
}

t.test('jackpot-rgs known-answer vector: HMAC-SHA256(secret, timestamp + path + body)', async (tt) => {
  // printf '%s' "1767225600/operator/launch$BODY" | openssl dgst -sha256 -hmac your-hmac-secret   (OpenSSL 3.0)
  const body = '{"playerId":"player-1","currency":"USD","gameCode":"dice-alpha","countryCode":"US"}';
  const want = '4d2503e3bc471cc78c6d8a7c88a602b881e8f8061bc81cfaa9a6521a7c0d7b90';
  tt.ok(verifyJackpotSignature('your-hmac-secret', '1767225600', '/operator/launch', body, want));
  tt.ok(verifyJackpotSignature('your-hmac-secret', '1767225600', '/operator/launch', Buffer.from(body), want.toUpperCase()), 'hex case does not matter');
  tt.notOk(verifyJackpotSignature('your-hmac-secret', '1767225601', '/operator/launch', body, want), 'another timestamp');
  tt.notOk(verifyJackpotSignature('your-hmac-secret', '1767225600', '/launch', body, want), 'another path');
  tt.notOk(verifyJackpotSignature('your-hmac-secret', '1767225600', '/operator/launch', body, want.slice(0, 63)), 'truncated');
  // End to end through the stub: a tolerance wide enough to admit the fixed 2026-01-01 timestamp.
  const stub = await startStubJackpotRgs({ secret: 'your-hmac-secret', operatorId: 'your-operator-uuid', toleranceS: 1e10 });
  tt.teardown(() => stub.close());
  const headers = { 'content-type': 'application/json', 'x-operator-id': 'your-operator-uuid', 'x-timestamp': '1767225600', 'x-hmac-sha256': want };
  const r = await send(`${stub.url}/operator/launch`, { method: 'POST', body, headers });
  tt.equal(r.status, 200);
  tt.equal(stub.requests[0]!.signatureValid, true);
});

t.test('jackpot-rgs: a signed launch answers a session token and launch URL and is recorded', async (tt) => {
  const { stub, launch } = await jackpot(tt);
  const r = await launch(LAUNCH);
  tt.equal(r.status, 200);
  tt.match(r.body.sessionToken, /^[0-9a-f]{32}$/);
  tt.equal(r.body.launchUrl, `https://play.jackpot.test/dice-alpha?sessionToken=${r.body.sessionToken}&id=dice-alpha`);
  tt.same(stub.sessions, [{ ...LAUNCH, sessionToken: r.body.sessionToken }]);
  const rec = stub.requestsTo('/operator/launch')[0]!;
  tt.same([rec.method, rec.signatureValid, rec.body], ['POST', true, LAUNCH]);
  const again = await launch(LAUNCH);
  tt.equal(again.body.sessionToken, r.body.sessionToken, 're-launch for the same player, game and country returns the active session');
  tt.equal(stub.sessions.length, 1);
});

t.test('jackpot-rgs refuses bad credentials with 401 INVALID_SIGNATURE', async (tt) => {
  const { stub, launch } = await jackpot(tt);
  const cases: [string, Parameters<typeof jackpotInit>[1]][] = [
    ['wrong secret', { secret: 'other' }],
    ['wrong operator id', { operatorId: 'op-uuid-2' }],
    ['stale timestamp', { ts: unixNow() - 40 }],
    ['future timestamp', { ts: unixNow() + 40 }],
    ['path left out of the signature', { path: '' }],
  ];
  for (const [name, o] of cases) {
    const r = await launch(LAUNCH, o);
    tt.same([r.status, r.text], [401, '{"error":"INVALID_SIGNATURE"}'], name);
  }
  const unsigned = await send(`${stub.url}/operator/launch`, { method: 'POST', body: JSON.stringify(LAUNCH), headers: { 'x-operator-id': JP.operatorId } });
  tt.equal(unsigned.status, 401, 'no timestamp or signature');
  const ms = await send(`${stub.url}/operator/launch`, jackpotInit(JSON.stringify(LAUNCH), { ts: Date.now() }));
  tt.equal(ms.status, 401, 'milliseconds are not unix seconds');
  tt.ok(stub.requests.every((r) => !r.signatureValid));
  tt.same(stub.sessions, []);
});

t.test('jackpot-rgs: 30 s tolerance by default, configurable', async (tt) => {
  const { launch } = await jackpot(tt);
  tt.equal((await launch(LAUNCH, { ts: unixNow() - 25 })).status, 200);
  const wide = await jackpot(tt, 120);
  tt.equal((await wide.launch(LAUNCH, { ts: unixNow() - 100 })).status, 200);
});

t.test('jackpot-rgs: missing fields are 400 INVALID_REQUEST; demo makes playerId optional', async (tt) => {
  const { stub, launch } = await jackpot(tt);
  const { playerId: _omitted, ...noPlayer } = LAUNCH;
  for (const field of ['playerId', 'currency', 'gameCode', 'countryCode'] as const) {
    const body: Record<string, unknown> = { ...LAUNCH };
    delete body[field];
    const r = await launch(body);
    tt.same([r.status, r.text], [400, '{"error":"INVALID_REQUEST"}'], `without ${field}`);
  }
  tt.equal((await launch({ ...LAUNCH, currency: 840 })).status, 400, 'currency must be a string');
  tt.equal((await launch({ ...LAUNCH, demo: 'yes' })).status, 400, 'demo must be a boolean');
  tt.equal((await launch('not json')).status, 400, 'a signed body that is not JSON');
  tt.equal((await launch({ ...noPlayer, demo: false })).status, 400, 'demo: false still needs a player');
  const demo = await launch({ ...noPlayer, demo: true });
  tt.equal(demo.status, 200);
  tt.same(stub.sessions, [{ ...noPlayer, demo: true, sessionToken: demo.body.sessionToken }]);
});

// ------------------------------------------------------------------------------------------------
// sportsbook

const SB = { username: 'client-user', password: 'client-pass' };

async function sportsbook(tt: Teardown, over: Partial<Parameters<typeof startStubSportsbook>[0]> = {}) {
  const stub = await startStubSportsbook({ ...SB, ...over });
  tt.teardown(() => stub.close());
  const v = over.version ?? 'v1';
  const post = (path: string, body: object | string, headers: Record<string, string> = {}) =>
    send(`${stub.url}/${v}/${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const auth = (creds: object = SB) => post('auth', creds);
  const start = (token: string | undefined, body: object = { user_id: 'u-1', currency: 'EUR', lang: 'en' }) =>
    post('start-session', body, token === undefined ? {} : { authorization: `Bearer ${token}` });
  return { stub, auth, start, post };
}

t.test('sportsbook: auth then start-session', async (tt) => {
  const { stub, auth, start } = await sportsbook(tt);
  const a = await auth();
  tt.equal(a.status, 200);
  tt.match(a.body.token, /^[0-9a-f]{48}$/);
  tt.equal(a.body.expires_in, '3600', 'expires_in as a string of seconds, as the seed shows');
  tt.same(stub.issuedTokens, [a.body.token]);
  const s = await start(a.body.token);
  tt.equal(s.status, 200);
  tt.match(s.body.url, /^https:\/\/sportsbook\.test\/iframe\?session=[0-9a-f]{32}&user=u-1$/);
  tt.same(stub.sessions, [{ user_id: 'u-1', currency: 'EUR', lang: 'en', url: s.body.url }]);
  tt.equal((await start(a.body.token, { user_id: 'u 2', currency: 'EUR' })).body.url.endsWith('&user=u%202'), true, 'lang is optional; user id URL-encoded');
  tt.equal(stub.authCalls(), 1);
  tt.same(stub.requests.map((r) => r.signatureValid), [true, true, true]);
});

t.test('sportsbook: expires_in as a number; version and TTL options', async (tt) => {
  const { stub, auth, post } = await sportsbook(tt, { expiresInAs: 'number', tokenTtlS: 60, version: 'v2' });
  tt.equal((await auth()).body.expires_in, 60);
  stub.expiresInAs = 'string';
  stub.tokenTtlS = 90;
  tt.equal((await auth()).body.expires_in, '90', 'both knobs settable after start');
  const v1 = await send(`${stub.url}/v1/auth`, { method: 'POST', body: JSON.stringify(SB) });
  tt.equal(v1.status, 404, 'only the configured version is served');
  tt.equal((await post('nowhere', {})).status, 404);
});

t.test('sportsbook: wrong credentials and acceptCredentials=false are 401 INVALID_CREDENTIALS', async (tt) => {
  const { stub, auth } = await sportsbook(tt);
  for (const creds of [{ ...SB, password: 'nope' }, { ...SB, username: 'other' }, { username: SB.username }]) {
    const r = await auth(creds);
    tt.same([r.status, r.text], [401, '{"error":"INVALID_CREDENTIALS"}']);
  }
  stub.acceptCredentials = false;
  tt.equal((await auth()).status, 401, 'right credentials refused while acceptCredentials is false');
  stub.acceptCredentials = true;
  tt.equal((await auth()).status, 200);
  tt.equal(stub.authCalls(), 5);
  tt.equal(stub.issuedTokens.length, 1);
});

t.test('sportsbook: start-session refuses missing, unknown, expired and revoked tokens', async (tt) => {
  const { stub, auth, start } = await sportsbook(tt, { tokenTtlS: 1 });
  const unauthorized = [401, '{"error":"UNAUTHORIZED"}'];
  const noToken = await start(undefined);
  tt.same([noToken.status, noToken.text], unauthorized, 'no Authorization');
  tt.same((await start('f'.repeat(48))).status, 401, 'a token it never issued');
  const first = (await auth()).body.token as string;
  tt.equal((await start(first)).status, 200);
  await sleep(1100);
  tt.same((await start(first)).status, 401, 'expired after tokenTtlS by the stub clock');
  stub.tokenTtlS = 3600;
  const second = (await auth()).body.token as string;
  tt.equal((await start(second)).status, 200);
  stub.revokeAll();
  const revoked = await start(second);
  tt.same([revoked.status, revoked.text], unauthorized, 'revoked server-side');
  const third = (await auth()).body.token as string;
  tt.equal((await start(third)).status, 200, 'a token issued after revokeAll works');
  tt.same(stub.sessions.length, 3);
});

t.test('sportsbook: start-session body fields', async (tt) => {
  const { auth, start } = await sportsbook(tt);
  const token = (await auth()).body.token as string;
  for (const body of [{ currency: 'EUR' }, { user_id: 'u-1' }, { user_id: 42, currency: 'EUR' }, { user_id: 'u-1', currency: 'EUR', lang: 7 }]) {
    const r = await start(token, body);
    tt.same([r.status, r.text], [400, '{"error":"INVALID_REQUEST"}'], JSON.stringify(body));
  }
});

t.test('sportsbook: authDelayMs holds the auth answer; a revokeAll meanwhile spares the token being issued', async (tt) => {
  const { stub, auth, start } = await sportsbook(tt);
  const old = (await auth()).body.token as string;
  stub.authDelayMs = 300;
  const started = Date.now();
  const pending = auth();
  await sleep(50);
  tt.equal(stub.authCalls(), 2, 'the renewal has arrived and is held');
  stub.revokeAll();
  const renewed = await pending;
  tt.ok(Date.now() - started >= 280, 'answered after the delay');
  tt.equal((await start(old)).status, 401);
  tt.equal((await start(renewed.body.token)).status, 200);
});

// ------------------------------------------------------------------------------------------------
// solex-igsp

const SX = { apiKey: 'gp_test_key', secret: 'igsp-secret' };
const SESSION = { game_id: 'prediction-markets', player_id: 'p-1', player_name: 'Ann', currency: 'USD', session_id: 's-1', balance: 100.5 };

function solexInit(method: string, body: string, o: { apiKey?: string; secret?: string; ts?: string; sign?: (body: string, ts: string) => string; signal?: AbortSignal } = {}): RequestInit {
  const ts = o.ts ?? isoAt(Date.now());
  return {
    method,
    ...(method === 'GET' ? {} : { body }),
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${o.apiKey ?? SX.apiKey}`,
      'x-timestamp': ts,
      'x-signature': o.sign ? o.sign(body, ts) : hmacHex(o.secret ?? SX.secret, body + ts),
    },
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

async function solex(tt: Teardown) {
  const stub = await startStubSolex(SX);
  tt.teardown(() => stub.close());
  const post = (path: string, body: object | string, o: Parameters<typeof solexInit>[2] = {}) =>
    send(`${stub.url}${path}`, solexInit('POST', typeof body === 'string' ? body : JSON.stringify(body), o));
  const get = (pathAndQuery: string, o: Parameters<typeof solexInit>[2] = {}) => send(`${stub.url}${pathAndQuery}`, solexInit('GET', '', o));
  return { stub, post, get };
}

/** Follows `cursor.next` until null, asserting has_more agrees, at most `maxPages` pages. */
async function allPages(get: (p: string) => Promise<Answer>, path: string, first = '', maxPages = 20): Promise<{ pages: Answer[]; ids: string[] }> {
  const pages: Answer[] = [];
  let q = first;
  while (pages.length < maxPages) {
    const r = await get(`${path}${q}`);
    pages.push(r);
    if (r.status !== 200 || r.body.cursor.next === null) break;
    q = `?cursor=${encodeURIComponent(r.body.cursor.next)}`;
  }
  return { pages, ids: pages.flatMap((p) => (p.body?.data ?? []).map((i: { id: string }) => i.id)) };
}

t.test('solex known-answer vector: HMAC-SHA256(secret, raw body + X-Timestamp)', async (tt) => {
  // printf '%s' "${BODY}2026-01-01T00:00:00Z" | openssl dgst -sha256 -hmac igsp-secret   (OpenSSL 3.0)
  const body = '{"game_id":"prediction-markets","player_id":"p-1","player_name":"Ann","currency":"USD","session_id":"s-1","balance":100.5}';
  const ts = '2026-01-01T00:00:00Z';
  const want = 'f740be7940c803963e1fc167ea0fcde4eb4830207051fd8e8eae28a8aa24c590';
  tt.ok(verifySolexSignature('igsp-secret', body, ts, want));
  tt.notOk(verifySolexSignature('igsp-secret', ts, body, want), 'timestamp first is another signature');
  // printf '%s' "2026-01-01T00:00:00Z" | openssl dgst -sha256 -hmac igsp-secret: a GET signs "" + timestamp.
  tt.ok(verifySolexSignature('igsp-secret', '', ts, '4b8af7014a1614ef961d9fd68792781d344325338b55f878335f83ea78202772'));
  tt.notOk(verifySolexSignature('other-secret', body, ts, want));
});

t.test('solex: a signed session is created (201) and recorded; a duplicate session_id is 409', async (tt) => {
  const { stub, post } = await solex(tt);
  const full = { ...SESSION, device: 'desktop', return_url: 'https://casino.test/lobby', language: 'en', is_demo: false };
  const r = await post('/igsp/v1/sessions', full);
  tt.equal(r.status, 201);
  tt.match(r.body.url, /^https:\/\/games\.solex\.test\/launch\?sid=[0-9a-f]{32}$/);
  tt.same(stub.sessions, [full]);
  tt.equal(stub.requestsTo('/igsp/v1/sessions')[0]!.signatureValid, true);
  const dup = await post('/igsp/v1/sessions', { ...SESSION, player_id: 'p-2' });
  tt.equal(dup.status, 409);
  tt.equal(dup.body.error, 'DUPLICATE_SESSION');
  tt.equal((await post('/igsp/v1/sessions', { ...SESSION, session_id: 's-2' })).status, 201);
  tt.equal(stub.sessions.length, 2);
});

t.test('solex: session body validation is 400 INVALID_REQUEST', async (tt) => {
  const { stub, post } = await solex(tt);
  for (const field of ['game_id', 'player_id', 'player_name', 'currency', 'session_id', 'balance'] as const) {
    const body: Record<string, unknown> = { ...SESSION };
    delete body[field];
    const r = await post('/igsp/v1/sessions', body);
    tt.same([r.status, r.body?.error], [400, 'INVALID_REQUEST'], `without ${field}`);
    tt.type(r.body.message, 'string');
  }
  const wrong: [string, object][] = [
    ['balance as a string', { ...SESSION, balance: '100.50' }],
    ['player_id as a number', { ...SESSION, player_id: 1 }],
    ['is_demo as a string', { ...SESSION, is_demo: 'true' }],
    ['currency not ISO-4217', { ...SESSION, currency: 'usd' }],
    ['device not desktop|mobile', { ...SESSION, device: 'tv' }],
  ];
  for (const [name, body] of wrong) tt.equal((await post('/igsp/v1/sessions', body)).status, 400, name);
  tt.equal((await post('/igsp/v1/sessions', '[1]')).status, 400, 'not an object');
  tt.equal((await post('/igsp/v1/sessions', { ...SESSION, return_url: null })).status, 201, 'an optional field may be null');
  tt.equal(stub.sessions.length, 1);
});

t.test('solex: 401 INVALID_SIGNATURE for a wrong key, secret, order or timestamp', async (tt) => {
  const { stub, post, get } = await solex(tt);
  const cases: [string, Parameters<typeof solexInit>[2]][] = [
    ['wrong api key', { apiKey: 'gp_test_other' }],
    ['wrong secret', { secret: 'other' }],
    ['timestamp + body instead of body + timestamp', { sign: (b, ts) => hmacHex(SX.secret, ts + b) }],
    ['stale timestamp', { ts: isoAt(Date.now() - 301_000) }],
    ['future timestamp', { ts: isoAt(Date.now() + 301_000) }],
    ['timestamp not ISO-8601', { ts: String(unixNow()) }],
  ];
  for (const [name, o] of cases) {
    const r = await post('/igsp/v1/sessions', SESSION, o);
    tt.same([r.status, r.body?.error], [401, 'INVALID_SIGNATURE'], name);
    tt.type(r.body.message, 'string');
  }
  tt.equal((await get('/igsp/v1/games', { secret: 'other' })).status, 401, 'GET is signed too');
  const bare = await send(`${stub.url}/igsp/v1/games`, {});
  tt.equal(bare.status, 401, 'no headers at all');
  tt.equal((await post('/igsp/v1/sessions', SESSION, { ts: isoAt(Date.now() - 250_000) })).status, 201, 'inside the 5-minute window');
  tt.same(stub.sessions.length, 1);
});

t.test('solex: demo sessions are public; only game_id and currency required', async (tt) => {
  const { stub } = await solex(tt);
  const demo = (body: object, headers: Record<string, string> = {}) =>
    send(`${stub.url}/igsp/v1/demo/sessions`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const r = await demo({ game_id: 'traderhero-jackpot', currency: 'EUR' });
  tt.equal(r.status, 201);
  tt.match(r.body.url, /^https:\/\/games\.solex\.test\/demo\?sid=[0-9a-f]{32}$/);
  tt.equal(stub.requests[0]!.signatureValid, false, 'unsigned, recorded as such, not refused');
  tt.equal((await demo({ currency: 'EUR' })).status, 400);
  tt.equal((await demo({ game_id: 'x', currency: 'EUR', balance: '1' })).status, 400, 'present fields are still type-checked');
  const signed = solexInit('POST', JSON.stringify(SESSION));
  tt.equal((await send(`${stub.url}/igsp/v1/demo/sessions`, signed)).status, 201);
  tt.equal(stub.requests.at(-1)!.signatureValid, true);
  tt.same(stub.demoSessions, [{ game_id: 'traderhero-jackpot', currency: 'EUR' }, SESSION]);
  tt.same(stub.sessions, [], 'demo sessions are not real sessions');
});

t.test('solex: games paging follows the cursor to the end (7 games, pages of 3)', async (tt) => {
  const { stub, get } = await solex(tt);
  const { pages, ids } = await allPages(get, '/igsp/v1/games');
  tt.equal(pages.length, 3);
  tt.same(ids, ['game-1', 'game-2', 'game-3', 'game-4', 'game-5', 'game-6', 'game-7']);
  tt.same(pages.map((p) => p.body.meta.has_more), [true, true, false]);
  tt.equal(pages[2]!.body.cursor.next, null);
  tt.same(pages[0]!.body.data[0], { id: 'game-1', name: 'Game 1', updated_at: '2026-01-01T00:00:00Z' });
  const reqs = stub.requestsTo('/igsp/v1/games');
  tt.same(reqs.map((r) => r.query.has('cursor')), [false, true, true]);
  tt.ok(reqs.every((r: ProviderRequestRecord) => r.signatureValid && r.method === 'GET'));
});

t.test('solex: limit, updated_after delta, providers, bad paging input', async (tt) => {
  const { get } = await solex(tt);
  const five = await allPages(get, '/igsp/v1/games', '?limit=5');
  tt.same(five.pages.map((p) => p.body.data.length), [5, 2], 'the cursor alone asks the next page');
  const all = await allPages(get, '/igsp/v1/games', '?limit=500');
  tt.same([all.pages.length, all.ids.length], [1, 7], 'limit clamped to 100');
  const delta = await allPages(get, '/igsp/v1/games', `?updated_after=${encodeURIComponent('2026-01-04T00:00:00Z')}&limit=2`);
  tt.same(delta.ids, ['game-5', 'game-6', 'game-7'], 'strictly later, and the filter carries through the cursor');
  const none = await get(`/igsp/v1/games?updated_after=${encodeURIComponent('2026-02-01T00:00:00Z')}`);
  tt.same(none.body, { data: [], cursor: { next: null }, meta: { has_more: false } });
  const providers = await allPages(get, '/igsp/v1/providers');
  tt.same(providers.ids, ['solex', 'solex-originals']);
  tt.same(providers.pages.length, 1);
  tt.same((await allPages(get, '/igsp/v1/providers', '?updated_after=2026-01-03T00:00:00Z')).ids, ['solex-originals']);
  for (const q of ['?cursor=nope', '?limit=0', '?limit=abc', '?updated_after=yesterday']) {
    tt.equal((await get(`/igsp/v1/games${q}`)).status, 400, q);
  }
  const gamesCursor = (await get('/igsp/v1/games')).body.cursor.next as string;
  tt.equal((await get(`/igsp/v1/providers?cursor=${gamesCursor}`)).status, 400, 'a games cursor is not a providers cursor');
});

t.test('solex: endlessCursor pages forever with fresh cursors', async (tt) => {
  const { stub, get } = await solex(tt);
  stub.endlessCursor = true;
  const { pages } = await allPages(get, '/igsp/v1/games', '', 12);
  tt.equal(pages.length, 12);
  tt.ok(pages.every((p) => p.body.meta.has_more === true && p.body.data.length === 3));
  tt.equal(new Set(pages.map((p) => p.body.cursor.next)).size, 12, 'every cursor is new');
  stub.endlessCursor = false;
  tt.equal((await allPages(get, '/igsp/v1/games')).pages.length, 3, 'switching it off restores the end');
});

// ------------------------------------------------------------------------------------------------
// Faults, on every stub

interface FaultTarget {
  name: string;
  start(tt: Teardown): Promise<{ stub: StubProvider; call(signal?: AbortSignal): Promise<Response> }>;
}

const targets: FaultTarget[] = [
  {
    name: 'jackpot-rgs',
    start: async (tt) => {
      const { stub } = await jackpot(tt);
      return { stub, call: (signal) => fetch(`${stub.url}/operator/launch`, jackpotInit(JSON.stringify(LAUNCH), signal ? { signal } : {})) };
    },
  },
  {
    name: 'sportsbook',
    start: async (tt) => {
      const { stub } = await sportsbook(tt);
      return { stub, call: (signal) => fetch(`${stub.url}/v1/auth`, { method: 'POST', body: JSON.stringify(SB), ...(signal ? { signal } : {}) }) };
    },
  },
  {
    name: 'solex-igsp',
    start: async (tt) => {
      const { stub } = await solex(tt);
      return { stub, call: (signal) => fetch(`${stub.url}/igsp/v1/games`, solexInit('GET', '', signal ? { signal } : {})) };
    },
  },
];

/** Reads at least `bytes` of the body, then aborts the request. */
async function readPartly(res: Response, ac: AbortController, bytes: number): Promise<number> {
  const reader = res.body!.getReader();
  let got = 0;
  while (got < bytes) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.length;
  }
  ac.abort();
  await reader.cancel().catch(() => {});
  return got;
}

for (const target of targets) {
  t.test(`${target.name}: every fault, and the stub keeps serving`, async (tt) => {
    const { stub, call } = await target.start(tt);
    const stillServes = async (what: string): Promise<void> => {
      stub.fault = 'none';
      tt.equal((await call()).status, 200, `serves normally after ${what}`);
    };

    stub.fault = '500';
    const five = await call();
    tt.same([five.status, await five.json()], [500, { error: 'INTERNAL_ERROR' }], '500');
    await stillServes('500');

    stub.fault = 'garbage';
    const garbage = await call();
    tt.equal(garbage.status, 200);
    const text = await garbage.text();
    tt.throws(() => JSON.parse(text), 'garbage is not JSON');
    await stillServes('garbage');

    stub.fault = 'hang';
    await tt.rejects(call(AbortSignal.timeout(200)), { name: 'TimeoutError' }, 'hang: the client timeout fires');
    await stillServes('hang');

    stub.fault = 'reset';
    await tt.rejects(call(), TypeError, 'reset: fetch fails');
    await stillServes('reset');

    stub.fault = 'huge';
    const ac = new AbortController();
    const huge = await call(ac.signal);
    tt.equal(huge.status, 200);
    const read = await readPartly(huge, ac, 1024 * 1024);
    tt.ok(read >= 1024 * 1024 && read < 8 * 1024 * 1024, 'huge: read partially, then hung up');
    await stillServes('huge');

    let n = 0;
    stub.fault = () => (++n === 1 ? '500' : 'none');
    tt.same([(await call()).status, (await call()).status], [500, 200], 'a fault function decides per request');
    tt.equal(stub.requests.length, 12, 'faulted requests are recorded too');
  });
}

t.test('huge: a full read is ~8 MiB of valid JSON', async (tt) => {
  const { stub, call } = await targets[2]!.start(tt);
  stub.fault = 'huge';
  const text = await (await call()).text();
  tt.ok(text.length >= 8 * 1024 * 1024 && text.length < 8 * 1024 * 1024 + 64);
  tt.equal(JSON.parse(text).padding.length, 8 * 1024 * 1024);
});

t.test('close() releases hung requests and a held auth', async (tt) => {
  const { stub, call } = await targets[0]!.start(tt);
  stub.fault = 'hang';
  const hung = call();
  const sb = await startStubSportsbook({ ...SB });
  sb.authDelayMs = 60_000;
  const held = fetch(`${sb.url}/v1/auth`, { method: 'POST', body: JSON.stringify(SB) });
  while (stub.requests.length === 0 || sb.requests.length === 0) await sleep(10);
  // Expectations attached before closing, so the rejections are never unhandled.
  const released = [tt.rejects(hung, TypeError, 'the hung request fails once the stub closes'), tt.rejects(held, TypeError, 'the held auth fails once the stub closes')];
  const closing = Date.now();
  await Promise.all([stub.close(), sb.close()]);
  await Promise.all(released);
  tt.ok(Date.now() - closing < 2000, 'close does not wait for them');
});
