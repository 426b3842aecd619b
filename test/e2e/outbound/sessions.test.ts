/**
 * Admin POST /v1/sessions end to end, against stub providers that verify signatures on their own
 * (test/helpers/stub-providers.ts, node:crypto from the seeds): jackpot-rgs signed launches and demo
 * launches, solex-igsp signed sessions with a generated session_id and the wallet's balance, demo
 * sessions, 409 on a duplicate; bad requests refused before any call; every provider failure
 * (500, hang, non-JSON, oversized, reset) a bounded 502; no secret or token in any log line.
 */
import t from 'tap';
import { forbiddenInLogs, outboundRig, providersWith, SECRETS } from './rig.js';

const launch = { provider: 'jackpot-rgs', player_id: 'player-1', currency: 'USD', game_id: 'dice-alpha', country: 'US' };
const solexSession = { provider: 'solex-igsp', player_id: 'player-1', currency: 'USD', game_id: 'prediction-markets', player_name: 'Player One' };

t.test('jackpot-rgs: a signed launch the RGS accepts', async (t) => {
  const r = await outboundRig(t);
  const res = await r.session(launch);
  t.equal(res.status, 201, JSON.stringify(res.body));
  t.equal(r.jackpot.requests.length, 1, 'one launch call');
  const req = r.jackpot.requests[0]!;
  t.ok(req.signatureValid, 'the stub verified X-HMAC-SHA256 over timestamp + /operator/launch + body, the operator id and the window');
  t.equal(req.headers['x-operator-id'], SECRETS.operatorId);
  t.same(req.body, { playerId: 'player-1', currency: 'USD', gameCode: 'dice-alpha', countryCode: 'US' }, 'the body maps the operator fields; no demo key when not asked');
  t.equal(req.raw.toString(), JSON.stringify(req.body), 'the body is sent compact (what the signature covers)');
  const s = r.jackpot.sessions[0]!;
  t.same(res.body, { provider: 'jackpot-rgs', launch_url: `https://play.jackpot.test/dice-alpha?sessionToken=${s.sessionToken}&id=dice-alpha`, session_token: s.sessionToken });
  for (const bad of forbiddenInLogs(r)) t.notOk(r.logs.some((l) => l.includes(bad)), 'no secret or token in the logs');
  t.ok(r.logs.some((l) => l.includes('"msg":"session started"') && l.includes('"provider":"jackpot-rgs"')), 'the session is logged (without its URL)');
  t.notOk(r.logs.some((l) => l.includes('play.jackpot.test')), 'the launch URL (it carries the session token) is never logged');
});

t.test('jackpot-rgs: a demo launch needs no player', async (t) => {
  const r = await outboundRig(t);
  const res = await r.session({ provider: 'jackpot-rgs', demo: true, currency: 'USD', game_id: 'dice-alpha', country: 'US' });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const req = r.jackpot.requests[0]!;
  t.ok(req.signatureValid);
  t.same(req.body, { currency: 'USD', gameCode: 'dice-alpha', countryCode: 'US', demo: true }, 'demo: true and no playerId');
});

t.test('bad requests are refused with 400 before any call', async (t) => {
  const r = await outboundRig(t);
  const cases: [string, Record<string, unknown>][] = [
    ['player_id missing without demo', { ...launch, player_id: undefined }],
    ['a field the provider needs is missing', { ...launch, country: undefined }],
    ['a field of the wrong type', { ...launch, currency: 12 }],
    ['an unknown field', { ...launch, colour: 'red' }],
    ['no provider', { player_id: 'p' }],
    ['an unknown provider', { ...launch, provider: 'nobody' }],
    ['a malformed balance', { ...solexSession, balance: '-5' }],
    ['a balance with an exponent', { ...solexSession, balance: '1e3' }],
    ['demo where the provider offers none', { provider: 'sportsbook', demo: true, currency: 'USD' }],
  ];
  for (const [name, body] of cases) {
    const res = await r.session(JSON.parse(JSON.stringify(body)));
    t.equal(res.status, 400, `${name}: 400 (${JSON.stringify(res.body)})`);
    t.equal(res.body?.error?.code, 'INVALID_REQUEST', name);
    t.type(res.body?.error?.message, 'string', `${name}: a message`);
  }
  const notJson = await fetch(`${r.gw.admin}/v1/sessions`, { method: 'POST', body: '{"provider":' });
  t.equal(notJson.status, 400, 'malformed JSON: 400');
  t.equal(r.jackpot.requests.length + r.solex.requests.length + r.sportsbook.requests.length, 0, 'no provider was called');
  t.equal(r.wallet.calls.length, 0, 'no wallet call either');
});

t.test('provider failures are a 502 with the provider status, bounded in time', async (t) => {
  const dir = providersWith(t, { 'jackpot-rgs.yaml': [['  timeout_ms: 5000\n', '  timeout_ms: 400\n']] });
  const r = await outboundRig(t, { providersDir: dir });
  r.jackpot.fault = '500';
  let res = await r.session(launch);
  t.equal(res.status, 502);
  t.equal(res.body.error.code, 'PROVIDER_UNAVAILABLE');
  t.match(res.body.error.message, /HTTP 500/, 'the provider status is in the message');

  r.jackpot.fault = 'hang';
  res = await r.session(launch);
  t.equal(res.status, 502, 'a hung provider: 502');
  t.ok(res.ms < 2000, `answered within the call timeout (${Math.round(res.ms)} ms)`);
  t.match(res.body.error.message, /no answer/);

  r.jackpot.fault = 'garbage';
  res = await r.session(launch);
  t.equal(res.status, 502, 'a non-JSON answer: 502');
  t.match(res.body.error.message, /not JSON/);

  r.jackpot.fault = 'huge';
  res = await r.session(launch);
  t.equal(res.status, 502, 'an 8 MiB answer: 502, never buffered whole');
  t.match(res.body.error.message, /larger than 1048576 bytes/);

  r.jackpot.fault = 'reset';
  res = await r.session(launch);
  t.equal(res.status, 502, 'a reset: 502');

  r.jackpot.fault = 'none';
  res = await r.session(launch);
  t.equal(res.status, 201, 'the next launch works again');
});

t.test('a secret the RGS does not share: it refuses the signature, the operator gets 502 once, no retry', async (t) => {
  const r = await outboundRig(t, { env: { JACKPOT_RGS_HMAC_SECRET: 'a-secret-the-rgs-does-not-know' } });
  const res = await r.session(launch);
  t.equal(res.status, 502);
  t.match(res.body.error.message, /HTTP 401/);
  t.equal(r.jackpot.requests.length, 1, 'one attempt');
  t.notOk(r.jackpot.requests[0]!.signatureValid, 'the stub saw a signature it could not verify');
});

t.test('solex-igsp: session_id generated, balance read from the wallet, expires_at from the 4 h lifetime', async (t) => {
  const r = await outboundRig(t);
  const before = Date.now();
  const res = await r.session(solexSession);
  t.equal(res.status, 201, JSON.stringify(res.body));
  const req = r.solex.requestsTo('/igsp/v1/sessions')[0]!;
  t.ok(req.signatureValid, 'Bearer key, ISO timestamp and HMAC over body + timestamp verified by the stub');
  t.equal(req.body.balance, 97.5, 'the wallet balance, sent as a JSON number');
  t.match(req.raw.toString(), /"balance":97\.50?[,}]/, 'written from the decimal text');
  t.match(req.body.session_id, /^[0-9a-f-]{36}$/, 'a generated session_id');
  t.equal(res.body.session_id, req.body.session_id, 'the operator is told the session_id');
  t.match(res.body.launch_url, /^https:\/\/games\.solex\.test\/launch\?sid=/);
  const exp = Date.parse(res.body.expires_at);
  t.ok(exp >= before + 4 * 3600_000 - 1000 && exp <= Date.now() + 4 * 3600_000 + 1000, 'expires_at = now + 4 h');
  const balances = r.wallet.callsOf('balance');
  t.equal(balances.length, 1, 'one canonical balance call');
  t.match(balances[0]!.body, { provider: 'solex-igsp', operation: 'balance', player_id: 'player-1', currency: 'USD' });
});

t.test('solex-igsp: a given balance and session_id are used as given; a duplicate session_id is a 409', async (t) => {
  const r = await outboundRig(t);
  const first = await r.session({ ...solexSession, session_id: 'op-session-1', balance: '12.30' });
  t.equal(first.status, 201);
  t.equal(r.wallet.calls.length, 0, 'no wallet call when the operator gave the balance');
  const req = r.solex.requestsTo('/igsp/v1/sessions')[0]!;
  t.equal(req.body.session_id, 'op-session-1');
  t.equal(req.body.balance, 12.3);
  const dup = await r.session({ ...solexSession, session_id: 'op-session-1', balance: '12.30' });
  t.equal(dup.status, 409, 'Solex refuses the duplicate: 409');
  t.same(dup.body.error.code, 'DUPLICATE_SESSION');
});

t.test('solex-igsp: a demo session goes to the public demo endpoint, unsigned, without a wallet call', async (t) => {
  const r = await outboundRig(t);
  const res = await r.session({ provider: 'solex-igsp', demo: true, currency: 'USD', game_id: 'traderhero-jackpot', player_name: 'Guest' });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const req = r.solex.requestsTo('/igsp/v1/demo/sessions')[0]!;
  t.ok(req, 'the demo endpoint was called');
  t.notOk(req.headers['x-signature'], 'unsigned');
  t.notOk(req.headers['authorization'], 'no API key sent to the public endpoint');
  t.equal(req.body.is_demo, true);
  t.equal(r.wallet.calls.length, 0, 'no balance read for a demo');
  t.match(res.body.launch_url, /\/demo\?sid=/);
});

t.test('solex-igsp: the wallet not knowing the player is a 404, a wallet outage a 502, and Solex is not called', async (t) => {
  const r = await outboundRig(t);
  const unknown = await r.session({ ...solexSession, player_id: 'nobody' });
  t.equal(unknown.status, 404, JSON.stringify(unknown.body));
  t.equal(unknown.body.error.code, 'PLAYER_NOT_FOUND');
  r.wallet.fault = '503';
  const down = await r.session(solexSession);
  t.equal(down.status, 502);
  t.equal(down.body.error.code, 'WALLET_UNAVAILABLE');
  t.equal(r.solex.requests.length, 0, 'no session was opened without a balance');
});

t.test('the provider listing shows what is offered, never a token', async (t) => {
  const r = await outboundRig(t);
  t.equal((await r.session({ provider: 'sportsbook', player_id: 'player-1', currency: 'USD' })).status, 201);
  const list = await r.admin('/v1/providers');
  const sb = list.body.providers.find((p: any) => p.id === 'sportsbook');
  t.match(sb.outbound, { sessions: { demo: false }, tokens: [{ name: 'api', held: true, renewals: 1 }] });
  const text = JSON.stringify(list.body);
  for (const tok of r.sportsbook.issuedTokens) t.notOk(text.includes(tok), 'no token in the admin answer');
  t.notOk(text.includes(SECRETS.sbPassword), 'no password');
  const solex = list.body.providers.find((p: any) => p.id === 'solex-igsp');
  t.same(solex.outbound.catalogs.map((c: any) => c.name), ['games', 'providers']);
});

t.test('a provider whose outbound settings are unset: callbacks load, sessions answer 503 naming the variable', async (t) => {
  const r = await outboundRig(t, { providersDir: providersWith(t, { 'jackpot-rgs.yaml': [['base_url: "{setting.base_url}"', 'base_url: "{setting.launch_url}"'], ['  base_url: { env: JACKPOT_RGS_BASE_URL }', '  base_url: { env: JACKPOT_RGS_BASE_URL }\n  launch_url: { env: JACKPOT_RGS_LAUNCH_URL_UNSET }']] }) });
  const res = await r.session(launch);
  t.equal(res.status, 503);
  t.equal(res.body.error.code, 'PROVIDER_NOT_CONFIGURED');
  t.match(res.body.error.message, /JACKPOT_RGS_LAUNCH_URL_UNSET is not set/);
  t.equal(r.jackpot.requests.length, 0);
});

t.test('solex-igsp: a wallet balance in another currency is refused, not sent as this one', async (t) => {
  const r = await outboundRig(t);
  const res = await r.session({ ...solexSession, player_id: 'player-2', currency: 'USD' });
  t.equal(res.status, 422, JSON.stringify(res.body));
  t.equal(res.body.error.code, 'CURRENCY_MISMATCH');
  t.equal(r.solex.requests.length, 0, 'Solex was not called');
});

t.test('an operator balance is exact: numbers as written, decimals checked against the currency', async (t) => {
  const r = await outboundRig(t);
  const send = (balance: string, currency = 'USD') =>
    fetch(`${r.gw.admin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"provider":"solex-igsp","player_id":"player-1","currency":"${currency}","game_id":"g","player_name":"P","balance":${balance}}` }).then(async (x) => ({ status: x.status, body: (await x.json()) as any }));
  t.equal((await send('12.30')).status, 201);
  t.match(r.solex.requests.at(-1)!.raw.toString(), /"balance":12\.3[,}]/, '12.30 as a number is 12.3 exactly');
  t.equal((await send('0.30000000000000004')).status, 400, 'more decimals than USD allows');
  t.equal((await send('"10.5"', 'JPY')).status, 400, 'JPY has no decimals');
  t.equal((await send('1e3')).status, 400, 'no exponents');
  t.equal((await send('123456789012345678901')).status, 400, 'too many digits');
  t.equal((await send('"0.10"')).status, 201);
  t.match(r.solex.requests.at(-1)!.raw.toString(), /"balance":0\.1[,}]/);
});

t.test('a jackpot session echoes no session_id the provider never got', async (t) => {
  const r = await outboundRig(t);
  const res = await r.session({ ...launch, session_id: 'op-ref-1' });
  t.equal(res.status, 201);
  t.notOk('session_id' in res.body);
});
