/**
 * sportsbook's login token (seed 002): obtained by POST /{version}/auth, cached across sessions,
 * renewed before it expires, one renewal however many sessions wait, renewed once and retried once
 * when start-session answers 401, and a refused login a 502 without a loop. Against a stub that
 * issues, expires and revokes tokens on its own clock.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { forbiddenInLogs, outboundRig, providersWith, SECRETS } from './rig.js';

const start = (user = 'player-1') => ({ provider: 'sportsbook', player_id: user, currency: 'USD', language: 'en' });

t.test('the token is fetched once and reused across sessions', async (t) => {
  const r = await outboundRig(t);
  for (const u of ['player-1', 'player-2', 'player-1']) {
    const res = await r.session(start(u));
    t.equal(res.status, 201, JSON.stringify(res.body));
    t.match(res.body.launch_url, new RegExp(`^https://sportsbook\\.test/iframe\\?session=\\w+&user=${u}$`));
  }
  t.equal(r.sportsbook.authCalls(), 1, 'one login for three sessions');
  const auth = r.sportsbook.requestsTo('/v2/auth')[0]!;
  t.same(auth.body, { username: SECRETS.sbUser, password: SECRETS.sbPassword }, 'the login sends the configured credentials');
  const calls = r.sportsbook.requestsTo('/v2/start-session');
  t.equal(calls.length, 3);
  t.ok(calls.every((c) => c.signatureValid && c.headers.authorization === `Bearer ${r.sportsbook.issuedTokens[0]}`), 'every start-session carries the one token');
  t.same(calls[0]!.body, { user_id: 'player-1', currency: 'USD', lang: 'en' });
  for (const bad of forbiddenInLogs(r)) t.notOk(r.logs.some((l) => l.includes(bad)), 'no password or token in the logs');
});

t.test('expires_in as a number works too', async (t) => {
  const r = await outboundRig(t, { expiresInAs: 'number' });
  t.equal((await r.session(start())).status, 201);
  t.equal((await r.session(start())).status, 201);
  t.equal(r.sportsbook.authCalls(), 1);
});

t.test('the token is renewed before it expires (a lifetime of 2 s is renewed after 1 s)', async (t) => {
  const r = await outboundRig(t, { sportsbookTtlS: 2 });
  t.equal((await r.session(start())).status, 201);
  t.equal((await r.session(start())).status, 201, 'still inside the first half of its life');
  t.equal(r.sportsbook.authCalls(), 1);
  await sleep(1100);
  const res = await r.session(start());
  t.equal(res.status, 201, 'answered with the token still valid while it is renewed in the background');
  for (let i = 0; i < 50 && r.sportsbook.authCalls() < 2; i++) await sleep(10);
  t.equal(r.sportsbook.authCalls(), 2, 'renewed before the provider would refuse it');
  t.equal((await r.session(start())).status, 201);
  t.equal(r.sportsbook.issuedTokens.length, 2);
  t.equal(r.sportsbook.requestsTo('/v2/start-session').at(-1)!.headers.authorization, `Bearer ${r.sportsbook.issuedTokens[1]}`, 'the next session carries the renewed token');
  t.equal(r.sportsbook.requestsTo('/v2/start-session').filter((c) => !c.signatureValid).length, 0, 'no call was ever sent with an expired token');
});

t.test('20 concurrent sessions while the token is being fetched: exactly one token call', async (t) => {
  const r = await outboundRig(t);
  r.sportsbook.authDelayMs = 300;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => r.session(start(`player-${i}`))));
  t.ok(answers.every((a) => a.status === 201), `all 201 (${answers.map((a) => a.status).join(',')})`);
  t.equal(r.sportsbook.authCalls(), 1, 'one login however many waited');
  t.equal(r.sportsbook.requestsTo('/v2/start-session').length, 20);
});

t.test('20 concurrent sessions during a renewal: exactly one more token call', async (t) => {
  const r = await outboundRig(t, { sportsbookTtlS: 2 });
  t.equal((await r.session(start())).status, 201);
  await sleep(1100);
  r.sportsbook.authDelayMs = 300;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => r.session(start(`p-${i}`))));
  t.ok(answers.every((a) => a.status === 201));
  t.ok(answers.every((a) => a.ms < 280), `none waited for the held renewal (slowest ${Math.round(Math.max(...answers.map((a) => a.ms)))} ms)`);
  await sleep(400);
  t.equal(r.sportsbook.authCalls(), 2, 'one renewal for the 20');
});

t.test('20 concurrent sessions after the token expired: they wait for one renewal', async (t) => {
  const r = await outboundRig(t, { sportsbookTtlS: 2 });
  t.equal((await r.session(start())).status, 201);
  await sleep(2100);
  r.sportsbook.authDelayMs = 300;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => r.session(start(`e-${i}`))));
  t.ok(answers.every((a) => a.status === 201), answers.map((a) => a.status).join(','));
  t.equal(r.sportsbook.authCalls(), 2, 'one renewal for the 20');
  t.equal(r.sportsbook.requestsTo('/v2/start-session').filter((c) => !c.signatureValid).length, 0, 'no call was sent with the expired token');
});

t.test('a 401 (token revoked early): one renewal, one retry, and the session succeeds', async (t) => {
  const r = await outboundRig(t);
  t.equal((await r.session(start())).status, 201);
  r.sportsbook.revokeAll();
  const res = await r.session(start());
  t.equal(res.status, 201, JSON.stringify(res.body));
  t.equal(r.sportsbook.authCalls(), 2, 'renewed once');
  const calls = r.sportsbook.requestsTo('/v2/start-session');
  t.equal(calls.length, 3, 'the refused call and its one retry');
  t.notOk(calls[1]!.signatureValid, 'the second call was refused');
  t.ok(calls[2]!.signatureValid, 'the retry carried the new token');
});

t.test('20 concurrent sessions all refused with the same revoked token: one renewal', async (t) => {
  const r = await outboundRig(t);
  t.equal((await r.session(start())).status, 201);
  r.sportsbook.revokeAll();
  r.sportsbook.authDelayMs = 200;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => r.session(start(`q-${i}`))));
  t.ok(answers.every((a) => a.status === 201), answers.map((a) => a.status).join(','));
  t.equal(r.sportsbook.authCalls(), 2, 'the stale token is forgotten once, renewed once');
});

t.test('a 401 on the retry too: 502, no loop', async (t) => {
  const r = await outboundRig(t);
  t.equal((await r.session(start())).status, 201);
  r.sportsbook.refuseTokens = true;
  const res = await r.session(start());
  t.equal(res.status, 502, JSON.stringify(res.body));
  t.match(res.body.error.message, /HTTP 401/);
  t.equal(r.sportsbook.authCalls(), 2, 'one renewal only');
  t.equal(r.sportsbook.requestsTo('/v2/start-session').length, 3, 'the first session, then the refused call and its one retry');
});

t.test('credentials refused: 502 naming the token call, one login attempt, then a back-off', async (t) => {
  const r = await outboundRig(t, { providersDir: providersWith(t, { 'sportsbook.yaml': [['      renew_before_s: 60\n', '      renew_before_s: 60\n      failure_backoff_s: 1\n']] }) });
  r.sportsbook.acceptCredentials = false;
  const res = await r.session(start());
  t.equal(res.status, 502);
  t.equal(res.body.error.code, 'PROVIDER_UNAVAILABLE');
  t.match(res.body.error.message, /could not obtain the api token .*HTTP 401/);
  t.equal(r.sportsbook.authCalls(), 1, 'one login attempt');
  t.equal(r.sportsbook.requestsTo('/v2/start-session').length, 0, 'no session call without a token');
  const again = await r.session(start());
  t.equal(again.status, 502, 'inside the back-off: the same answer at once');
  t.equal(r.sportsbook.authCalls(), 1, 'without another login');
  r.sportsbook.acceptCredentials = true;
  await sleep(1050);
  t.equal((await r.session(start())).status, 201, 'after it, the next session logs in and recovers');
  t.equal(r.sportsbook.authCalls(), 2);
  t.notOk(r.logs.some((l) => l.includes(SECRETS.sbPassword)), 'the password is never logged');
});

t.test('a login answer without a token, or with an unusable expires_in, is a 502', async (t) => {
  const r = await outboundRig(t);
  r.sportsbook.fault = (req) => (req.path.endsWith('/auth') ? 'garbage' : 'none');
  const res = await r.session(start());
  t.equal(res.status, 502);
  t.match(res.body.error.message, /token/);
});
