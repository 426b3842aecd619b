/**
 * `signRequest` (used by `gateway test`, `serve` and `simulate`) is the inverse of the verify block:
 * it must produce exactly the published and openssl-made vectors for every header format, and what
 * it signs must pass a real gateway.
 */
import t from 'tap';
import path from 'node:path';
import type { Descriptor } from '../../gateway/compile/descriptor.js';
import { resolveSecrets } from '../../gateway/compile/resolve-secrets.js';
import { signRequest, type RequestToSign } from '../../gateway/compile/sign-request.js';
import { readYamlSource } from '../../gateway/config/yaml-source.js';
import { keyPath, keyPem, sigRig, SIGNATURES_DIR } from './signature-rig.js';

const BODY = '{"requestId":"req-1","playerId":"player-1"}';
const NOW = 1700000000_000;

async function sign(file: string, env: Record<string, string>, req: Omit<Partial<RequestToSign>, 'body'> & { body: string }): Promise<ReturnType<typeof signRequest>> {
  const src = await readYamlSource(path.join(SIGNATURES_DIR, file), env);
  const d = src.value as Descriptor;
  const resolved = resolveSecrets(d.secrets, d.settings, env, false);
  return signRequest(d, resolved, { method: 'POST', path: `/${d.id}/balance`, now: NOW, ...req, body: Buffer.from(req.body) });
}

t.test('Standard Webhooks: the published vector', async (tt) => {
  const r = await sign('standard-webhooks.yaml', { SW_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, {
    body: '{"test": 2432232314}',
    now: 1614265330_000,
    headers: { 'Webhook-Id': 'msg_p5jXN8AQM9LWM0D4loKWxJek' },
  });
  tt.equal(r.signed, true);
  tt.equal(r.headers['webhook-signature'], 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  tt.equal(r.headers['webhook-timestamp'], '1614265330');
  tt.equal(r.headers['webhook-id'], 'msg_p5jXN8AQM9LWM0D4loKWxJek');
  const fresh = await sign('standard-webhooks.yaml', { SW_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, { body: '{}' });
  tt.match(fresh.headers['webhook-id'], /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a signed header the caller did not give is made up');
});

t.test('prefixed hex: the GitHub published vector', async (tt) => {
  const r = await sign('prefixed-hex.yaml', { PREFIXED_SECRET: "It's a Secret to Everybody" }, { body: 'Hello, World!' });
  tt.equal(r.headers['x-hub-signature-256'], 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
});

t.test('key-value pairs: t=…,v1=…', async (tt) => {
  const r = await sign('key-value-pairs.yaml', { PAIRS_SECRET: 'pairs-secret-new' }, { body: BODY });
  tt.equal(r.headers['x-signature'], 't=1700000000,v1=6cb3807c6c95dd1506e1227bb7fe26440058c9898fb8021b458039f331fa5c6d');
});

t.test('rotation: signs with the first listed secret; base64url', async (tt) => {
  const r = await sign('rotation.yaml', { ROTATION_NEW: 'rotation-new', ROTATION_OLD: 'rotation-old' }, { body: BODY });
  tt.equal(r.headers['x-signature'], '5VG-a9jjbhlxnFYJkzY1ho5B_uIJ55KbvXGC99inZ5Y');
});

t.test('hmac-sha512', async (tt) => {
  const r = await sign('hmac-sha512.yaml', { SHA512_SECRET: 'sha512-secret' }, { body: BODY });
  tt.equal(r.headers['x-signature'], 'a7f43aede391f076acae85960e66b3a3634ecc75cad586631c7a3a154cf6c4533a6879bea7190099952790d50d245bd9835819147b5bbe767a43fbe264ba7666');
});

t.test('public keys: with a signing_key the deterministic schemes give the openssl vectors', async (tt) => {
  const ed = await sign('ed25519.yaml', { ED25519_PUBLIC_KEY: keyPem('ed25519.pub.pem'), ED25519_SIGNING_KEY: keyPath('ed25519.key') }, { body: BODY });
  tt.equal(ed.headers['x-signature'], 'X98XvvmcGmLCC/c+BnzBwsxeUZVWmbXBL8AEmjnv87AR9CG5q+ofLMtmVwJ/aP6pjegQCR5eWCrVN030ImZ8Dg==');
  tt.equal(ed.headers['x-timestamp'], '1700000000');
  const rsa = await sign('rsa-pkcs1.yaml', { RSA_PUBLIC_KEY: keyPem('rsa-2048.pub.pem'), RSA_SIGNING_KEY: keyPem('rsa-2048.key') }, { body: BODY });
  tt.equal(rsa.headers['x-signature'], 'OqDb/wUlZa5ykMlTUv7qEIRYiC+BcdUtnjfoW4rS7EpxOB6A128voTbhDSFVpPwgbEKRplFacNN9Myf+6wm53XyqIp3/sNQJH0VsH0dm/y5Ru2HdUT4M3ilUE4ijxe+eOB89BlFbsCB+NaTHtsDADer3iIZ7KzsyfnwvUKeAdvygjrlA/h1vXPkkqsOKBhqe88QHL4jHk8mrjHmR5WTV2vcQbrKfIKeMdDZRf8LhzI7uNh0V9WyFBnXsw6Qe1D+n7xblGX5mChHsk2B/FXAXKB7kLnHCB7ZokmH1XVpvX8Yw479C/YE5BvjP13jUQsqNjxXhS+gU7VZJVyq1L+kckQ==');
});

t.test('what cannot be signed says why', async (tt) => {
  const noKey = await sign('ed25519.yaml', { ED25519_PUBLIC_KEY: keyPem('ed25519.pub.pem') }, { body: BODY });
  tt.equal(noKey.signed, false);
  tt.match(noKey.reason, /signing_key test_signer is not set/);
  const wrongKey = await sign('ed25519.yaml', { ED25519_PUBLIC_KEY: keyPem('ed25519.pub.pem'), ED25519_SIGNING_KEY: keyPath('rsa-2048.key') }, { body: BODY });
  tt.equal(wrongKey.signed, false, 'an RSA private key for an Ed25519 recipe');
  const jwks = await sign('jwks.yaml', {}, { body: BODY });
  tt.match(jwks, { signed: false, reason: /without signing_key/ });
  const plugin = await sign('plugin-sorted-params.yaml', { SORTED_PARAMS_SECRET: 's' }, { body: BODY });
  tt.match(plugin, { signed: false, reason: /no signature header/ });
});

t.test('round trip: every recipe signRequest can produce passes a real gateway', async (tt) => {
  const env = {
    SW_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    PREFIXED_SECRET: 'prefix-secret',
    PAIRS_SECRET: 'pairs-secret-new',
    ROTATION_NEW: 'rotation-new',
    ROTATION_OLD: 'rotation-old',
    SHA512_SECRET: 'sha512-secret',
    RSA_PUBLIC_KEY: keyPem('rsa-2048.pub.pem'),
    RSA_SIGNING_KEY: keyPath('rsa-2048.key'),
    RSA_PSS_PUBLIC_KEY: keyPem('rsa-2048.pub.pem'),
    RSA_PSS_SIGNING_KEY: keyPath('rsa-2048.key'),
    EC_PUBLIC_KEY: keyPem('ec-p256.pub.pem'),
    EC_SIGNING_KEY: keyPath('ec-p256.key'),
    ED25519_PUBLIC_KEY: keyPem('ed25519.pub.pem'),
    ED25519_SIGNING_KEY: keyPath('ed25519.key'),
  };
  const files: [string, string][] = [
    ['standard-webhooks.yaml', 'sig-standard-webhooks'],
    ['prefixed-hex.yaml', 'sig-prefixed-hex'],
    ['key-value-pairs.yaml', 'sig-key-value-pairs'],
    ['rotation.yaml', 'sig-rotation'],
    ['hmac-sha512.yaml', 'sig-hmac-sha512'],
    ['rsa-pkcs1.yaml', 'pk-rsa-pkcs1'],
    ['rsa-pss.yaml', 'pk-rsa-pss'],
    ['ecdsa-der.yaml', 'pk-ecdsa-der'],
    ['ed25519.yaml', 'pk-ed25519'],
  ];
  const { post } = await sigRig(tt, files.map(([, id]) => id), env, NOW);
  for (const [file, id] of files) {
    const { headers, signed } = await sign(file, env, { body: BODY, path: `/${id}/balance` });
    tt.equal(signed, true, `${id} signed`);
    const r = await post(id, BODY, headers);
    tt.equal(r.status, 200, `${id} verified`);
  }
});
