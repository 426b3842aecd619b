/**
 * prediction-markets widget sessions (seed 000 step 3) end to end: admin POST /v1/sessions issues a
 * single-use session_request_id inside the widget URL; the widget redeems it on POST /v1/session
 * for an RS256 JWT, which is checked here independently with node:crypto against the served JWKS
 * (not through jose); reuse, expiry, concurrency, rotation, CORS and start-up checks.
 */
import t from 'tap';
import { createHash, createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { createLogger } from '../../../gateway/log.js';
import { ConfigError } from '../../../gateway/errors.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { MemoryStore } from '../../../gateway/store/memory-store.js';
import { StoreUnavailableError } from '../../../gateway/store/store.js';
import { KEYS_DIR, TEST_JWT_KEY } from '../../helpers/keys.js';

const WIDGET = 'https://widget.pm.test/embed';
const OPERATOR = 'operator-7f3a';
const T0 = Date.parse('2026-06-01T12:00:00Z');
const OLD_KEY = path.join(KEYS_DIR, 'rsa-2048-b.key');

interface Rig {
  gw: TestGateway;
  logs: string[];
  clock: { now: number };
  session(body: Record<string, unknown>): Promise<{ status: number; body: any }>;
  redeem(id: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  jwks(): Promise<{ keys: (JsonWebKey & { kid: string; alg: string; use: string })[] }>;
  auth(token: string | undefined): Promise<{ status: number; body: any }>;
}

async function rig(t: { teardown(fn: () => unknown): void }, key = TEST_JWT_KEY, env: Record<string, string> = {}): Promise<Rig> {
  const clock = { now: T0 };
  const logs: string[] = [];
  const gw = await startTestGateway(t, {
    env: { PREDICTION_MARKETS_HMAC_SECRET: 'pm-hmac', PREDICTION_MARKETS_JWT_PRIVATE_KEY: key, PREDICTION_MARKETS_OPERATOR_ID: OPERATOR, PREDICTION_MARKETS_WIDGET_BASE_URL: WIDGET, ...env },
    enabled: ['prediction-markets'],
    now: () => clock.now,
    log: createLogger('debug', (l) => void logs.push(l)),
  });
  const json = async (res: Response) => {
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return {
    gw,
    logs,
    clock,
    async session(body) {
      const res = await fetch(`${gw.admin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'prediction-markets', ...body }) });
      return { status: res.status, body: await json(res) };
    },
    async redeem(id, headers = {}) {
      const res = await fetch(`${gw.url}/prediction-markets/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(id === undefined ? {} : { session_request_id: id }) });
      return { status: res.status, body: await json(res), headers: res.headers };
    },
    async jwks() {
      return (await fetch(`${gw.url}/prediction-markets/.well-known/jwks.json`)).json() as Promise<any>;
    },
    async auth(token) {
      const res = await fetch(`${gw.url}/prediction-markets/v1/auth`, { method: 'POST', headers: token === undefined ? {} : { session: token } });
      return { status: res.status, body: await json(res) };
    },
  };
}

const b64url = (s: string) => Buffer.from(s, 'base64url');

/** RS256 verified with node:crypto against the JWKS key of the token's kid; returns header and claims. */
function verifyIndependently(token: string, jwks: { keys: any[] }): { header: any; claims: any } {
  const [h, p, sig] = token.split('.') as [string, string, string];
  const header = JSON.parse(b64url(h).toString());
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no JWKS key for kid ${header.kid}`);
  const ok = cryptoVerify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), b64url(sig));
  if (!ok) throw new Error('signature does not verify');
  return { header, claims: JSON.parse(b64url(p).toString()) };
}

/** RFC 7638 thumbprint of an RSA JWK, computed here without jose. */
function thumbprint(jwk: { e?: string; n?: string }): string {
  return createHash('sha256').update(`{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`).digest('base64url');
}

async function issue(r: Rig, extra: Record<string, unknown> = {}): Promise<{ id: string; url: URL; body: any }> {
  const res = await r.session({ player_id: 'bettor-42', currency: 'USD', ...extra });
  if (res.status !== 201) throw new Error(`session: ${res.status} ${JSON.stringify(res.body)}`);
  const url = new URL(res.body.launch_url);
  return { id: url.searchParams.get('session_request_id')!, url, body: res.body };
}

t.test('the seed flow: session request → widget URL → RS256 JWT verified with the JWKS', async (t) => {
  const r = await rig(t);
  const { id, url, body } = await issue(r, { language: 'pt' });
  t.equal(`${url.origin}${url.pathname}`, WIDGET, 'WIDGET_BASE_URL');
  t.match(id, /^sreq_[0-9A-HJKMNP-TV-Z]{26}$/, 'a prefixed ULID');
  t.equal(url.searchParams.get('locale'), 'pt');
  t.equal(url.searchParams.get('theme'), 'dark', 'the theme setting when the request names none');
  t.same(body, { provider: 'prediction-markets', launch_url: body.launch_url, expires_at: new Date(T0 + 120_000).toISOString() }, 'expires_at of the session request (2 min); no session token');

  const red = await r.redeem(id);
  t.equal(red.status, 200, JSON.stringify(red.body));
  t.same(Object.keys(red.body).sort(), ['auth_token', 'expires_at']);
  t.equal(red.body.expires_at, '2026-06-02T12:00:00Z', '24 h');
  const jwks = await r.jwks();
  const { header, claims } = verifyIndependently(red.body.auth_token, jwks);
  t.same(header, { alg: 'RS256', typ: 'JWT', kid: jwks.keys[0]!.kid });
  t.equal(header.kid, thumbprint(jwks.keys[0]!), 'kid = RFC 7638 thumbprint');
  t.same(claims, { sub: 'bettor-42', currency: 'USD', iss: OPERATOR, iat: T0 / 1000, exp: T0 / 1000 + 86400 });
  const pub = createPublicKey(createPrivateKey(readFileSync(TEST_JWT_KEY))).export({ format: 'jwk' });
  t.same({ n: jwks.keys[0]!.n, e: jwks.keys[0]!.e }, { n: pub.n, e: pub.e }, 'the JWKS publishes the configured key');
  t.match(jwks.keys[0], { kty: 'RSA', alg: 'RS256', use: 'sig' });
  t.notOk('d' in jwks.keys[0]!, 'no private part');

  t.equal(red.headers.get('cache-control'), 'no-store', 'a bearer token is never cached');
  const again = await r.redeem(id);
  t.equal(again.status, 404, 'single use');
  t.same(again.body, { error: 'Session request unknown, expired or already used' }, 'in the provider envelope');
  for (const l of r.logs) t.notOk(l.includes('PRIVATE KEY') || l.includes(red.body.auth_token), 'no key and no token in the logs');
});

t.test('the theme may come from the request; locale defaults to en', async (t) => {
  const r = await rig(t);
  const { url } = await issue(r, { theme: 'light' });
  t.equal(url.searchParams.get('theme'), 'light');
  t.equal(url.searchParams.get('locale'), 'en');
});

t.test('bad redemptions: missing or malformed id 400, unknown 404, expired 404', async (t) => {
  const r = await rig(t);
  t.equal((await r.redeem(undefined)).status, 400, 'missing');
  t.equal((await r.redeem(42)).status, 400, 'not a string');
  t.equal((await r.redeem('not-a-request-id')).status, 400, 'malformed');
  const notJson = await fetch(`${r.gw.url}/prediction-markets/v1/session`, { method: 'POST', body: '{"session' });
  t.equal(notJson.status, 400, 'not JSON');
  t.equal((await r.redeem('sreq_01HZZZZZZZZZZZZZZZZZZZZZZZ')).status, 404, 'well-formed but unknown');
  const { id } = await issue(r);
  r.clock.now = T0 + 121_000;
  t.equal((await r.redeem(id)).status, 404, 'expired after its 2 minutes');
  r.clock.now = T0;
  const s = await r.session({ currency: 'USD' });
  t.equal(s.status, 400, 'a session request needs a player');
});

t.test('20 concurrent redemptions of one id: exactly one token', async (t) => {
  const r = await rig(t);
  const { id } = await issue(r);
  const all = await Promise.all(Array.from({ length: 20 }, () => r.redeem(id)));
  t.equal(all.filter((a) => a.status === 200).length, 1, 'one 200');
  t.equal(all.filter((a) => a.status === 404).length, 19, '19 × 404');
});

t.test('POST /v1/auth verifies a presented token: claims back, expired, forged or missing → 401', async (t) => {
  const r = await rig(t);
  const { id } = await issue(r);
  const token = (await r.redeem(id)).body.auth_token as string;
  t.same(await r.auth(token), { status: 200, body: { bettor_id: 'bettor-42', currency: 'USD' } });
  t.equal((await r.auth(`Bearer ${token}`)).status, 200, 'a Bearer prefix is accepted');
  t.equal((await r.auth(undefined)).status, 401);
  const forged = await new SignJWT({ sub: 'bettor-42', currency: 'USD' }).setProtectedHeader({ alg: 'RS256', kid: (await r.jwks()).keys[0]!.kid }).setIssuedAt().setExpirationTime('1h').sign(createPrivateKey(readFileSync(OLD_KEY)));
  t.equal((await r.auth(forged)).status, 401, 'the right kid but another key');
  t.equal((await r.auth(token.slice(0, -4) + 'AAAA')).status, 401, 'a tampered signature');
  const kid = (await r.jwks()).keys[0]!.kid;
  const key = createPrivateKey(readFileSync(TEST_JWT_KEY));
  const otherIss = await new SignJWT({ sub: 'bettor-42', currency: 'USD', iss: 'another-operator' }).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 3600).sign(key);
  t.equal((await r.auth(otherIss)).status, 401, 'the right key, another issuer');
  const noExp = await new SignJWT({ sub: 'bettor-42', currency: 'USD', iss: OPERATOR }).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt(T0 / 1000).sign(key);
  t.equal((await r.auth(noExp)).status, 401, 'the right key, no exp');
  const hs = await new SignJWT({ sub: 'bettor-42', iss: OPERATOR }).setProtectedHeader({ alg: 'HS256', kid }).setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 3600).sign(new TextEncoder().encode(readFileSync(TEST_JWT_KEY, 'utf8')));
  t.equal((await r.auth(hs)).status, 401, 'alg confusion: HS256 refused');
  r.clock.now = T0 + 86_401_000;
  const late = await r.auth(token);
  t.equal(late.status, 401, 'expired after 24 h');
  t.same(late.body, { error: 'Invalid session' });
});

t.test('the JWKS is application/json and cacheable', async (t) => {
  const r = await rig(t);
  const res = await fetch(`${r.gw.url}/prediction-markets/.well-known/jwks.json`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^application\/json/);
  t.equal(res.headers.get('cache-control'), 'public, max-age=300');
});

t.test('CORS: the widget origin may call the redemption from the browser, others may not', async (t) => {
  const r = await rig(t);
  const pre = await fetch(`${r.gw.url}/prediction-markets/v1/session`, { method: 'OPTIONS', headers: { origin: 'https://widget.pm.test', 'access-control-request-method': 'POST' } });
  t.equal(pre.status, 204);
  t.equal(pre.headers.get('access-control-allow-origin'), 'https://widget.pm.test');
  t.match(pre.headers.get('access-control-allow-methods'), /POST/);
  const { id } = await issue(r);
  const ok = await r.redeem(id, { origin: 'https://widget.pm.test' });
  t.equal(ok.headers.get('access-control-allow-origin'), 'https://widget.pm.test');
  const bad = await r.redeem('sreq_01HZZZZZZZZZZZZZZZZZZZZZZZ', { origin: 'https://evil.test' });
  t.equal(bad.headers.get('access-control-allow-origin'), null, 'another origin gets no CORS grant');
  const err = await r.redeem(undefined, { origin: 'https://widget.pm.test' });
  t.equal(err.headers.get('access-control-allow-origin'), 'https://widget.pm.test', 'errors carry it too, so the widget can read them');
});

t.test('rotation: a token signed by the old key still verifies while the old key is listed', async (t) => {
  const before = await rig(t, OLD_KEY);
  const { id } = await issue(before);
  const oldToken = (await before.redeem(id)).body.auth_token as string;
  const oldKid = (await before.jwks()).keys[0]!.kid;
  const after = await rig(t, `${TEST_JWT_KEY},${OLD_KEY}`);
  const jwks = await after.jwks();
  t.equal(jwks.keys.length, 2, 'both keys published');
  t.ok(jwks.keys.some((k) => k.kid === oldKid), 'the old key keeps its kid');
  t.equal((await after.auth(oldToken)).status, 200, 'an old token still verifies');
  t.doesNotThrow(() => verifyIndependently(oldToken, jwks), 'and independently against the new JWKS');
  const { id: id2 } = await issue(after);
  const fresh = (await after.redeem(id2)).body.auth_token as string;
  const { header } = verifyIndependently(fresh, jwks);
  t.not(header.kid, oldKid, 'new tokens are signed by the first key');
  t.equal(header.kid, jwks.keys[0]!.kid);
});

t.test('start-up checks: a missing or unusable key disables the provider naming the variable', async (t) => {
  const checker = async (env: Record<string, string>, enabled?: string[], sandbox = false) => {
    try {
      const g = await startTestGateway(t, { env: { PREDICTION_MARKETS_HMAC_SECRET: 'x', ...env }, ...(enabled ? { enabled } : {}), ...(sandbox ? {} : { walletUrl: 'http://127.0.0.1:9' }) });
      return { disabled: g.handle.providers().disabled.find((d) => d.id === 'prediction-markets')?.reason, loaded: g.handle.providers().byId.has('prediction-markets') };
    } catch (e) {
      return { error: e instanceof ConfigError ? e.message : String(e) };
    }
  };
  const missing = await checker({}, ['prediction-markets']);
  t.match(missing.error, /PREDICTION_MARKETS_JWT_PRIVATE_KEY/, 'listed in providers.enabled: start-up stops naming the variable');
  const off = await checker({});
  t.same(off, { disabled: 'missing PREDICTION_MARKETS_JWT_PRIVATE_KEY', loaded: false }, 'otherwise the provider is disabled with the reason');
  const sandbox = await checker({}, undefined, true);
  t.same(sandbox, { disabled: undefined, loaded: true }, 'sandbox mode generates a key for the process');
  const ec = await checker({ PREDICTION_MARKETS_JWT_PRIVATE_KEY: path.join(KEYS_DIR, 'ec-p256.key') }, ['prediction-markets']);
  t.match(ec.error, /PREDICTION_MARKETS_JWT_PRIVATE_KEY \(secret `jwt_keys`\): key 1 is a ec key, RS256 needs rsa/);
  const small = await checker({ PREDICTION_MARKETS_JWT_PRIVATE_KEY: path.join(KEYS_DIR, 'rsa-1024.key') }, ['prediction-markets']);
  t.match(small.error, /1024-bit RSA key; at least 2048 bits/);
  const garbage = await checker({ PREDICTION_MARKETS_JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }, ['prediction-markets']);
  t.match(garbage.error, /key 1 is not a readable private key/);
  t.notMatch(garbage.error, /nope/, 'the key text is never repeated');
});

t.test('a key given as PEM text is never written to a log; a reload keeps a sandbox key', async (t) => {
  const pem = readFileSync(TEST_JWT_KEY, 'utf8');
  const r = await rig(t, pem);
  const { id } = await issue(r);
  t.equal((await r.redeem(id)).status, 200);
  const body = pem.split('\n')[1]!;
  t.notOk(r.logs.some((l) => l.includes(body)), 'no line of the key');
  t.ok(r.logs.length > 0, 'there were log lines to look at');
  const sb = await startTestGateway(t, { env: { PREDICTION_MARKETS_HMAC_SECRET: 'x' }, enabled: ['prediction-markets'] });
  const kids = async () => (((await (await fetch(`${sb.url}/prediction-markets/.well-known/jwks.json`)).json()) as any).keys as any[]).map((k) => k.kid);
  const before = await kids();
  t.ok((await sb.handle.reload()).ok);
  t.same(await kids(), before, 'the generated sandbox key survives a reload');
});

t.test('a redemption that fails before the grant is consumed leaves it: a retry gets the token', async (t) => {
  const clock = { now: T0 };
  const store = new MemoryStore();
  let failReads = 1;
  const flaky = Object.create(store) as MemoryStore;
  flaky.readGrant = async (scope: string, id: string) => {
    if (failReads-- > 0) throw new StoreUnavailableError('down for a moment');
    return store.readGrant(scope, id);
  };
  const gw = await startTestGateway(t, { env: { PREDICTION_MARKETS_HMAC_SECRET: 'x', PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY, PREDICTION_MARKETS_OPERATOR_ID: OPERATOR }, enabled: ['prediction-markets'], store: flaky, now: () => clock.now });
  const res = await fetch(`${gw.admin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'prediction-markets', player_id: 'p', currency: 'USD' }) });
  const id = new URL(((await res.json()) as any).launch_url).searchParams.get('session_request_id')!;
  const send = () => fetch(`${gw.url}/prediction-markets/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_request_id: id }) });
  t.equal((await send()).status, 503, 'the store failed: retry later');
  t.equal((await send()).status, 200, 'and the retry works: the grant was not lost');
  t.equal((await send()).status, 404, 'then it is used');
});

t.test('an instance whose clock runs ahead refuses an expired-looking grant without destroying it', async (t) => {
  const store = new MemoryStore();
  const env = { PREDICTION_MARKETS_HMAC_SECRET: 'x', PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY, PREDICTION_MARKETS_OPERATOR_ID: OPERATOR };
  const a = await startTestGateway(t, { env, enabled: ['prediction-markets'], store, now: () => T0 });
  const b = await startTestGateway(t, { env, enabled: ['prediction-markets'], store, now: () => T0 + 150_000 });
  const res = await fetch(`${a.admin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'prediction-markets', player_id: 'p', currency: 'USD' }) });
  const id = new URL(((await res.json()) as any).launch_url).searchParams.get('session_request_id')!;
  const send = (g: typeof a) => fetch(`${g.url}/prediction-markets/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_request_id: id }) });
  t.equal((await send(b)).status, 404, 'the skewed instance says expired');
  t.equal((await send(a)).status, 200, 'the grant is still there for an instance with the right time');
});
