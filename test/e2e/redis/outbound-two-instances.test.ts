/**
 * The outbound half through real `gateway serve` processes: two instances sharing Redis, in front of
 * a stub canonical wallet and stub providers that verify every signature on their own. Sessions of
 * every provider from both admin APIs, the wallet's balance when none is given, a catalogue followed
 * to its end, sportsbook tokens cached per process (one login per instance however many sessions),
 * bad requests refused before any call, and not one secret, password or token in either process's
 * output.
 */
import t from 'tap';
import { crashSigns, sharedRedisSetup, startGateways, type GatewayProcess } from './rig.js';
import { startStubJackpotRgs, startStubSolex, startStubSportsbook } from '../../helpers/stub-providers.js';

const S = {
  jackpot: 'two-instances-jackpot-secret',
  operator: 'op-2f1c',
  solexKey: 'gp_two_instances_key',
  solexSecret: 'two-instances-solex-secret',
  sbHash: 'two-instances-sb-hash',
  sbUser: 'two-instances-user',
  sbPass: 'two-instances-Pa55word!',
};

const rig = await sharedRedisSetup(t, { 'player-1': { currency: 'USD', balance: '250.00' }, 'player-2': { currency: 'USD', balance: '10.00' } });
if (rig) {
  const { url, prefix, wallet } = rig;
  const jackpot = await startStubJackpotRgs({ secret: S.jackpot, operatorId: S.operator });
  const solex = await startStubSolex({ apiKey: S.solexKey, secret: S.solexSecret, games: 7, pageSize: 3 });
  const sportsbook = await startStubSportsbook({ username: S.sbUser, password: S.sbPass });
  t.teardown(() => Promise.all([jackpot.close(), solex.close(), sportsbook.close()]));
  const gws = await startGateways(t, 2, {
    storeUrl: url,
    prefix,
    walletUrl: wallet.url,
    enabled: ['jackpot-rgs', 'solex-igsp', 'sportsbook'],
    env: {
      JACKPOT_RGS_HMAC_SECRET: S.jackpot,
      JACKPOT_RGS_OPERATOR_ID: S.operator,
      JACKPOT_RGS_BASE_URL: jackpot.url,
      SOLEX_IGSP_API_KEY: S.solexKey,
      SOLEX_IGSP_SECRET_KEY: S.solexSecret,
      SOLEX_IGSP_BASE_URL: solex.url,
      SPORTSBOOK_SECURITY_HASH: S.sbHash,
      SPORTSBOOK_API_URL: sportsbook.url,
      SPORTSBOOK_USERNAME: S.sbUser,
      SPORTSBOOK_PASSWORD: S.sbPass,
    },
  });
  const [a, b] = gws as [GatewayProcess, GatewayProcess];
  const session = async (g: GatewayProcess, body: Record<string, unknown>) => {
    const res = await fetch(`${g.admin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
    return { status: res.status, body: (await res.json()) as any };
  };

  t.test('jackpot-rgs launches from both instances, signed', async (t) => {
    for (const g of [a, b]) {
      const r = await session(g, { provider: 'jackpot-rgs', player_id: 'player-1', currency: 'USD', game_id: `dice-${g.name}`, country: 'US' });
      t.equal(r.status, 201, `${g.name}: ${JSON.stringify(r.body)}`);
      t.match(r.body, { provider: 'jackpot-rgs', launch_url: /^https:\/\/play\.jackpot\.test\//, session_token: /^[0-9a-f]+$/ });
    }
    const demo = await session(b, { provider: 'jackpot-rgs', demo: true, currency: 'USD', game_id: 'dice-alpha', country: 'US' });
    t.equal(demo.status, 201);
    t.equal(jackpot.requests.length, 3);
    t.ok(jackpot.requests.every((r) => r.signatureValid), 'every launch verified by the stub');
  });

  t.test('solex-igsp: the wallet balance when none is given, a 409 on a duplicate, a catalogue to its end', async (t) => {
    const r = await session(a, { provider: 'solex-igsp', player_id: 'player-1', currency: 'USD', game_id: 'prediction-markets', player_name: 'P One', session_id: 'two-inst-1' });
    t.equal(r.status, 201, JSON.stringify(r.body));
    t.equal(solex.sessions.at(-1)!.balance, 250, 'the wallet balance, as a number');
    const dup = await session(b, { provider: 'solex-igsp', player_id: 'player-1', currency: 'USD', game_id: 'prediction-markets', player_name: 'P One', session_id: 'two-inst-1' });
    t.equal(dup.status, 409, 'the other instance gets the 409 for the same session_id');
    const res = await fetch(`${b.admin}/v1/providers/solex-igsp/catalog/games?limit=3`);
    const body = (await res.json()) as any;
    t.equal(res.status, 200);
    t.equal(body.items.length, 7, 'all 7 games over 3 pages');
    t.ok(solex.requests.every((x) => x.signatureValid), 'every Solex call verified by the stub');
  });

  t.test('sportsbook: one login per process however many sessions', async (t) => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => session(i % 2 ? b : a, { provider: 'sportsbook', player_id: `p-${i}`, currency: 'USD' })));
    t.ok(answers.every((x) => x.status === 201), answers.map((x) => x.status).join(','));
    t.equal(sportsbook.authCalls(), 2, 'each instance logged in once');
    t.equal(sportsbook.requestsTo('/v1/start-session').length, 20);
  });

  t.test('bad requests are refused before any call, on either instance', async (t) => {
    const before = jackpot.requests.length + solex.requests.length + sportsbook.requests.length;
    const r1 = await session(a, { provider: 'jackpot-rgs', currency: 'USD', game_id: 'g', country: 'US' });
    const r2 = await session(b, { provider: 'solex-igsp', player_id: 'player-1', currency: 'USD' });
    t.equal(r1.status, 400);
    t.equal(r2.status, 400);
    t.equal(jackpot.requests.length + solex.requests.length + sportsbook.requests.length, before, 'no provider call');
  });

  t.test('provider failures are bounded 502s: 500, non-JSON, oversized, reset, hang', async (t) => {
    const launch = { provider: 'jackpot-rgs', player_id: 'player-1', currency: 'USD', game_id: 'dice-alpha', country: 'US' };
    for (const fault of ['500', 'garbage', 'huge', 'reset', 'hang'] as const) {
      jackpot.fault = fault;
      const started = performance.now();
      const r = await session(fault === 'hang' ? b : a, launch);
      const ms = performance.now() - started;
      t.equal(r.status, 502, `${fault}: 502 (${JSON.stringify(r.body)})`);
      t.equal(r.body.error.code, 'PROVIDER_UNAVAILABLE', fault);
      t.ok(ms < 7000, `${fault}: answered in ${Math.round(ms)} ms (the call timeout is 5 s)`);
    }
    jackpot.fault = 'none';
    t.equal((await session(a, launch)).status, 201, 'and launches work again');
  });

  t.test('sportsbook: a revoked token is renewed once by each process that meets the 401', async (t) => {
    const before = sportsbook.authCalls();
    sportsbook.revokeAll();
    t.equal((await session(a, { provider: 'sportsbook', player_id: 'r-1', currency: 'USD' })).status, 201);
    t.equal((await session(b, { provider: 'sportsbook', player_id: 'r-2', currency: 'USD' })).status, 201);
    t.equal((await session(a, { provider: 'sportsbook', player_id: 'r-3', currency: 'USD' })).status, 201);
    t.equal(sportsbook.authCalls(), before + 2, 'one renewal per process');
    sportsbook.acceptCredentials = false;
    sportsbook.revokeAll();
    const refused = await session(b, { provider: 'sportsbook', player_id: 'r-4', currency: 'USD' });
    t.equal(refused.status, 502, 'credentials refused: 502');
    t.equal(sportsbook.authCalls(), before + 3, 'one login attempt, no loop');
    sportsbook.acceptCredentials = true;
  });

  t.test('no secret, password or token in either process output; no crash', async (t) => {
    const out = gws.map((g) => g.stdout() + g.stderr()).join('\n');
    const forbidden = [S.jackpot, S.solexKey, S.solexSecret, S.sbHash, S.sbPass, ...sportsbook.issuedTokens, ...jackpot.sessions.map((s) => s.sessionToken)];
    for (const f of forbidden) t.notOk(out.includes(f), 'not in the output');
    t.ok(out.includes('"msg":"outbound call"'), 'outbound calls are logged (without their content)');
    for (const g of gws) t.same(crashSigns(g.stderr()), [], `${g.name}: no crash`);
  });
}
