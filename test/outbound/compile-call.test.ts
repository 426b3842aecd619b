/**
 * compileCall: what the gateway sends, byte for byte. Known-answer vectors made with openssl for
 * the HMAC recipes (timestamp + path + body, body + timestamp, an empty-body GET), the signature of
 * every recipe verified by the gateway's own verifier (one recipe implementation, both directions),
 * JWT bearer tokens checked with jose against the public key, and load-time problems.
 */
import t from 'tap';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash, createPublicKey } from 'node:crypto';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import { compileAmountRules } from '../../gateway/compile/amount-rules.js';
import { compileVerify } from '../../gateway/compile/compile-verify.js';
import { DEFAULT_SETTINGS, type EngineDeps } from '../../gateway/compile/engine.js';
import type { ConfigProblem } from '../../gateway/compile/problem.js';
import { silentLogger } from '../../gateway/log.js';
import { compileCall, type CallEnv, type CallUse } from '../../gateway/outbound/compile-call.js';
import type { CallConfig, OutboundConfig, SignConfig } from '../../gateway/outbound/outbound-config.js';
import { compose } from '../../gateway/pipeline/context.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { staticRegistry } from '../../gateway/plugins/registry.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { SandboxWallet } from '../../gateway/wallet/sandbox-wallet.js';

const KEYS = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'keys');
const pem = (f: string): Buffer => readFileSync(path.join(KEYS, f));

interface Captured {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

async function capture(t: { teardown(fn: () => unknown): void }, answer: { status: number; body: string } = { status: 200, body: '{"url":"https://x/launch"}' }) {
  const seen: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method!, path: u.pathname, query: u.search.slice(1), headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function env(o: { base: string; secrets?: Record<string, Buffer | string>; outbound?: OutboundConfig; now?: number; settings?: Record<string, string> }): CallEnv {
  const secrets = new Map(Object.entries(o.secrets ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));
  const deps: EngineDeps = { store: new MemoryStore(), wallet: new SandboxWallet(), log: silentLogger, settings: DEFAULT_SETTINGS, env: {}, plugins: staticRegistry([]), now: () => o.now ?? Date.now() };
  return {
    provider: 'acme',
    outbound: { base_url: '{setting.base_url}', ...o.outbound },
    settings: { base_url: o.base, ...o.settings },
    secrets,
    declaredSecrets: new Set(secrets.keys()),
    amounts: compileAmountRules({ input: { format: 'string' }, output: { format: 'number' } }, {}),
    deps,
    tokens: new Map(),
  };
}

const SESSION_USE: CallUse = { label: 'sessions', inputFields: new Set(['player_id', 'currency', 'game_id', 'country', 'balance', 'demo']), answerNames: ['launch_url', 'session_token', 'expires_at'], requiredAnswer: ['launch_url'] };

function compile(cfg: CallConfig, e: CallEnv, use: CallUse = SESSION_USE) {
  const problems: ConfigProblem[] = [];
  const call = compileCall(cfg, ['sessions', 'call'], e, use, problems);
  return { call, problems: problems.map((p) => `${p.path.join('.')}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`) };
}

/** Runs the recorded request through the gateway's verifier compiled from the same recipe. */
async function verifiesWith(recipe: SignConfig, e: CallEnv, r: Captured, now: number): Promise<string | undefined> {
  const problems: ConfigProblem[] = [];
  const stages = compileVerify(recipe, ['sign'], { provider: 'acme', secrets: e.secrets, settings: {}, deps: e.deps, store: new MemoryStore() }, problems, true);
  if (problems.length) return problems.map((p) => p.message).join('; ');
  const { handler } = compose(stages, async () => ({ status: 200, body: '' }));
  try {
    await handler({ requestId: 'v', method: r.method, path: r.path, query: r.query, headers: r.headers, raw: r.raw, now, params: {} });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const LAUNCH_BODY = { playerId: { $from: 'input.player_id' }, currency: { $from: 'input.currency' }, gameCode: { $from: 'input.game_id' }, countryCode: { $from: 'input.country' }, demo: { $from: 'input.demo' } };
const LAUNCH_INPUT = { player_id: 'player-1', currency: 'USD', game_id: 'dice-alpha', country: 'US' };
const JACKPOT_RECIPE: SignConfig = {
  signature: { algorithm: 'hmac-sha256', secrets: ['hmac'], header: 'X-HMAC-SHA256', encoding: 'hex', message: ['timestamp', 'path', 'body'] },
  timestamp: { from: 'header.X-Timestamp', format: 'unix-s' },
};

t.test('KAT: timestamp + path + compact body (the seed launch), verified by the gateway verifier', async (t) => {
  const srv = await capture(t);
  const NOW = 1767225600_000;
  const e = env({ base: srv.url, secrets: { hmac: 'your-hmac-secret' }, now: NOW, outbound: { sign: JACKPOT_RECIPE, headers: { 'X-Operator-ID': 'op-uuid' } } });
  const { call, problems } = compile({ path: '/operator/launch', body: LAUNCH_BODY, answer: { launch_url: 'answer.url' } }, e);
  t.same(problems, []);
  const a = await call!.run(LAUNCH_INPUT);
  t.same(a.fields, { launch_url: 'https://x/launch' });
  const r = srv.seen[0]!;
  t.equal(r.raw.toString(), '{"playerId":"player-1","currency":"USD","gameCode":"dice-alpha","countryCode":"US"}', 'compact, absent demo dropped');
  t.equal(r.headers['x-timestamp'], '1767225600');
  t.equal(r.headers['x-hmac-sha256'], '4d2503e3bc471cc78c6d8a7c88a602b881e8f8061bc81cfaa9a6521a7c0d7b90', 'openssl: printf "$ts/operator/launch$body" | openssl dgst -sha256 -hmac your-hmac-secret');
  t.equal(r.headers['x-operator-id'], 'op-uuid');
  t.equal(r.headers['content-type'], 'application/json');
  t.equal(await verifiesWith(JACKPOT_RECIPE, e, r, NOW), undefined, 'the gateway verifies what it signed');
  t.match(await verifiesWith(JACKPOT_RECIPE, env({ base: srv.url, secrets: { hmac: 'another' } }), r, NOW), /does not match/, 'and another secret does not');
});

t.test('the signed path is the path as sent, base URL prefix included', async (t) => {
  const srv = await capture(t);
  const NOW = 1767225600_000;
  const e = env({ base: `${srv.url}/api/`, secrets: { hmac: 'your-hmac-secret' }, now: NOW, outbound: { sign: JACKPOT_RECIPE } });
  const { call } = compile({ path: '/operator/launch', body: { a: 1 }, answer: { launch_url: 'answer.url' } }, e);
  await call!.run({});
  t.equal(srv.seen[0]!.path, '/api/operator/launch');
  t.equal(srv.seen[0]!.headers['x-hmac-sha256'], 'ab912d479e2ded84f598a23ecf0dcdfd43742c1d5224861f7dc7e11f6763f41d', 'openssl over "$ts/api/operator/launch{"a":1}"');
});

const SOLEX_RECIPE: SignConfig = {
  credentials: [{ header: 'Authorization', prefix: 'Bearer ', secret: 'api_key' }],
  signature: { algorithm: 'hmac-sha256', secrets: ['secret'], header: 'X-Signature', encoding: 'hex', message: ['body', 'timestamp'] },
  timestamp: { from: 'header.X-Timestamp', format: 'iso8601' },
};

t.test('KAT: body + ISO timestamp, and an empty-body GET signs "" + timestamp', async (t) => {
  const srv = await capture(t, { status: 200, body: '{"data":[],"cursor":{"next":null}}' });
  const NOW = Date.parse('2026-01-01T00:00:00Z');
  const e = env({ base: srv.url, secrets: { api_key: 'gp_key', secret: 'igsp-secret' }, now: NOW, outbound: { sign: SOLEX_RECIPE } });
  const post = compile({ path: '/igsp/v1/sessions', body: { game_id: 'g', player_id: { $from: 'input.player_id' } }, answer: { launch_url: 'answer.data' } }, e);
  await post.call!.run({ player_id: 'p1' }).catch(() => undefined);
  const r = srv.seen[0]!;
  t.equal(r.headers['x-timestamp'], '2026-01-01T00:00:00Z');
  t.equal(r.headers['x-signature'], 'ac2b0b4a1ddaab4223298d8c60212359ed833fe0dcf0177229a4a9776ea18325', 'openssl over body + timestamp');
  t.equal(r.headers.authorization, 'Bearer gp_key');
  const use: CallUse = { label: 'catalog games', inputFields: new Set(['cursor']), answerNames: ['items', 'next_cursor'], requiredAnswer: ['items'] };
  const get = compile({ method: 'GET', path: '/igsp/v1/games', query: { cursor: { $from: 'input.cursor' } }, answer: { items: 'answer.data', next_cursor: 'answer.cursor.next' } }, e, use);
  await get.call!.run({});
  const g = srv.seen[1]!;
  t.equal(g.raw.length, 0);
  t.equal(g.query, '', 'an absent cursor drops the parameter');
  t.notOk(g.headers['content-type'], 'no content type without a body');
  t.equal(g.headers['x-signature'], '4b8af7014a1614ef961d9fd68792781d344325338b55f878335f83ea78202772', 'openssl over "" + timestamp');
  t.equal(await verifiesWith(SOLEX_RECIPE, e, g, NOW), undefined);
  await get.call!.run({ cursor: 'c/2 &x' });
  t.equal(new URLSearchParams(srv.seen[2]!.query).get('cursor'), 'c/2 &x', 'query values are encoded');
  t.equal(await verifiesWith(SOLEX_RECIPE, e, srv.seen[2]!, NOW), undefined);
});

t.test('every header format and key type: what the gateway signs, its verifier accepts', async (t) => {
  const srv = await capture(t);
  const NOW = 1700000000_000;
  const cases: [string, SignConfig, Record<string, Buffer | string>][] = [
    ['prefixed hex', { signature: { algorithm: 'hmac-sha256', secrets: ['k'], header: 'X-Hub-Signature-256', prefix: 'sha256=', message: ['body'] } }, { k: 's3' }],
    ['base64, method + path_and_query', { signature: { algorithm: 'hmac-sha512', secrets: ['k'], header: 'X-Sig', encoding: 'base64', message: ['method', { literal: '\n' }, 'path_and_query', { literal: '\n' }, 'body'] } }, { k: 's3' }],
    ['key-value pairs with the timestamp inside', { signature: { algorithm: 'hmac-sha256', secrets: ['k'], header: 'X-Sig', format: { pairs: ',', key: 'v1' }, message: ['timestamp', { literal: '.' }, 'body'] }, timestamp: { from: 'signature.t', format: 'unix-s' } }, { k: 's3' }],
    ['a nonce in the message', { signature: { algorithm: 'hmac-sha256', secrets: ['k'], header: 'X-Sig', message: ['nonce', 'body'] }, nonce: { from: 'header.X-Nonce' } } as SignConfig, { k: 's3' }],
    ['RS256 (rsa-sha256)', { signature: { algorithm: 'rsa-sha256', public_keys: ['pub'], signing_key: 'priv', header: 'X-Sig', encoding: 'base64', message: ['timestamp', 'body'] }, timestamp: { from: 'header.X-Ts', format: 'unix-ms' } }, { pub: pem('rsa-2048.pub.pem'), priv: pem('rsa-2048.key') }],
    ['ES256 (ecdsa-p256-sha256)', { signature: { algorithm: 'ecdsa-p256-sha256', public_keys: ['pub'], signing_key: 'priv', header: 'X-Sig', encoding: 'base64url', message: ['body'] } }, { pub: pem('ec-p256.pub.pem'), priv: pem('ec-p256.key') }],
    ['Ed25519', { signature: { algorithm: 'ed25519', public_keys: ['pub'], signing_key: 'priv', header: 'X-Sig', encoding: 'base64', message: ['path', 'body'] } }, { pub: pem('ed25519.pub.pem'), priv: pem('ed25519.key') }],
  ];
  for (const [name, recipe, secrets] of cases) {
    const e = env({ base: srv.url, secrets, now: NOW, outbound: { sign: recipe } });
    const { call, problems } = compile({ path: '/v1/things', query: { q: 'a b' }, body: { x: { $from: 'input.player_id' } }, answer: { launch_url: 'answer.url' } }, e);
    t.same(problems, [], name);
    await call!.run({ player_id: 'p' });
    t.equal(await verifiesWith(recipe, e, srv.seen.at(-1)!, NOW), undefined, `${name}: verifies`);
    const tampered = { ...srv.seen.at(-1)!, raw: Buffer.from('{"x":"q"}') };
    t.ok(await verifiesWith(recipe, e, tampered, NOW), `${name}: a changed body does not`);
  }
});

t.test('JWT bearer: RS256 with iss, aud, iat, exp, jti, kid and a digest of the exact body', async (t) => {
  const srv = await capture(t);
  const NOW = Date.now();
  const sign: SignConfig = { jwt: { algorithm: 'RS256', key: 'priv', key_id: '{setting.kid}', lifetime_s: 300, claims: { iss: { $from: 'setting.issuer' }, aud: 'prophetx' }, body_digest: { claim: 'body_sha256' } } };
  const e = env({ base: srv.url, secrets: { priv: pem('rsa-2048.key') }, now: NOW, settings: { kid: 'key-1', issuer: 'issuer-42' }, outbound: { sign } });
  const { call, problems } = compile({ path: '/api/v1/orders', body: { orders: [{ external_id: { $from: 'input.player_id' } }] }, answer: { launch_url: 'answer.url' } }, e);
  t.same(problems, []);
  await call!.run({ player_id: 'x1' });
  await call!.run({ player_id: 'x1' });
  const pub = createPublicKey(pem('rsa-2048.pub.pem'));
  const jtis: string[] = [];
  for (const r of srv.seen) {
    const auth = String(r.headers.authorization);
    t.match(auth, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const token = auth.slice(7);
    const { payload } = await jwtVerify(token, pub, { issuer: 'issuer-42', audience: 'prophetx', algorithms: ['RS256'], currentDate: new Date(NOW) });
    t.equal(decodeProtectedHeader(token).kid, 'key-1');
    t.equal(payload.exp! - payload.iat!, 300);
    t.equal(payload.iat, Math.floor(NOW / 1000));
    t.equal(payload['body_sha256'], createHash('sha256').update(r.raw).digest('base64'), 'the digest of the bytes sent');
    jtis.push(String(payload.jti));
  }
  t.equal(new Set(jtis).size, 2, 'a fresh jti per call');
  await t.rejects(jwtVerify(String(srv.seen[0]!.headers.authorization).slice(7), createPublicKey(pem('rsa-2048-b.pub.pem'))), 'another key does not verify it');
});

t.test('load-time problems name the place and the fix', async (t) => {
  const e = env({ base: 'http://127.0.0.1:9', secrets: { hmac: 'x' } });
  const cases: [string, CallConfig, RegExp][] = [
    ['an input typo', { path: '/x', body: { p: { $from: 'input.player_idd' } }, answer: { launch_url: 'answer.url' } }, /sessions\.call\.body\.p\.\$from: `input\.player_idd`: the operator's request has no field `player_idd` \(did you mean input\.player_id\?/],
    ['an undeclared secret', { path: '/x', body: { p: { $from: 'secret.pasword' } }, answer: { launch_url: 'answer.url' } }, /secret `pasword` is not declared/],
    ['an unknown answer name', { path: '/x', answer: { launch_url: 'answer.url', launchurl: 'answer.u' } }, /sessions reads no answer field `launchurl`/],
    ['a missing required answer', { path: '/x', answer: {} }, /sessions needs answer\.launch_url/],
    ['an unknown token', { path: '/x', token: 'api', answer: { launch_url: 'answer.url' } }, /no outbound token named `api`/],
    ['a GET with a body', { method: 'GET', path: '/x', body: { a: 1 }, answer: { launch_url: 'answer.url' } }, /a GET call sends no body/],
    ['a path placeholder typo', { path: '/{setting.api_versoin}/x', answer: { launch_url: 'answer.url' } }, /setting `api_versoin` is not declared/],
    ['a recipe whose secret is unset', { path: '/x', sign: { signature: { algorithm: 'hmac-sha256', secrets: ['nope'], header: 'X-S' } }, answer: { launch_url: 'answer.url' } }, /cannot sign outbound calls: secret nope is not set/],
    ['an answer source outside the answer', { path: '/x', answer: { launch_url: 'body.url' } }, /does not start with a known source/],
  ];
  for (const [name, cfg, want] of cases) {
    const { call, problems } = compile(cfg, e);
    t.equal(call, undefined, `${name}: not compiled`);
    t.match(problems.join('\n'), want, name);
  }
  const bad = env({ base: 'ftp://files' });
  t.match(compile({ path: '/x', answer: { launch_url: 'answer.url' } }, bad).problems.join('\n'), /must be http or https/);
});

t.test('a base URL setting that is unset makes the call unavailable, not a load error', async (t) => {
  const e = env({ base: 'http://x' });
  (e.settings as Record<string, string | undefined>)['base_url'] = undefined;
  const { call, problems } = compile({ path: '/x', answer: { launch_url: 'answer.url' } }, e);
  t.same(problems, []);
  t.same(call!.missing, ['setting base_url']);
  await t.rejects(call!.run({}), { status: 503, code: 'PROVIDER_NOT_CONFIGURED' });
});

t.test('error rows: status and answer fields, tried before the 2xx check', async (t) => {
  const srv = await capture(t, { status: 200, body: '{"error":"USER_BLOCKED"}' });
  const e = env({ base: srv.url });
  const { call } = compile({ path: '/x', answer: { launch_url: 'answer.url' }, errors: [{ status: 200, when: { 'answer.error': ['USER_BLOCKED', 'USER_NOT_FOUND'] }, reply: { status: 422, code: 'PLAYER_BLOCKED' } }] }, e);
  await t.rejects(call!.run({}), { status: 422, code: 'PLAYER_BLOCKED', providerStatus: 200 });
});

t.test('path values cannot climb out of the base path: . and .. are encoded, / cannot split a segment', async (t) => {
  const srv = await capture(t);
  const e = env({ base: `${srv.url}/api` });
  const use: CallUse = { ...SESSION_USE, inputFields: new Set(['game_id']) };
  const { call } = compile({ path: '/games/{input.game_id}/launch', answer: { launch_url: 'answer.url' } }, e, use);
  for (const v of ['..', '.']) await t.rejects(call!.run({ game_id: v }), { status: 400, code: 'INVALID_REQUEST' }, `${v} is refused`);
  for (const v of ['../../admin', 'a/b?c#d', '...']) await call!.run({ game_id: v });
  t.same(srv.seen.map((r) => r.path), ['/api/games/..%2F..%2Fadmin/launch', '/api/games/a%2Fb%3Fc%23d/launch', '/api/games/.../launch'], 'nothing was sent for . and ..; the rest stays one segment');
});
