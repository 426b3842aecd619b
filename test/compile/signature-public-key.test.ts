/**
 * Known-answer vectors for the public-key recipes, through a real gateway. Keys were generated and
 * every signature made with the openssl CLI (test/fixtures/keys/make-keys.sh, make-vectors.sh):
 *   openssl dgst -sha256 -sign rsa-2048.key                        (RSA PKCS#1 v1.5)
 *   openssl dgst -sha256 -sign rsa-2048.key -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
 *   openssl dgst -sha256 -sign ec-p256.key                         (ECDSA, DER; raw r||s via asn1parse)
 *   openssl pkeyutl -sign -inkey ed25519.key -rawin                (Ed25519)
 * and the results hard-coded below. Negative twins: tampered body, wrong key, truncated signature,
 * wrong encoding, wrong key type for the algorithm (a load-time error at the descriptor's line).
 */
import t, { type Test } from 'tap';
import { ConfigError } from '../../gateway/errors.js';
import { keyPath, keyPem, sigRig } from './signature-rig.js';

const BODY = '{"requestId":"req-1","playerId":"player-1"}';
const TS = '1700000000';
const NOW = 1700000000_000;

/** rsa-sha256 (PKCS#1 v1.5) over BODY with rsa-2048.key, base64. */
const RSA_A = 'OqDb/wUlZa5ykMlTUv7qEIRYiC+BcdUtnjfoW4rS7EpxOB6A128voTbhDSFVpPwgbEKRplFacNN9Myf+6wm53XyqIp3/sNQJH0VsH0dm/y5Ru2HdUT4M3ilUE4ijxe+eOB89BlFbsCB+NaTHtsDADer3iIZ7KzsyfnwvUKeAdvygjrlA/h1vXPkkqsOKBhqe88QHL4jHk8mrjHmR5WTV2vcQbrKfIKeMdDZRf8LhzI7uNh0V9WyFBnXsw6Qe1D+n7xblGX5mChHsk2B/FXAXKB7kLnHCB7ZokmH1XVpvX8Yw479C/YE5BvjP13jUQsqNjxXhS+gU7VZJVyq1L+kckQ==';
/** The same with rsa-2048-b.key. */
const RSA_B = 'AtIWLBYtHZqG2KO4GD9GPccrhauIDdk4jo4NJhGT7DkDHp2marNvbY5aVbxCGV/40sNWazB+L9uye9LdipFaK6vwuvgW8TxocMdE3zC1uWCxeKt2Q/2irGhXHrvplP7Dml1nrtDQH0cImK29ixB4D2UnElc6xMI4a7hc1/Fr50wGxgPc62R9nPdHBNlnCfMQbnHcNDROeu7oROnRtPyFGJM6KMuXfps3cBo2FRcRBCjwGohiUfcCXwMYo123atE6P/sQcu9g67F+FI5TZDaPMqdYMZlKc0BabrRiocqsLSF2/Eia9NRqCTQsb2Vq3OgYVfFx5+3/5CfylBp7BMLcEg==';
/** rsa-pss-sha256 (salt 32) over TS + "." + BODY with rsa-2048.key, base64url. */
const RSA_PSS = 'Bmq-ErJog6-bhZuLe-7p0bloQn2ucigwsUSbDnM9lX4sjZ9QCuKczzx00Si5MSBc84fEuoFULesC6QWX3g8srp1n6q_siM7alBnYmk192u0FIMJPW6ea7GXbCCuMhDwu67gGhXgbXirVdxpxF4s7Rh8X7VLobIiVL7tjbBnyRwcDeznFJ8aeraHjkFY-Q0Izno8uOJFJwi3LtKuygfa6SJzIngroi80vsX-r_VeVK-MTcfrkYxSlZmGd_Vw3aC4wnZ9y1MuU5DOQ4EUXoNo2YNOUzO1vEUSOPVHvV4_5xZNYNUkfYLsnNbsTcF9BEz00WNrT5msW3YJgBjAIyASDRg';
/** ecdsa-p256-sha256 over BODY with ec-p256.key: DER in hex, and the same signature as raw r||s in base64url. */
const EC_DER = '30450221008b65b5a182fb94a32401d5dbef345bd44f4c6d7826b40a4e5a4878c7ed7830cd022059fa7d6f39d781804698617c6d4f6b5de2d770fcf43f3fefee50edf588f0624a';
const EC_RAW = 'i2W1oYL7lKMkAdXb7zRb1E9MbXgmtApOWkh4x-14MM1Z-n1vOdeBgEaYYXxtT2td4tdw_PQ_P-_uUO31iPBiSg';
/** ECDSA over BODY with the P-384 key (another curve), DER hex. */
const EC_P384 = '30660231009cab6cfea0a44ee51a9921ed0e391d0282fe974dcbd8e3f1b871c7bb3e78789a8e83b7c66634882a8a09cb409fb07f16023100de58d0122824505f1d7ae486b5fb7f47b347cd308c0f5de7ef0dba3775e24b88f031c44a4bf5a9e164138b43cd6ccb93';
/** ed25519 over TS + "." + BODY with ed25519.key / ed25519-b.key, base64. */
const ED_A = 'X98XvvmcGmLCC/c+BnzBwsxeUZVWmbXBL8AEmjnv87AR9CG5q+ofLMtmVwJ/aP6pjegQCR5eWCrVN030ImZ8Dg==';
const ED_B = 'P441GKL8Bb1H5QSIz9iAtE7DUDw+5ae8wbY5J9Bm7NY9/yvgPzn6YC95c2QEM/Q7ZAxn/ZnzGdLtGduo3TD1Cg==';

const TAMPERED = BODY.replace('player-1', 'player-2');
const b64ToHex = (s: string) => Buffer.from(s, 'base64').toString('hex');

function rejected(tt: Test, r: { status: number; body: any }, msg: string): void {
  tt.equal(r.status, 401, `${msg}: HTTP 401`);
  tt.same(r.body, { status: 'INVALID_SIGNATURE' }, `${msg}: INVALID_SIGNATURE`);
}

function passed(tt: Test, r: { status: number; body: any }, msg: string): void {
  tt.equal(r.status, 200, `${msg}: HTTP 200`);
  tt.match(r.body, { requestId: 'req-1', status: 'OK' }, `${msg}: answered`);
}

/** Starting the gateway fails; returns its formatted diagnostics. */
async function loadFails(tt: Test, enabled: string, env: Record<string, string>): Promise<string> {
  try {
    await sigRig(tt, [enabled], env, NOW);
  } catch (e) {
    tt.type(e, ConfigError);
    return (e as ConfigError).message;
  }
  tt.fail('the gateway started');
  return '';
}

t.test('RSA-SHA256 PKCS#1 v1.5, base64, key as PEM text', async (tt) => {
  const { post, wallet } = await sigRig(tt, ['pk-rsa-pkcs1'], { RSA_PUBLIC_KEY: keyPem('rsa-2048.pub.pem') }, NOW);
  const send = (body: string, sig: string) => post('pk-rsa-pkcs1', body, { 'x-signature': sig });
  passed(tt, await send(BODY, RSA_A), 'openssl vector');
  rejected(tt, await send(TAMPERED, RSA_A), 'tampered body');
  rejected(tt, await send(BODY, RSA_B), 'signed by another RSA key');
  rejected(tt, await send(BODY, RSA_A.slice(0, -4)), 'truncated by 3 bytes');
  passed(tt, await send(BODY, RSA_A.slice(0, -2)), 'without its (optional) base64 padding');
  rejected(tt, await send(BODY, `${RSA_A.slice(0, -2)}=`), 'with wrong padding');
  rejected(tt, await send(BODY, b64ToHex(RSA_A)), 'the signature in hex');
  rejected(tt, await send(BODY, RSA_PSS), 'a PSS signature on a PKCS#1 v1.5 recipe');
  tt.equal(wallet.callsOf('balance').length, 2, 'only the genuine requests reached the wallet');
});

t.test('RSA key rotation: two public keys listed (one as a path to a PEM file), either verifies', async (tt) => {
  const both = await sigRig(tt, ['pk-rsa-pkcs1'], { RSA_PUBLIC_KEY: keyPem('rsa-2048.pub.pem'), RSA_NEXT_PUBLIC_KEY: keyPath('rsa-2048-b.pub.pem') }, NOW);
  passed(tt, await both.post('pk-rsa-pkcs1', BODY, { 'x-signature': RSA_A }), 'current key');
  passed(tt, await both.post('pk-rsa-pkcs1', BODY, { 'x-signature': RSA_B }), 'next key');
  // The PEM text as many environments hold it: one line with literal \n escapes.
  const oneLine = await sigRig(tt, ['pk-rsa-pkcs1'], { RSA_PUBLIC_KEY: keyPem('rsa-2048-b.pub.pem').replace(/\n/g, '\\n') }, NOW);
  passed(tt, await oneLine.post('pk-rsa-pkcs1', BODY, { 'x-signature': RSA_B }), 'PEM with escaped newlines');
  rejected(tt, await oneLine.post('pk-rsa-pkcs1', BODY, { 'x-signature': RSA_A }), 'the other key is no longer listed');
});

t.test('RSA-SHA256 PSS over timestamp + "." + body, base64url', async (tt) => {
  const { post } = await sigRig(tt, ['pk-rsa-pss'], { RSA_PSS_PUBLIC_KEY: keyPath('rsa-2048.pub.pem') }, NOW);
  const send = (body: string, sig: string, ts = TS) => post('pk-rsa-pss', body, { 'x-signature': sig, 'x-timestamp': ts });
  passed(tt, await send(BODY, RSA_PSS), 'openssl vector');
  rejected(tt, await send(TAMPERED, RSA_PSS), 'tampered body');
  rejected(tt, await send(BODY, RSA_PSS, '1700000001'), 'another timestamp');
  rejected(tt, await send(BODY, RSA_PSS.slice(0, -8)), 'truncated');
  rejected(tt, await send(BODY, Buffer.from(RSA_PSS, 'base64url').toString('base64')), 'base64 (with + and /) where base64url is expected');
  rejected(tt, await send(BODY, Buffer.from(RSA_A, 'base64').toString('base64url')), 'a PKCS#1 v1.5 signature on a PSS recipe');
});

t.test('ECDSA P-256: DER in hex, raw r||s in base64url', async (tt) => {
  const env = { EC_PUBLIC_KEY: keyPath('ec-p256.pub.pem') };
  const der = await sigRig(tt, ['pk-ecdsa-der'], env, NOW);
  const send = (body: string, sig: string) => der.post('pk-ecdsa-der', body, { 'x-signature': sig });
  passed(tt, await send(BODY, EC_DER), 'openssl DER vector');
  passed(tt, await send(BODY, Buffer.from(EC_RAW, 'base64url').toString('hex')), 'the same signature as raw r||s');
  rejected(tt, await send(TAMPERED, EC_DER), 'tampered body');
  rejected(tt, await send(BODY, EC_DER.slice(0, -2)), 'DER truncated by one byte');
  rejected(tt, await send(BODY, EC_P384), 'signed with a P-384 key');
  rejected(tt, await send(BODY, Buffer.from(EC_DER, 'hex').toString('base64')), 'base64 where hex is expected');

  const raw = await sigRig(tt, ['pk-ecdsa-raw'], env, NOW);
  passed(tt, await raw.post('pk-ecdsa-raw', BODY, { 'x-signature': EC_RAW }), 'openssl raw r||s vector');
  rejected(tt, await raw.post('pk-ecdsa-raw', TAMPERED, { 'x-signature': EC_RAW }), 'tampered body');
  rejected(tt, await raw.post('pk-ecdsa-raw', BODY, { 'x-signature': EC_RAW.slice(0, -3) }), 'raw truncated to 62 bytes');
});

t.test('Ed25519 over timestamp + "." + body, base64', async (tt) => {
  const { post } = await sigRig(tt, ['pk-ed25519'], { ED25519_PUBLIC_KEY: keyPem('ed25519.pub.pem') }, NOW);
  const send = (body: string, sig: string, ts = TS) => post('pk-ed25519', body, { 'x-signature': sig, 'x-timestamp': ts });
  passed(tt, await send(BODY, ED_A), 'openssl vector');
  rejected(tt, await send(TAMPERED, ED_A), 'tampered body');
  rejected(tt, await send(BODY, ED_A, '1700000001'), 'another timestamp');
  rejected(tt, await send(BODY, ED_B), 'signed by another Ed25519 key');
  rejected(tt, await send(BODY, Buffer.from(ED_A, 'base64').subarray(0, 63).toString('base64')), 'truncated to 63 bytes');
  rejected(tt, await send(BODY, b64ToHex(ED_A)), 'the signature in hex');
  rejected(tt, await send(BODY, ''), 'an empty header');
});

t.test('wrong key type for the algorithm: the descriptor fails to load, at the key\'s line', async (tt) => {
  const rsaForEd = await loadFails(tt, 'pk-ed25519', { ED25519_PUBLIC_KEY: keyPem('rsa-2048.pub.pem') });
  tt.match(rsaForEd, /test\/fixtures\/descriptors\/signatures\/ed25519\.yaml:10:19: key `provider_key` is rsa, ed25519 needs an Ed25519 key/);
  const edForRsa = await loadFails(tt, 'pk-rsa-pkcs1', { RSA_PUBLIC_KEY: keyPem('ed25519.pub.pem') });
  tt.match(edForRsa, /rsa-pkcs1\.yaml:\d+:\d+: key `provider_key` is ed25519, rsa-sha256 needs an RSA key/);
  const p384 = await loadFails(tt, 'pk-ecdsa-der', { EC_PUBLIC_KEY: keyPem('ec-p384.pub.pem') });
  tt.match(p384, /ecdsa-der\.yaml:\d+:\d+: key `provider_key` is on curve secp384r1, ecdsa-p256-sha256 needs P-256/);
  const weak = await loadFails(tt, 'pk-rsa-pkcs1', { RSA_PUBLIC_KEY: keyPem('rsa-1024.pub.pem') });
  tt.match(weak, /key `provider_key` is a 1024-bit RSA key; at least 2048 bits are required/);
  const notPem = await loadFails(tt, 'pk-ed25519', { ED25519_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----' });
  tt.match(notPem, /secret `provider_key` is not a PEM public key/);
  const noFile = await loadFails(tt, 'pk-ed25519', { ED25519_PUBLIC_KEY: keyPath('no-such.pem') });
  tt.match(noFile, /ed25519\.yaml:\d+:\d+: ED25519_PUBLIC_KEY: ENOENT/, 'a PEM path that does not exist names the variable');
});
