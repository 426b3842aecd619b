/**
 * The shipped example plugin `sorted-params-hash` (plugins/sorted-params-hash.ts): known answers
 * made with openssl (test/fixtures/keys/make-vectors.sh), e.g.
 *   printf '%s' 'amount=10.50&playerId=player-1&requestId=req-1sorted-secret' | openssl dgst -md5
 * checked directly and through a real gateway loading the plugin from dist/plugins/.
 */
import t from 'tap';
import { JsonNumber } from '../../gateway/json/json-number.js';
import plugin, { canonicalParams, digestOf } from '../../plugins/sorted-params-hash.js';
import { sigRig } from '../compile/signature-rig.js';

const KEY = Buffer.from('sorted-secret');
const MD5_REQ1 = 'a5e48609dbc60d0182b9526968d555f6';
const MD5_REQ2 = 'f024af346ac5a352fa744cd0bc8ee664';
const HMAC_SHA256_B64 = 'Q7x9gAxV3Nr+NXzISjCvLs7avhOKhGcwz/SI12SzbOs=';
const defaults = { field: 'hash', pair_separator: '&', assign: '=', exclude: [] as string[], skip_empty: false };

t.test('the signed string: sorted, exact values, hash field left out', async (tt) => {
  tt.equal(canonicalParams({ requestId: 'req-1', hash: 'x', playerId: 'player-1', amount: '10.50' }, defaults), 'amount=10.50&playerId=player-1&requestId=req-1');
  tt.equal(canonicalParams({ amount: new JsonNumber('10.50'), ok: true, none: null }, defaults), 'amount=10.50&none=&ok=true', 'numbers as written, booleans, null as empty');
  tt.equal(canonicalParams({ a: '', b: null, c: '1' }, { ...defaults, skip_empty: true }), 'c=1');
  tt.equal(canonicalParams({ a: '1', meta: { x: 1 } }, defaults), undefined, 'a nested object cannot be signed…');
  tt.equal(canonicalParams({ a: '1', meta: { x: 1 } }, { ...defaults, exclude: ['meta'] }), 'a=1', '…unless excluded');
  tt.equal(canonicalParams(['a'], defaults), undefined, 'not an object');
  tt.equal(canonicalParams({ b: '2', a: '1' }, { ...defaults, pair_separator: ';', assign: ':' }), 'a:1;b:2');
});

t.test('digests match openssl', async (tt) => {
  const params = 'amount=10.50&playerId=player-1&requestId=req-1';
  tt.equal(digestOf(params, KEY, { digest: 'md5', mode: 'suffix' }).toString('hex'), MD5_REQ1);
  tt.equal(digestOf(params, KEY, { digest: 'sha256', mode: 'hmac' }).toString('base64'), HMAC_SHA256_B64);
  tt.not(digestOf(params, KEY, { digest: 'md5', mode: 'prefix' }).toString('hex'), MD5_REQ1, 'prefix mode puts the key first');
});

t.test('the check, directly', async (tt) => {
  const check = plugin.create({ secret: 'k', ...defaults, digest: 'sha256', mode: 'hmac', encoding: 'base64' }, { secrets: new Map([['k', KEY]]) });
  const run = (body: string) => check({ message: Buffer.alloc(0), candidates: [], ctx: { raw: Buffer.from(body) } as never });
  tt.equal(run(`{"amount":"10.50","playerId":"player-1","requestId":"req-1","hash":"${HMAC_SHA256_B64}"}`), true);
  tt.equal(run(`{"amount":"10.50","playerId":"player-1","requestId":"req-1","hash":"${HMAC_SHA256_B64.slice(0, -4)}"}`), false, 'truncated');
  tt.equal(run('not json'), false);
  tt.throws(() => plugin.create({ secret: 'nope', ...defaults, digest: 'md5', mode: 'suffix', encoding: 'hex' }, { secrets: new Map() }), /secret `nope` is not declared or not set/);
});

t.test('through a real gateway: loaded by name from the descriptor', async (tt) => {
  const { post, wallet } = await sigRig(tt, ['plugin-sorted-params'], { SORTED_PARAMS_SECRET: 'sorted-secret' }, Date.now());
  const send = (body: string) => post('plugin-sorted-params', body, {});
  const ok = await send(`{"amount":"10.50","playerId":"player-1","requestId":"req-1","hash":"${MD5_REQ1}"}`);
  tt.equal(ok.status, 200);
  tt.match(ok.body, { requestId: 'req-1', status: 'OK' });
  tt.equal((await send(`{"hash":"${MD5_REQ1.toUpperCase()}","requestId":"req-1","playerId":"player-1","amount":"10.50"}`)).status, 200, 'any field order, upper-case hex');
  tt.equal((await send(`{"amount":10.50,"playerId":"player-1","requestId":"req-2","hash":"${MD5_REQ2}"}`)).status, 200, 'a JSON number signs as written (10.50, not 10.5)');
  const reject = async (body: string, msg: string) => {
    const r = await send(body);
    tt.same([r.status, r.body], [401, { status: 'INVALID_SIGNATURE' }], msg);
  };
  await reject(`{"amount":"10.51","playerId":"player-1","requestId":"req-1","hash":"${MD5_REQ1}"}`, 'tampered amount');
  await reject(`{"amount":"10.50","playerId":"player-1","requestId":"req-1","extra":"x","hash":"${MD5_REQ1}"}`, 'an added field');
  await reject(`{"amount":10.5,"playerId":"player-1","requestId":"req-2","hash":"${MD5_REQ2}"}`, '10.5 is not what was signed');
  await reject('{"amount":"10.50","playerId":"player-1","requestId":"req-1"}', 'no hash');
  await reject(`{"amount":"10.50","playerId":"player-1","requestId":"req-1","hash":"${MD5_REQ1.slice(0, 30)}"}`, 'truncated hash');
  await reject(`{"amount":"10.50","playerId":"player-1","requestId":"req-1","hash":"${Buffer.from(MD5_REQ1, 'hex').toString('base64')}"}`, 'base64 where hex is expected');
  await reject(`{"amount":"10.50","playerId":"player-1","requestId":"req-1","meta":{"a":1},"hash":"${MD5_REQ1}"}`, 'a nested object');
  await reject(`{"amount":"10.50","hash":"${MD5_REQ1}"`, 'malformed JSON is rejected before parsing anything else');
  tt.equal(wallet.callsOf('balance').length, 3, 'only the genuine requests reached the wallet');
});
