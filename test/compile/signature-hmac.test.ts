/**
 * Known-answer vectors for the shared-secret recipes, through a real gateway: the published
 * Standard Webhooks and GitHub vectors, and vectors made with `openssl dgst -hmac`
 * (test/fixtures/keys/make-vectors.sh) for prefixed, key-value, rotation and SHA-512 recipes.
 * Each positive case has negative twins: tampered body, wrong secret, truncated signature, wrong
 * encoding, missing prefix.
 */
import t, { type Test } from 'tap';
import { sigRig } from './signature-rig.js';

// Published by standardwebhooks.com (the spec's test vector).
const SW = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const SW_NOW = 1614265330_000;

// The body every openssl vector signs (make-vectors.sh), and its timestamp.
const BODY = '{"requestId":"req-1","playerId":"player-1"}';
const TS = '1700000000';
const NOW = 1700000000_000;

const rejected = (tt: Test, r: { status: number; body: any }, msg: string) => {
  tt.equal(r.status, 401, `${msg}: HTTP 401`);
  tt.same(r.body, { status: 'INVALID_SIGNATURE' }, `${msg}: INVALID_SIGNATURE`);
};

t.test('Standard Webhooks published vector, as a descriptor recipe', async (tt) => {
  const { post, wallet } = await sigRig(tt, ['sig-standard-webhooks'], { SW_SECRET: SW.secret }, SW_NOW);
  const send = (over: Partial<typeof SW> = {}, extra: Record<string, string> = {}) => {
    const v = { ...SW, ...over };
    return post('sig-standard-webhooks', v.body, { 'webhook-id': v.id, 'webhook-timestamp': v.timestamp, 'webhook-signature': v.signature, ...extra });
  };

  // Every negative first: a failed signature records no nonce, so the genuine request still passes after them.
  rejected(tt, await send({ body: '{"test": 2432232315}' }), 'tampered body');
  rejected(tt, await send({ id: 'msg_p5jXN8AQM9LWM0D4loKWxJel' }), 'another message id');
  rejected(tt, await send({ signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O=' }), 'truncated signature');
  rejected(tt, await send({ signature: 'v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE' }), 'base64url where base64 is expected');
  rejected(tt, await send({ signature: 'v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }), 'another version prefix');
  rejected(tt, await send({ signature: 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }), 'no v1, item prefix');
  const missing = await post('sig-standard-webhooks', SW.body, { 'webhook-id': SW.id, 'webhook-timestamp': SW.timestamp });
  rejected(tt, missing, 'no signature header');
  tt.equal(wallet.calls.length, 0, 'nothing reached the wallet');

  const ok = await send();
  tt.equal(ok.status, 200, 'the published signature verifies');
  tt.match(ok.body, { status: 'OK' });
  tt.equal(wallet.callsOf('balance').length, 1);

  // The id is the nonce (as the spec recommends): the same delivery again is a replay.
  const replay = await send();
  tt.equal(replay.status, 409);
  tt.same(replay.body, { status: 'REPLAYED_NONCE' });
});

t.test('Standard Webhooks: several signatures in one header (rotation on the sender side)', async (tt) => {
  const { post } = await sigRig(tt, ['sig-standard-webhooks'], { SW_SECRET: SW.secret }, SW_NOW);
  const r = await post('sig-standard-webhooks', SW.body, {
    'webhook-id': SW.id,
    'webhook-timestamp': SW.timestamp,
    // A signature by another secret first, then the genuine one: any one that verifies is enough.
    'webhook-signature': `v1,Q7x9gAxV3Nr+NXzISjCvLs7avhOKhGcwz/SI12SzbOs= ${SW.signature}`,
  });
  tt.equal(r.status, 200);
});

t.test('Standard Webhooks: the timestamp window uses the frozen clock', async (tt) => {
  const { post } = await sigRig(tt, ['sig-standard-webhooks'], { SW_SECRET: SW.secret }, SW_NOW + 301_000);
  const r = await post('sig-standard-webhooks', SW.body, { 'webhook-id': SW.id, 'webhook-timestamp': SW.timestamp, 'webhook-signature': SW.signature });
  tt.equal(r.status, 401);
  tt.same(r.body, { status: 'INVALID_TIMESTAMP' }, 'a genuine signature 301 s old is outside the 300 s window');
});

t.test('prefixed hex (sha256=…): the GitHub published vector', async (tt) => {
  // docs.github.com "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
  const { post, wallet } = await sigRig(tt, ['sig-prefixed-hex'], { PREFIXED_SECRET: "It's a Secret to Everybody" }, NOW);
  const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  const r = await post('sig-prefixed-hex', 'Hello, World!', { 'x-hub-signature-256': sig });
  // The signature passes; the body is not JSON, which the next stage refuses.
  tt.equal(r.status, 400);
  tt.same(r.body, { status: 'INVALID_REQUEST' }, 'past verification: refused as malformed JSON, not as a bad signature');
  rejected(tt, await post('sig-prefixed-hex', 'Hello, World?', { 'x-hub-signature-256': sig }), 'tampered body');
  tt.equal(wallet.calls.length, 0);
});

t.test('prefixed hex (sha256=…) over a JSON body', async (tt) => {
  const { post } = await sigRig(tt, ['sig-prefixed-hex'], { PREFIXED_SECRET: 'prefix-secret' }, NOW);
  const hex = '4ffebfd09a91c1a8a54fd9625ea33e6e7427008638beb108f1068b3b0864ca7a';
  const ok = await post('sig-prefixed-hex', BODY, { 'x-hub-signature-256': `sha256=${hex}` });
  tt.equal(ok.status, 200);
  tt.match(ok.body, { requestId: 'req-1', status: 'OK' });
  const upper = await post('sig-prefixed-hex', BODY, { 'x-hub-signature-256': `sha256=${hex.toUpperCase()}` });
  tt.equal(upper.status, 200, 'hex is accepted in either case');
  rejected(tt, await post('sig-prefixed-hex', BODY, { 'x-hub-signature-256': hex }), 'without the sha256= prefix');
  rejected(tt, await post('sig-prefixed-hex', BODY, { 'x-hub-signature-256': `sha1=${hex}` }), 'another prefix');
  rejected(tt, await post('sig-prefixed-hex', BODY, { 'x-hub-signature-256': `sha256=${hex.slice(0, 62)}` }), 'truncated by one byte');
  rejected(tt, await post('sig-prefixed-hex', BODY, { 'x-hub-signature-256': `sha256=${hex.slice(0, 63)}` }), 'odd-length hex');
  rejected(tt, await post('sig-prefixed-hex', BODY, { 'x-hub-signature-256': `sha256=${hex}00` }), 'one byte too long');
  rejected(tt, await post('sig-prefixed-hex', BODY, { 'x-hub-signature-256': `sha256=${Buffer.from(hex, 'hex').toString('base64')}` }), 'base64 where hex is expected');
  rejected(tt, await post('sig-prefixed-hex', BODY.replace('req-1', 'req-2'), { 'x-hub-signature-256': `sha256=${hex}` }), 'tampered body');
});

t.test('key-value pairs (t=…,v1=…,v1=…): timestamp from the header, several signatures', async (tt) => {
  const { post } = await sigRig(tt, ['sig-key-value-pairs'], { PAIRS_SECRET: 'pairs-secret-new' }, NOW);
  const byNew = '6cb3807c6c95dd1506e1227bb7fe26440058c9898fb8021b458039f331fa5c6d';
  const byOld = 'e1def659cf87dac686e2bb9bf0652f0e4d1c176919d36a2be916f3c9478ed9ee';
  const h = (v: string) => ({ 'x-signature': v });
  tt.equal((await post('sig-key-value-pairs', BODY, h(`t=${TS},v1=${byNew}`))).status, 200, 'one signature');
  tt.equal((await post('sig-key-value-pairs', BODY, h(`t=${TS},v1=${byOld},v1=${byNew}`))).status, 200, 'the matching one second');
  tt.equal((await post('sig-key-value-pairs', BODY, h(` v1=${byNew} , t=${TS} ,v0=abc`))).status, 200, 'any order, spaces, unknown keys');
  rejected(tt, await post('sig-key-value-pairs', BODY, h(`t=${TS},v1=${byOld}`)), 'only a signature by a retired secret');
  rejected(tt, await post('sig-key-value-pairs', BODY, h(`t=1700000001,v1=${byNew}`)), 'another timestamp (signed with the body)');
  rejected(tt, await post('sig-key-value-pairs', BODY, h(`t=${TS},v0=${byNew}`)), 'the signature under another key');
  const noTs = await post('sig-key-value-pairs', BODY, h(`v1=${byNew}`));
  tt.equal(noTs.status, 401, 'without t= the signed message differs');
  const stale = await sigRig(tt, ['sig-key-value-pairs'], { PAIRS_SECRET: 'pairs-secret-new' }, NOW + 600_000);
  const r = await stale.post('sig-key-value-pairs', BODY, h(`t=${TS},v1=${byNew}`));
  tt.same(r.body, { status: 'INVALID_TIMESTAMP' }, 'signature.t is the timestamp the window checks');
});

t.test('several secrets per provider: old and new both accepted during rotation', async (tt) => {
  const byOld = 'VuFeYMFcKl4NRzIizn2W49V8Xl-DP2IzSY3b3PMwOdo';
  const byNew = '5VG-a9jjbhlxnFYJkzY1ho5B_uIJ55KbvXGC99inZ5Y';
  const byStranger = 'Aasrvqk8YAOe7cdT9qSlGcU_KUiAB17JY3EYm82OSjI';
  const both = await sigRig(tt, ['sig-rotation'], { ROTATION_NEW: 'rotation-new', ROTATION_OLD: 'rotation-old' }, NOW);
  tt.equal((await both.post('sig-rotation', BODY, { 'x-signature': byNew })).status, 200, 'new secret');
  tt.equal((await both.post('sig-rotation', BODY, { 'x-signature': byOld })).status, 200, 'old secret');
  tt.equal((await both.post('sig-rotation', BODY, { 'x-signature': `${byNew}=` })).status, 200, 'base64url with its padding');
  rejected(tt, await both.post('sig-rotation', BODY, { 'x-signature': byStranger }), 'a third secret');
  rejected(tt, await both.post('sig-rotation', BODY, { 'x-signature': byNew.replace(/-/g, '+').replace(/_/g, '/') }), 'base64 where base64url is expected');
  rejected(tt, await both.post('sig-rotation', BODY, { 'x-signature': `${byNew}==` }), 'wrong padding');

  // Rotation finished: the old secret is unset, and its signatures stop verifying.
  const after = await sigRig(tt, ['sig-rotation'], { ROTATION_NEW: 'rotation-new' }, NOW);
  tt.equal((await after.post('sig-rotation', BODY, { 'x-signature': byNew })).status, 200);
  rejected(tt, await after.post('sig-rotation', BODY, { 'x-signature': byOld }), 'old secret after rotation');
});

t.test('hmac-sha512 hex', async (tt) => {
  const { post } = await sigRig(tt, ['sig-hmac-sha512'], { SHA512_SECRET: 'sha512-secret' }, NOW);
  const sig = 'a7f43aede391f076acae85960e66b3a3634ecc75cad586631c7a3a154cf6c4533a6879bea7190099952790d50d245bd9835819147b5bbe767a43fbe264ba7666';
  tt.equal((await post('sig-hmac-sha512', BODY, { 'x-signature': sig })).status, 200);
  rejected(tt, await post('sig-hmac-sha512', BODY, { 'x-signature': sig.slice(0, 64) }), 'a SHA-256-length prefix of it');
});
