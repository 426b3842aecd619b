/**
 * openapi/wallet.yaml, the canonical wallet API, linted in the suite: it parses, it is OpenAPI 3.1,
 * every $ref resolves, every operation is complete and its schemas compile under strict ajv
 * (draft 2020-12), its examples are valid and are read by the gateway as the document says, and
 * Redocly's recommended-strict rules pass. Then test/helpers/wallet-openapi.ts, which stub wallets
 * use to check what they receive, is tested on good and bad requests and answers; and the examples
 * of docs/wallet-contract.md are checked against the document.
 */
import t from 'tap';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { createConfig, lint } from '@redocly/openapi-core';
import { CANONICAL_CODES } from '../../gateway/errors.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { OPERATIONS } from '../../gateway/types.js';
import { classifyAnswer } from '../../gateway/wallet/classify-answer.js';
import { headerSafeKey } from '../../gateway/wallet/http-wallet.js';
import { WALLET_OPENAPI_FILE, createWalletAjv, deref, readWalletOpenApi, resolvePointer, validateWalletAnswer, validateWalletRequest } from '../helpers/wallet-openapi.js';

const addFormats = formatsPlugin.default;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const doc = readWalletOpenApi();

/** Every `$ref` string in `v`, with the JSON pointer where it stands. */
function refs(v: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => refs(x, `${at}/${i}`));
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => (k === '$ref' && typeof x === 'string' ? [{ at, ref: x }] : refs(x, `${at}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`)));
}

/** [path, method, operation object] of every operation in the document. */
function operations(): [string, string, any][] {
  return Object.entries(doc.paths ?? {}).flatMap(([p, item]: [string, any]) => HTTP_METHODS.filter((m) => item[m]).map((m): [string, string, any] => [p, m, item[m]]));
}

const jsonSchemaOf = (o: any): unknown => deref(doc, o)?.content?.['application/json']?.schema;

t.test('parses as YAML without errors or warnings', async (tt) => {
  const parsed = parseDocument(readFileSync(WALLET_OPENAPI_FILE, 'utf8'), { uniqueKeys: true });
  tt.same(parsed.errors.map(String), [], 'no YAML errors (duplicate keys included)');
  tt.same(parsed.warnings.map(String), [], 'no YAML warnings');
});

t.test('is OpenAPI 3.1 with JSON Schema 2020-12', async (tt) => {
  tt.match(doc.openapi, /^3\.1\.\d+$/, 'openapi: 3.1.x');
  tt.equal(doc.jsonSchemaDialect, 'https://json-schema.org/draft/2020-12/schema');
  tt.type(doc.info?.title, 'string');
  tt.type(doc.info?.version, 'string');
  tt.match(doc.info?.description, /What is uncertain/, 'says what is uncertain');
});

t.test('every $ref resolves inside the document', async (tt) => {
  const all = refs(doc);
  tt.ok(all.length > 50, `${all.length} refs`);
  for (const { at, ref } of all) {
    tt.ok(ref.startsWith('#/'), `${at}: local ref ${ref}`);
    tt.not(resolvePointer(doc, ref), undefined, `${at}: ${ref} resolves`);
  }
});

t.test('exactly the five POST operations, each complete', async (tt) => {
  const ops = operations();
  tt.same(ops.map(([p, m]) => `${m} ${p}`).sort(), OPERATIONS.map((o) => `post /${o}`).sort(), 'POST /{operation} for the five canonical operations');
  const ids = new Set<string>();
  for (const [p, m, o] of ops) {
    tt.test(`${m} ${p}`, async (t2) => {
      t2.equal(o.operationId, p.slice(1), 'operationId is the operation');
      t2.notOk(ids.has(o.operationId), 'operationId is unique');
      ids.add(o.operationId);
      t2.ok(o.responses && Object.keys(o.responses).length > 0, 'has responses');
      t2.ok(o.responses['200'] && o.responses['4XX'] && o.responses.default, '200, 4XX and default (uncertain) responses');
      t2.equal(deref(doc, o.requestBody)?.required, true, 'request body required');
      const schema = deref(doc, jsonSchemaOf(o.requestBody));
      t2.ok(schema, 'request body has an application/json schema');
      t2.equal(schema.additionalProperties, false, 'request body: additionalProperties false');
      t2.equal(schema.properties?.operation?.const, p.slice(1), 'body operation is the path');
      t2.ok(schema.required.includes('player_id'), 'player_id required on every operation');
      const headers = (o.parameters ?? []).map((x: unknown) => deref(doc, x)).filter((x: any) => x?.in === 'header');
      const names = headers.map((h: any) => `${h.name}${h.required ? '' : '?'}`);
      const money = ['debit', 'credit', 'rollback'].includes(p.slice(1));
      t2.same(names, ['X-Request-Id', ...(money ? ['Idempotency-Key'] : []), 'X-Gateway-Timestamp?', 'X-Gateway-Signature?'], 'headers');
    });
  }
});

t.test('every schema compiles under strict ajv (draft 2020-12, ajv-formats)', async (tt) => {
  // A fresh strict instance per check: nothing left over from a previous compile can hide a problem.
  const strict = () => {
    const ajv = new Ajv2020({ strict: true });
    addFormats(ajv);
    return ajv;
  };
  tt.doesNotThrow(() => strict().compile({ $defs: JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/')) }), 'components.schemas as $defs');
  const { compile } = createWalletAjv(doc);
  for (const [p, , o] of operations()) {
    tt.doesNotThrow(() => compile(jsonSchemaOf(o.requestBody)), `${p} request body`);
    for (const [status, r] of Object.entries(o.responses)) {
      const s = jsonSchemaOf(r);
      if (s !== undefined) tt.doesNotThrow(() => compile(s), `${p} ${status} answer`);
    }
    for (const x of o.parameters ?? []) tt.doesNotThrow(() => compile(deref(doc, x).schema), `${p} header ${deref(doc, x).name}`);
  }
  tt.same(doc.components.schemas.CanonicalCode.enum, [...CANONICAL_CODES], 'the code enum is the canonical code list');
});

t.test('the examples are valid, and the gateway reads them as the document says', async (tt) => {
  const { compile } = createWalletAjv(doc);
  let n = 0;
  for (const [p, , o] of operations()) {
    const op = p.slice(1) as (typeof OPERATIONS)[number];
    const req = deref(doc, o.requestBody).content['application/json'];
    const v = compile(req.schema);
    for (const [name, ex] of Object.entries(req.examples ?? {}) as [string, any][]) {
      tt.ok(v(ex.value), `${p} request example ${name}: ${JSON.stringify(v.errors)}`);
      n++;
    }
    tt.ok(Object.keys(req.examples ?? {}).length > 0, `${p} has a request example`);
    for (const [status, r] of Object.entries(o.responses) as [string, any][]) {
      const media = deref(doc, r).content?.['application/json'];
      if (!media) continue;
      const rv = compile(media.schema);
      for (const [name, ex] of Object.entries(media.examples ?? {}) as [string, any][]) {
        tt.ok(rv(ex.value), `${p} ${status} example ${name}: ${JSON.stringify(rv.errors)}`);
        const outcome = classifyAnswer(op, status === '200' ? 200 : 402, JSON.stringify(ex.value));
        tt.equal(outcome.class, status === '200' ? 'success' : 'rejected', `${p} ${status} example ${name}: the gateway reads it as ${outcome.class}`);
        n++;
      }
    }
  }
  tt.ok(n >= 12, `${n} examples`);
});

t.test('Redocly recommended-strict lint passes', async (tt) => {
  const config = await createConfig({
    extends: ['recommended-strict'],
    rules: {
      // The package is UNLICENSED: the license object names that, with no SPDX id or URL to give.
      'info-license-strict': 'off',
    },
  });
  const problems = await lint({ ref: WALLET_OPENAPI_FILE, config });
  tt.same(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`), []);
});

// ---- validateWalletRequest ----

const RID = '5b0c4a64-3f0e-4f4c-9d55-2f1a8f0f6c11';
const base = { request_id: RID, provider: 'jackpot-rgs', player_id: 'player-1' };
const samples: Record<string, Record<string, unknown>> = {
  authenticate: { ...base, operation: 'authenticate', currency: 'USD', game_id: 'dice-alpha' },
  balance: { ...base, operation: 'balance' },
  debit: { ...base, operation: 'debit', transaction_id: 'tx-1', idempotency_key: 'jackpot-rgs:debit:tx-1', amount: '1.5', round_id: 'r-1', game_id: 'dice-alpha', kind: 'bet', metadata: { spin: 7 } },
  credit: { ...base, operation: 'credit', transaction_id: 'tx-1-win', idempotency_key: 'jackpot-rgs:credit:tx-1-win', amount: '0', round_closed: true, kind: 'win', reference_transaction_id: 'tx-1' },
  rollback: { ...base, operation: 'rollback', transaction_id: 'tx-1', idempotency_key: 'jackpot-rgs:rollback:tx-1', reference_transaction_id: 'tx-1' },
};
const headersFor = (body: Record<string, unknown>): Record<string, string> => ({
  'content-type': 'application/json',
  'x-request-id': String(body.request_id),
  ...(typeof body.idempotency_key === 'string' ? { 'idempotency-key': headerSafeKey(body.idempotency_key) } : {}),
});

t.test('validateWalletRequest: a good request of each operation passes', async (tt) => {
  for (const [op, body] of Object.entries(samples)) tt.equal(validateWalletRequest(op, body, headersFor(body)), undefined, op);
  const rbWallet: Record<string, unknown> = { ...samples.rollback!, reference_wallet_transaction_id: 'w-9' };
  delete rbWallet.reference_transaction_id;
  tt.equal(validateWalletRequest('rollback', rbWallet, headersFor(rbWallet)), undefined, 'rollback by wallet transaction id');
  const withAmount = { ...samples.rollback!, amount: '10', currency: 'USDT' };
  tt.equal(validateWalletRequest('rollback', withAmount, headersFor(withAmount)), undefined, 'rollback with amount and currency');
  for (const amount of ['0', '0.5', '10', '10.50', '1234.56', '0.000001']) {
    tt.equal(validateWalletRequest('debit', { ...samples.debit, amount }, headersFor(samples.debit!)), undefined, `amount ${amount}`);
  }
  tt.equal(validateWalletRequest('debit', samples.debit, { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': RID, 'Idempotency-Key': 'jackpot-rgs:debit:tx-1' }), undefined, 'header names in any case');
});

t.test('validateWalletRequest: bad bodies are refused with a reason', async (tt) => {
  const bad = (op: string, over: Record<string, unknown>, drop: string[] = []): string | undefined => {
    const body: Record<string, unknown> = { ...samples[op], ...over };
    for (const k of drop) delete body[k];
    return validateWalletRequest(op, body, headersFor(samples[op]!));
  };
  tt.match(bad('debit', { amount: '-1.5' }), /debit body: \/amount must match pattern/, 'negative amount');
  tt.match(bad('credit', { amount: '1e3' }), /\/amount must match pattern/, 'exponent');
  tt.match(bad('credit', { amount: '1.5E+2' }), /\/amount must match pattern/, 'exponent, upper case');
  for (const amount of ['01.5', '00', '.5', '5.', '+1', ' 1', '', '1,5', 'NaN']) tt.match(bad('debit', { amount }), /\/amount must match pattern/, `amount ${JSON.stringify(amount)}`);
  tt.match(bad('debit', { amount: 1.5 }), /\/amount must be string/, 'amount as a JSON number');
  for (const op of OPERATIONS) tt.match(bad(op, {}, ['player_id']), /must have required property 'player_id'/, `${op} without player_id`);
  tt.match(bad('debit', { bonus_id: 'b-1' }), /must NOT have additional properties \(bonus_id\)/, 'unknown field');
  tt.match(bad('balance', { transaction_id: 'tx-1' }), /additional properties \(transaction_id\)/, 'transaction_id on a read');
  tt.match(bad('debit', { reference_transaction_id: 'tx-0' }), /additional properties \(reference_transaction_id\)/, 'a debit references nothing');
  tt.match(bad('debit', {}, ['idempotency_key']), /required property 'idempotency_key'/, 'money without idempotency_key');
  tt.match(bad('credit', {}, ['amount']), /required property 'amount'/, 'credit without amount');
  tt.match(bad('rollback', {}, ['reference_transaction_id']), /must match a schema in anyOf/, 'rollback naming nothing to reverse');
  tt.match(bad('debit', { operation: 'credit' }), /\/operation must be equal to constant/, 'operation differs from the path');
  tt.match(bad('debit', { player_id: '' }), /\/player_id must NOT have fewer than 1 characters/, 'empty player id');
  tt.match(bad('debit', { player_id: 'a\nb' }), /\/player_id must match pattern/, 'control character in an id');
  tt.match(bad('credit', { round_closed: 'true' }), /\/round_closed must be boolean/, 'round_closed as a string');
  tt.match(bad('debit', { metadata: '{"spin":7}' }), /\/metadata must be object/, 'metadata as JSON text');
  tt.match(bad('debit', { currency: 'US D' }), /\/currency must match pattern/, 'currency');
  tt.match(bad('debit', { provider: 'Jackpot' }), /\/provider must match pattern/, 'provider id');
  tt.match(validateWalletRequest('refund', samples.debit, headersFor(samples.debit!)), /unknown operation "refund"/);
  tt.match(validateWalletRequest('debit', [samples.debit], headersFor(samples.debit!)), /must be object/, 'not an object');
});

t.test('validateWalletRequest: headers', async (tt) => {
  const d = samples.debit!;
  const h = headersFor(d);
  const without = (k: string) => Object.fromEntries(Object.entries(h).filter(([n]) => n !== k));
  tt.match(validateWalletRequest('debit', d, without('x-request-id')), /header x-request-id is missing/);
  tt.match(validateWalletRequest('debit', d, { ...h, 'x-request-id': 'other' }), /x-request-id "other" differs from body request_id/);
  tt.match(validateWalletRequest('debit', d, without('idempotency-key')), /header idempotency-key is missing/);
  tt.match(validateWalletRequest('debit', d, { ...h, 'idempotency-key': 'jackpot-rgs:debit:tx-2' }), /does not decode to body idempotency_key/);
  tt.match(validateWalletRequest('debit', d, { ...h, 'idempotency-key': 'a b' }), /header idempotency-key must match pattern/, 'a space is not header-safe');
  tt.match(validateWalletRequest('balance', samples.balance, { ...headersFor(samples.balance!), 'idempotency-key': 'k' }), /idempotency-key on an operation that moves no money/);
  tt.match(validateWalletRequest('debit', d, without('content-type')), /content-type must be application\/json/);
  tt.match(validateWalletRequest('debit', d, { ...h, 'content-type': 'text/plain' }), /content-type must be application\/json/);
  tt.match(validateWalletRequest('debit', d, { ...h, 'x-request-id': [RID, RID] }), /header x-request-id is repeated/);

  // Non-ASCII keys travel percent-encoded (with % itself encoded); the body keeps the exact key.
  // A header that decodes to another key (or to nothing) is caught.
  const wrong: Record<string, string> = { 'tx-€1': 'jackpot-rgs:debit:tx-%801', 'tx-50%': 'jackpot-rgs:debit:tx-50%', 'tx-%41': 'jackpot-rgs:debit:tx-%41', 'tx-ü/ß': 'jackpot-rgs:debit:tx-%FC/%DF' };
  for (const [tx, badHeader] of Object.entries(wrong)) {
    const key = `jackpot-rgs:debit:${tx}`;
    const body = { ...d, transaction_id: tx, idempotency_key: key };
    tt.equal(validateWalletRequest('debit', body, { ...h, 'idempotency-key': headerSafeKey(key) }), undefined, `key ${key} as ${headerSafeKey(key)}`);
    tt.match(validateWalletRequest('debit', body, { ...h, 'idempotency-key': badHeader }), /does not decode to body idempotency_key/, `${key}: header ${badHeader} is caught`);
  }
});

t.test('validateWalletRequest: the HMAC pair', async (tt) => {
  const d = samples.debit!;
  const secret = 'wallet-secret';
  const raw = JSON.stringify(d);
  const ts = '1700000000';
  const sig = createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex');
  const signed = { ...headersFor(d), 'x-gateway-timestamp': ts, 'x-gateway-signature': sig };
  tt.equal(validateWalletRequest('debit', d, signed), undefined, 'signed, no secret given: headers checked for shape only');
  tt.equal(validateWalletRequest('debit', d, signed, { hmacSecret: secret }), undefined, 'signature verified');
  tt.equal(validateWalletRequest('debit', d, signed, { hmacSecret: secret, rawBody: raw }), undefined, 'over the raw body');
  tt.match(validateWalletRequest('debit', d, signed, { hmacSecret: 'rotated' }), /x-gateway-signature does not match/);
  tt.match(validateWalletRequest('debit', d, signed, { hmacSecret: secret, rawBody: `${raw} ` }), /does not match/, 'one byte more in the body');
  tt.match(validateWalletRequest('debit', d, headersFor(d), { hmacSecret: secret }), /unsigned, but a wallet.hmac_secret is set/);
  tt.match(validateWalletRequest('debit', d, { ...headersFor(d), 'x-gateway-timestamp': ts }), /must be sent together/);
  tt.match(validateWalletRequest('debit', d, { ...headersFor(d), 'x-gateway-signature': sig }), /must be sent together/);
  tt.match(validateWalletRequest('debit', d, { ...signed, 'x-gateway-signature': sig.toUpperCase() }), /x-gateway-signature must match pattern/, 'lower-case hex');
  tt.match(validateWalletRequest('debit', d, { ...signed, 'x-gateway-timestamp': '1700000000.5' }), /x-gateway-timestamp must match pattern/, 'whole seconds');
  tt.match(validateWalletRequest('debit', d, { ...signed, 'x-gateway-timestamp': '2023-11-14T22:13:20Z' }), /x-gateway-timestamp must match pattern/, 'unix seconds, not ISO');
});

t.test('validateWalletAnswer: answers of each operation', async (tt) => {
  tt.equal(validateWalletAnswer('authenticate', 200, { balance: '100.00', currency: 'USD', player_name: 'Ann', country: 'MT', language: 'en' }), undefined);
  tt.equal(validateWalletAnswer('balance', 200, { balance: '0' }), undefined, 'currency is optional');
  for (const op of ['debit', 'credit', 'rollback']) tt.equal(validateWalletAnswer(op, 200, { balance: '98.50', currency: 'USD', wallet_transaction_id: 'w-1' }), undefined, op);
  tt.equal(validateWalletAnswer('debit', 200, { balance: '98.50', wallet_transaction_id: 'w-1', extra: true }), undefined, 'answers are open: extra fields ignored');
  tt.equal(validateWalletAnswer('debit', 402, { error: { code: 'INSUFFICIENT_FUNDS', message: 'no' }, balance: '5.00', currency: 'USD' }), undefined);
  tt.equal(validateWalletAnswer('rollback', 404, { error: { code: 'TRANSACTION_NOT_FOUND', message: 'unknown' } }), undefined);

  tt.match(validateWalletAnswer('debit', 200, { balance: '98.50' }), /required property 'wallet_transaction_id'/, 'money success without a wallet transaction id');
  tt.match(validateWalletAnswer('balance', 200, { currency: 'USD' }), /required property 'balance'/);
  tt.match(validateWalletAnswer('balance', 200, { balance: 98.5 }), /\/balance must be string/, 'balance as a JSON number');
  tt.match(validateWalletAnswer('balance', 200, { balance: '1e3' }), /\/balance must match pattern/);
  tt.match(validateWalletAnswer('debit', 402, { error: { code: 'NO_MONEY', message: 'no' } }), /\/error\/code must be equal to one of the allowed values/, 'unknown code');
  tt.match(validateWalletAnswer('debit', 402, { code: 'INSUFFICIENT_FUNDS' }), /required property 'error'/);
  tt.match(validateWalletAnswer('debit', 503, {}), /neither a success \(200\) nor a rejection/);
});

// ---- docs/wallet-contract.md ----

t.test('docs/wallet-contract.md: links the document, and its examples are valid against it', async (tt) => {
  const md = readFileSync(path.join(PACKAGE_ROOT, 'docs', 'wallet-contract.md'), 'utf8');
  tt.ok(md.includes('](../openapi/wallet.yaml)'), 'links ../openapi/wallet.yaml');
  tt.notOk(/shared\//.test(md), 'stands on its own');
  const blocks = [...md.matchAll(/(<!-- signed example: secret (\S+) -->\n)?```(http|json)\n([\s\S]*?)\n```/g)];
  let lastOperation = 'debit';
  let checked = 0;
  for (const [, , secret, lang, text] of blocks) {
    if (lang === 'http') {
      const [head, body = ''] = text!.split('\n\n');
      const [start, ...lines] = head!.split('\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const request = /^POST \/(\w+) HTTP\/1\.1$/.exec(start!);
      if (request) {
        lastOperation = request[1]!;
        tt.equal(validateWalletRequest(lastOperation, JSON.parse(body), headers, secret ? { hmacSecret: secret, rawBody: body } : {}), undefined, `${start}${secret ? ' (signature verified)' : ''}`);
      } else {
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(start!)?.[1]);
        tt.equal(validateWalletAnswer(lastOperation, status, JSON.parse(body)), undefined, `${lastOperation} answer ${start}`);
      }
    } else {
      const v = JSON.parse(text!) as Record<string, unknown>;
      if (typeof v.operation === 'string') tt.equal(validateWalletRequest(v.operation, v, headersFor(v)), undefined, `${v.operation} body example`);
      else tt.equal(validateWalletAnswer('debit', v.error ? 402 : 200, v), undefined, `answer example ${text!.slice(0, 40)}`);
    }
    checked++;
  }
  tt.ok(checked >= 8, `${checked} examples checked`);
  tt.ok(blocks.some((b) => b[2]), 'a signed example is checked');
});
