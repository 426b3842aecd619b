import t from 'tap';
import { JsonNumber } from '../../gateway/json/json-number.js';
import { parseJson } from '../../gateway/json/parse-json.js';
import { stringifyJson } from '../../gateway/json/stringify-json.js';
import { label } from './label.js';

t.test('JsonNumber is written as its raw text', async (t) => {
  t.equal(stringifyJson({ balance: new JsonNumber('489.5') }), '{"balance":489.5}');
  t.equal(stringifyJson({ balance: new JsonNumber('489.50') }), '{"balance":489.50}', 'fixed decimals survive');
  t.equal(stringifyJson([new JsonNumber('0.1'), new JsonNumber('-0'), new JsonNumber('1E+3')]), '[0.1,-0,1E+3]');
  t.equal(stringifyJson(new JsonNumber('123456789012345678901234567890')), '123456789012345678901234567890');
  t.equal(stringifyJson({ a: new JsonNumber('48950') }), '{"a":48950}');
});

t.test('a JsonNumber that is not a JSON number is refused, never injected', async (t) => {
  for (const raw of ['', '1,2', '1}', '01', '1.', '.5', '+1', 'NaN', 'Infinity', '0x10', ' 1', '1 ', '1e', '"1"']) {
    t.throws(() => stringifyJson({ a: new JsonNumber(raw) }), TypeError, label(raw));
  }
  t.equal(JsonNumber.isValid('1e3'), true);
  t.equal(JsonNumber.isValid('01'), false);
});

t.test('same output as JSON.stringify for plain values', async (t) => {
  const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
  const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { z: 1, a: [true] });
  const corpus: unknown[] = [
    null, true, false, 0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 123456789, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity,
    '', 'a', 'quote " backslash \\ slash /', '\n\r\t\b\f\u0000\u001f\u007f', 'é😀', '\ud800', '\udc00\ud800', '\u2028\u2029',
    [], {}, [1, 'a', null, [2, [3]]], { a: 1, b: 'x', c: null, d: [], e: {} },
    { u: undefined, f: () => 1, s: Symbol('x'), keep: 1 },
    [undefined, () => 1, Symbol('y'), 2],
    { '': 1, '1': 2, '0': 3, b: 4, 'a"b': 5, 'é': 6 },
    { date }, [date],
    { custom: { toJSON: (key: string) => `key=${key}` } }, [{ toJSON: (key: string) => `index=${key}` }],
    { nested: { toJSON: () => ({ inner: [1, undefined] }) } },
    [new Number(3), new String('s'), new Boolean(false)],
    nullProto, { inner: nullProto },
    new Map([[1, 2]]), new Set([1]),
    { playerId: 'p-1', amount: '10.5', currency: 'USD', meta: { x: [1, 2.5, -3] } },
  ];
  for (const value of corpus) {
    t.equal(stringifyJson(value), JSON.stringify(value), `same as JSON.stringify: ${label(String(JSON.stringify(value)))}`);
  }
});

t.test('__proto__ own properties are written', async (t) => {
  const v = parseJson('{"__proto__":{"x":1},"a":2}');
  t.equal(stringifyJson(v), '{"__proto__":{"x":1},"a":2}');
});

t.test('round trip keeps numbers exactly as written', async (t) => {
  const texts = [
    '{"amount":10.50,"balance":489.5,"big":123456789012345678901234567890,"tiny":1e-7,"neg":-0}',
    '[0.1,0.2,0.30000000000000004]',
    '{"a":[{"b":{"c":[1.000,"x",true,null]}}]}',
  ];
  for (const text of texts) t.equal(stringifyJson(parseJson(text)), text);
});

t.test('errors JSON.stringify also raises, and top-level values it cannot write', async (t) => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  t.throws(() => stringifyJson(cyclic), TypeError, 'cycle');
  const arr: unknown[] = [];
  arr.push([arr]);
  t.throws(() => stringifyJson(arr), TypeError, 'cycle through arrays');
  t.throws(() => stringifyJson({ n: 10n }), TypeError, 'BigInt');
  t.throws(() => stringifyJson(undefined), TypeError, 'top-level undefined');
  t.throws(() => stringifyJson(() => 1), TypeError, 'top-level function');
  const shared = { x: 1 };
  t.equal(stringifyJson({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}', 'shared (non-cyclic) references are fine');
});

t.test('the native fast path and the exact writer agree; anything special takes the writer', async (t) => {
  // Values with a JsonNumber, a toJSON or a BigInt deep inside, next to plain siblings.
  t.equal(stringifyJson({ a: { b: [1, { c: new JsonNumber('1.10') }] }, d: 'x' }), '{"a":{"b":[1,{"c":1.10}]},"d":"x"}');
  t.equal(stringifyJson({ a: { toJSON: () => new JsonNumber('2.50') } }), '{"a":2.50}', 'toJSON returning a JsonNumber');
  t.throws(() => stringifyJson({ a: [{ b: 1n }] }), TypeError);
  t.throws(() => stringifyJson({ a: Object(1n) }), TypeError, 'a boxed BigInt too, on either path');
  // Inherited enumerable members are not written (as JSON.stringify), whichever path runs.
  const child = Object.create({ inherited: new JsonNumber('9') }) as Record<string, unknown>;
  child.own = 1;
  t.equal(stringifyJson(child), '{"own":1}');
  // Deep but acyclic: past the fast path's depth the writer still answers correctly.
  let deep: unknown = 'leaf';
  for (let i = 0; i < 40; i++) deep = { n: deep };
  t.equal(stringifyJson(deep), JSON.stringify(deep));
  // A cycle deeper than the fast path's depth is still reported as a cycle.
  const cyc: Record<string, unknown> = {};
  let at = cyc;
  for (let i = 0; i < 40; i++) at = (at.n = {}) as Record<string, unknown>;
  at.back = cyc;
  t.throws(() => stringifyJson(cyc), /circular/);
  t.throws(() => stringifyJson(undefined), /top-level undefined/);
});
