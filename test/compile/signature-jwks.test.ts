/**
 * Public keys from a JWKS URL, through a real gateway and a real JWKS server on port 0: cached,
 * key rotation by kid (an unknown kid refetches, at most once a minute), the cache TTL on a moved
 * clock, keys of the wrong type/alg/use ignored, and a key server outage answered as uncertain.
 * Signatures are the openssl Ed25519 vectors of signature-public-key.test.ts.
 */
import t, { type Test } from 'tap';
import { createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keyPem, sigRig } from './signature-rig.js';

const BODY = '{"requestId":"req-1","playerId":"player-1"}';
const TS = '1700000000';
const NOW = 1700000000_000;
/** openssl pkeyutl -sign -rawin over TS + "." + BODY, with ed25519.key (kid ed-a) and ed25519-b.key (kid ed-b). */
const ED_A = 'X98XvvmcGmLCC/c+BnzBwsxeUZVWmbXBL8AEmjnv87AR9CG5q+ofLMtmVwJ/aP6pjegQCR5eWCrVN030ImZ8Dg==';
const ED_B = 'P441GKL8Bb1H5QSIz9iAtE7DUDw+5ae8wbY5J9Bm7NY9/yvgPzn6YC95c2QEM/Q7ZAxn/ZnzGdLtGduo3TD1Cg==';

const jwk = (file: string, extra: Record<string, string>) => ({ ...(createPublicKey(keyPem(file)).export({ format: 'jwk' }) as object), ...extra });
const A = jwk('ed25519.pub.pem', { kid: 'ed-a', alg: 'EdDSA', use: 'sig' });
const B = jwk('ed25519-b.pub.pem', { kid: 'ed-b' });

interface JwksServer {
  url: string;
  keys: unknown[];
  status: number;
  fetches: number;
}

async function jwksServer(tt: { teardown(fn: () => unknown): void }, keys: unknown[]): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys, status: 200, fetches: 0 };
  const server = createServer((_req, res) => {
    state.fetches++;
    res.writeHead(state.status, { 'content-type': 'application/json' }).end(state.status === 200 ? JSON.stringify({ keys: state.keys }) : '{"error":"down"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  tt.teardown(() => new Promise<void>((r) => server.close(() => r())));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return state;
}

async function rig(tt: Test, keys: unknown[]) {
  const jwks = await jwksServer(tt, keys);
  const clock = { now: NOW };
  const r = await sigRig(tt, ['pk-jwks'], { JWKS_URL: jwks.url }, () => clock.now);
  // The vectors sign TS; every test moves the clock by less than the 300 s timestamp window.
  const send = (sig: string, kid?: string) => r.post('pk-jwks', BODY, { 'x-signature': sig, 'x-timestamp': TS, ...(kid !== undefined ? { 'x-key-id': kid } : {}) });
  return { jwks, clock, send };
}

t.test('keys are fetched once and cached', async (tt) => {
  const { jwks, send } = await rig(tt, [A]);
  tt.equal(jwks.fetches, 0, 'nothing is fetched at load time');
  tt.equal((await send(ED_A, 'ed-a')).status, 200);
  tt.equal((await send(ED_A, 'ed-a')).status, 200);
  tt.equal(jwks.fetches, 1, 'the second request used the cache');
  const wrong = await send(ED_B, 'ed-a');
  tt.same([wrong.status, wrong.body], [401, { status: 'INVALID_SIGNATURE' }], 'a signature by another key under kid ed-a');
  const noKid = await send(ED_A);
  tt.same([noKid.status, noKid.body], [401, { status: 'INVALID_SIGNATURE' }], 'no key id: the recipe names one, so nothing matches');
});

t.test('key rotation by kid: an unknown kid refetches the set, at most once a minute', async (tt) => {
  const { jwks, clock, send } = await rig(tt, [A]);
  tt.equal((await send(ED_A, 'ed-a')).status, 200);
  jwks.keys = [A, B]; // the provider publishes its next key
  tt.equal((await send(ED_B, 'ed-b')).status, 200, 'the new kid is fetched on first sight');
  tt.equal(jwks.fetches, 2);
  tt.equal((await send(ED_B, 'made-up')).status, 401);
  tt.equal((await send(ED_B, 'made-up-2')).status, 401);
  tt.equal(jwks.fetches, 2, 'made-up kids cause no more fetches within the minute of the last miss');
  clock.now += 60_000;
  tt.equal((await send(ED_B, 'made-up-3')).status, 401);
  tt.equal(jwks.fetches, 3, 'a minute later an unknown kid may refetch again');
  tt.equal((await send(ED_B, 'made-up-4')).status, 401);
  tt.equal(jwks.fetches, 3);
});

t.test('the cache expires after jwks_cache_s; a retired key stops verifying', async (tt) => {
  const { jwks, clock, send } = await rig(tt, [A, B]);
  tt.equal((await send(ED_A, 'ed-a')).status, 200);
  jwks.keys = [B]; // ed-a retired
  clock.now += 59_000;
  tt.equal((await send(ED_A, 'ed-a')).status, 200, 'still cached within 60 s');
  clock.now += 2_000;
  const r = await send(ED_A, 'ed-a');
  tt.equal(r.status, 401, 'after 61 s the set is refetched and ed-a is gone');
  tt.equal((await send(ED_B, 'ed-b')).status, 200);
  tt.equal(jwks.fetches, 2, 'the retired kid refetched nothing more within the minute');
});

t.test('keys of another type, another alg or for encryption are ignored', async (tt) => {
  const rsa = jwk('rsa-2048.pub.pem', { kid: 'ed-a' });
  const wrongAlg = { ...A, alg: 'RS256' };
  const enc = { ...A, use: 'enc' };
  const { send, jwks, clock } = await rig(tt, [rsa, wrongAlg, enc, { kty: 'OKP', crv: 'Ed25519', kid: 'ed-a', x: 'not-a-key' }, 'junk']);
  tt.equal((await send(ED_A, 'ed-a')).status, 401, 'no usable key with kid ed-a');
  jwks.keys = [rsa, A];
  clock.now += 60_000;
  tt.equal((await send(ED_A, 'ed-a')).status, 200, 'once a usable ed-a is published, it verifies');
});

t.test('key server down: uncertain (retry), never INVALID_SIGNATURE; stale keys serve through a later outage', async (tt) => {
  const { jwks, clock, send } = await rig(tt, [A]);
  jwks.status = 503;
  const down = await send(ED_A, 'ed-a');
  tt.equal(down.status, 500);
  tt.same(down.body, { status: 'INTERNAL_ERROR' }, 'the provider is told to retry, not that its signature is bad');
  tt.equal((await send(ED_A, 'ed-a')).status, 500);
  tt.equal(jwks.fetches, 1, 'a failed fetch is not retried for 5 s');
  jwks.status = 200;
  clock.now += 5_000;
  tt.equal((await send(ED_A, 'ed-a')).status, 200, 'the key server is back');
  tt.equal(jwks.fetches, 2);

  jwks.status = 503;
  clock.now += 61_000;
  tt.equal((await send(ED_A, 'ed-a')).status, 200, 'cache expired and refetch failed: the known keys still verify');
  tt.equal(jwks.fetches, 3);
  tt.equal((await send(ED_A, 'ed-a')).status, 200);
  tt.equal(jwks.fetches, 3, 'no refetch storm during the outage');
});
