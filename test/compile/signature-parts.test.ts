/**
 * The pieces of a signature recipe on their own: strict decoding, header formats, the HMAC check's
 * handling of unequal lengths and several keys/candidates, and the candidate limit.
 */
import t from 'tap';
import { createHmac } from 'node:crypto';
import { compileHeaderReader, decodeSignature, hmacCheck, MAX_CANDIDATES, signatureStage } from '../../gateway/compile/compile-signature.js';
import { GatewayError } from '../../gateway/errors.js';
import type { RequestContext } from '../../gateway/pipeline/context.js';

const ctx = (headers: Record<string, string> = {}, raw = Buffer.from('{}')): RequestContext => ({
  requestId: 'r',
  method: 'POST',
  path: '/p/x',
  query: '',
  headers,
  raw,
  now: 0,
  params: {},
});

t.test('decodeSignature is strict', async (tt) => {
  tt.same(decodeSignature('00ff', 'hex'), Buffer.from([0, 255]));
  tt.same(decodeSignature('00FF', 'hex'), Buffer.from([0, 255]), 'hex in either case');
  tt.equal(decodeSignature('0ff', 'hex'), undefined, 'odd length');
  tt.equal(decodeSignature('zz', 'hex'), undefined, 'outside the alphabet');
  tt.equal(decodeSignature('', 'hex'), undefined, 'empty');
  tt.same(decodeSignature('AP8=', 'base64'), Buffer.from([0, 255]));
  tt.same(decodeSignature('AP8', 'base64'), Buffer.from([0, 255]), 'padding is optional');
  tt.equal(decodeSignature('AP8==', 'base64'), undefined, 'wrong padding');
  tt.equal(decodeSignature('AP9=', 'base64'), undefined, 'stray bits Buffer.from would ignore');
  tt.equal(decodeSignature('A-8=', 'base64'), undefined, 'base64url alphabet in base64');
  tt.same(decodeSignature('AP8', 'base64url'), Buffer.from([0, 255]));
  tt.same(decodeSignature('_w', 'base64url'), Buffer.from([255]));
  tt.equal(decodeSignature('/w', 'base64url'), undefined, 'base64 alphabet in base64url');
  tt.equal(decodeSignature('a'.repeat(2050), 'hex'), undefined, 'absurdly long');
});

t.test('header formats', async (tt) => {
  const plain = compileHeaderReader('plain', 'sha256=');
  tt.same(plain(' sha256=abcd ', ctx()), ['abcd']);
  tt.same(plain('sha1=abcd', ctx()), [], 'a value without the prefix has no signature');
  tt.same(compileHeaderReader('plain', undefined)(' abcd ', ctx()), ['abcd']);

  const list = compileHeaderReader({ list: ' ', item_prefix: 'v1,' }, undefined);
  tt.same(list('v1,aa v2,bb  v1,cc v1,', ctx()), ['aa', 'cc'], 'other versions and empty items skipped');

  const c = ctx();
  const pairs = compileHeaderReader({ pairs: ',', key: 'v1' }, undefined);
  tt.same(pairs('t=123,v1=aa,v0=zz,v1=bb,t=999,junk', c), ['aa', 'bb']);
  tt.same({ ...c.signatureParams }, { t: '123', v0: 'zz' }, 'other keys, first occurrence wins');
  const semis = compileHeaderReader({ pairs: ';', assign: ':', key: 'sig' }, 'Sig ');
  tt.same(semis('Sig ts:1; sig:aa', ctx()), ['aa']);
});

t.test('hmacCheck: rotation, several candidates, unequal lengths rejected without throwing', async (tt) => {
  const message = Buffer.from('hello');
  const mac = (k: string) => createHmac('sha256', k).update(message).digest();
  const check = hmacCheck('hmac-sha256', [Buffer.from('new'), Buffer.from('old')]);
  const run = (...candidates: Buffer[]) => check({ message, candidates, ctx: ctx() });
  tt.equal(run(mac('new')), true);
  tt.equal(run(mac('old')), true);
  tt.equal(run(mac('other')), false);
  tt.equal(run(mac('other'), mac('old')), true, 'any candidate');
  tt.equal(run(mac('new').subarray(0, 31)), false, 'one byte short');
  tt.equal(run(Buffer.concat([mac('new'), Buffer.from([0])])), false, 'one byte long');
  tt.equal(run(), false, 'no candidate');
  tt.throws(() => hmacCheck('rsa-sha256', []), /not an HMAC algorithm/);
});

t.test('signatureStage: candidate limit, plugins without a header, uncertain checks', async (tt) => {
  let seen = 0;
  const stage = (check: Parameters<typeof signatureStage>[0]['check'], header: string | null = 'x-sig') =>
    signatureStage({ header: header ?? undefined, readHeader: compileHeaderReader({ list: ' ' }, undefined), encoding: 'hex', message: (c) => c.raw, check, detail: '' }).wrap(async () => ({ status: 200, body: 'ok' }));
  const counting = stage(({ candidates }) => {
    seen = candidates.length;
    return false;
  });
  await tt.rejects(counting(ctx({ 'x-sig': Array.from({ length: 50 }, () => 'aa').join(' ') })), { code: 'GW_ERR_VERIFY_SIGNATURE_MISMATCH' });
  tt.equal(seen, MAX_CANDIDATES, 'a header with 50 signatures costs at most MAX_CANDIDATES checks');
  await tt.rejects(counting(ctx({})), { code: 'GW_ERR_VERIFY_SIGNATURE_MISSING' });
  await tt.rejects(counting(ctx({ 'x-sig': 'zz yy' })), { code: 'GW_ERR_VERIFY_SIGNATURE_MISMATCH' }, 'no well-formed candidate');

  const headerless = stage(({ candidates, ctx: c }) => candidates.length === 0 && c.raw.toString() === '{}', null);
  tt.same(await headerless(ctx()), { status: 200, body: 'ok' }, 'without a header the check reads the request itself');

  const throwing = stage(() => {
    throw new Error('boom');
  });
  await tt.rejects(throwing(ctx({ 'x-sig': 'aa' })), { code: 'GW_ERR_VERIFY_SIGNATURE_MISMATCH' }, 'a throwing check is a failed signature');
  const undecided = stage(() => {
    throw new GatewayError('GW_ERR_INTERNAL', 'INTERNAL_ERROR', 'keys unavailable');
  });
  await tt.rejects(undecided(ctx({ 'x-sig': 'aa' })), { code: 'GW_ERR_INTERNAL' }, 'a check that cannot decide stays uncertain');
  const truthy = stage(() => 1 as unknown as boolean);
  await tt.rejects(truthy(ctx({ 'x-sig': 'aa' })), { code: 'GW_ERR_VERIFY_SIGNATURE_MISMATCH' }, 'only true passes');
});
