import t from 'tap';
import { JsonNumber, JsonSyntaxError, parseJson, type JsonValue } from '../../gateway/json/parse-json.js';
import { jsonDifference } from './json-equal.js';
import { label } from './label.js';

/** Texts JSON.parse accepts. Each must parse to the same value, numbers as exact text. */
const VALID: readonly string[] = [
  // numbers
  '0', '-0', '1', '-1', '10', '1.5', '1.50', '0.1', '0.30000000000000004', '-0.0', '1e3', '1E3',
  '1e+3', '1e-3', '1E-0', '-1.25e-10', '0e0', '0.0e+00', '9007199254740993',
  '123456789012345678901234567890', '1e400', '-1e400', '5e-400', '2.2250738585072014e-308',
  // literals and strings
  'true', 'false', 'null', '""', '"a"', '"\\u0041"', '"\\u00e9\\u00E9"', '"\\ud83d\\ude00"', '"😀"',
  '"\\ud800"', '"\\udc00x"', '"x\\ud800\\ud800"', '"\ud800"', '"\udfff\ud800"',
  '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\u007f"', '"\u2028\u2029"', '"\u00a0"', '"a\\u0000b"',
  '"/"', "\"'\"", '"ключ 键 値"',
  // containers and whitespace
  '[]', '{}', '[[]]', '[{}]', '{"a":[]}', ' [ 1 , 2 ] ', '\t\r\n{"a"\n:\t1}\n', '  "x"  ',
  '{"a":{"b":{"c":[1,{"d":null}]}}}', '{"":1}', '{"a":1,"a":2}', '{"a":{"x":1},"a":[2]}',
  '{"b":1,"a":2,"1":3,"0":4,"-1":5,"01":6}', '{"__proto__":1}', '{"constructor":{"prototype":1}}',
  '{"toString":"x","hasOwnProperty":1,"valueOf":null}', '[1,"2",true,null,{},[]]',
  '{"ключ":"значение","键":"値","k\\u00e9y":1}',
  '{"playerId":"p-1","amount":10.50,"currency":"USD","roundId":"r-9","txId":"t-1","meta":{"x":[1,2.5e1,-3]}}',
];

/** Texts JSON.parse refuses. Each must throw JsonSyntaxError. */
const INVALID: readonly string[] = [
  // empty and whitespace
  '', ' ', '\n\t\r ',
  // trailing commas and missing members
  '[1,]', '{"a":1,}', '[,]', '{,}', '[1,,2]', '[,1]', '{"a":1,,"b":2}', '[1 2]', '{"a":1 "b":2}',
  // keys
  '{a:1}', "{'a':1}", '{"a"}', '{"a" 1}', '{"a":}', '{1:1}', '{"a"::1}', '{null:1}',
  // quotes, comments
  "'a'", "['a']", '// c\n1', '/* c */1', '1 // c', '[1/* c */]', '#1',
  // numbers
  '01', '-01', '00', '1.', '.5', '-.5', '1.e3', '+1', '-', '--1', '1e', '1e+', '1E-', '1ee3', '0x10',
  '0X1F', '1_000', 'NaN', '-NaN', 'Infinity', '-Infinity', '1.5.5', '1e3.5', '- 1', '٣', '１',
  // literals
  'tru', 'True', 'TRUE', 'nul', 'NULL', 'undefined', 'fals', 'truex', 'nulll',
  // strings
  '"abc', '"', '"\\"', '"\\x41"', '"\\U0041"', '"\\u12"', '"\\u12G4"', '"\\u"', "\"\\'\"", '"\\a"',
  '"\\0"', '"a\nb"', '"a\tb"', '"\u0000"', '"\u001f"', '"\r"',
  // structure
  '[', ']', '{', '}', '[1', '{"a":1', '[1]]', '{}}', '1 2', '[1] [2]', '{"a":1}x', 'x',
  // whitespace JSON does not know, and a BOM
  '\uFEFF{}', '\u00a0[]', '[\u000b1]', '[\u000c1]', '\u2028[]', '[1]\u2029', '[1]\u0000',
];

t.test('numbers keep their exact token text', async (t) => {
  const cases: Array<[string, string]> = [
    ['10.50', '10.50'], ['0.1', '0.1'], ['-0', '-0'], ['1E+3', '1E+3'], ['1e-7', '1e-7'],
    ['123456789012345678901234567890', '123456789012345678901234567890'], ['0.30000000000000004', '0.30000000000000004'],
    [' 489.5 ', '489.5'],
  ];
  for (const [text, raw] of cases) {
    const v = parseJson(text);
    t.ok(v instanceof JsonNumber, `${text} is a JsonNumber`);
    t.equal((v as JsonNumber).raw, raw, `${text} keeps ${raw}`);
  }
  const body = parseJson('{"amount":10.10,"list":[1.0,2.00]}') as Record<string, JsonValue>;
  t.equal((body.amount as JsonNumber).raw, '10.10');
  t.same((body.list as JsonNumber[]).map((n) => n.raw), ['1.0', '2.00']);
  t.equal(new JsonNumber('2.5').toNumber(), 2.5, 'toNumber for non-money uses');
});

t.test('accepts what JSON.parse accepts, with the same values', async (t) => {
  for (const text of VALID) {
    const expected: unknown = JSON.parse(text);
    const diff = jsonDifference(parseJson(text), expected);
    t.equal(diff, undefined, `equivalent: ${label(text)}`);
    const diffBuf = jsonDifference(parseJson(Buffer.from(text, 'utf8')), expected);
    // A raw lone surrogate cannot be encoded in UTF-8 (Buffer.from writes U+FFFD), so compare
    // Buffers only for texts that survive the round trip.
    if (Buffer.from(text, 'utf8').toString('utf8') === text) t.equal(diffBuf, undefined, `equivalent as Buffer: ${label(text)}`);
  }
});

t.test('refuses everything JSON.parse refuses', async (t) => {
  for (const text of INVALID) {
    t.throws(() => JSON.parse(text), SyntaxError, `JSON.parse refuses ${label(text)} (corpus sanity)`);
    try {
      parseJson(text);
      t.fail(`accepted ${label(text)}`);
    } catch (e) {
      t.ok(e instanceof JsonSyntaxError, `JsonSyntaxError for ${label(text)}`);
      t.ok(e instanceof Error);
      const err = e as JsonSyntaxError;
      t.ok(Number.isInteger(err.position) && err.position >= 0 && err.position <= text.length, `position in range for ${label(text)}`);
    }
  }
});

t.test('error positions and messages point at the problem', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['[1,]', 3, /unexpected character ']'/],
    ['{"a":1,}', 7, /expected a string key/],
    ['01', 1, /leading zeros/],
    ['-01', 2, /leading zeros/],
    ['1.', 2, /digit after the decimal point/],
    ['1e+', 3, /digit in the exponent/],
    ['"ab\ncd"', 3, /control character/],
    ['"abc', 4, /unterminated string/],
    ['"a\\qb"', 3, /invalid escape/],
    ['"\\u12x4"', 5, /invalid \\u escape/],
    ['[1] 2', 4, /after the JSON value/],
    ['\uFEFF[]', 0, /U\+FEFF/],
    ['{"a" 1}', 5, /expected ':'/],
    ['[1 2]', 3, /expected ',' or '\]'/],
    ['{"a":1 "b":2}', 7, /expected ',' or '}'/],
    ['[tru]', 4, /unexpected character '\]'/],
    ['', 0, /unexpected end of input/],
  ];
  for (const [text, position, message] of cases) {
    t.throws(() => parseJson(text), { name: 'JsonSyntaxError', position, message }, label(text));
  }
  const e = t.throws(() => parseJson('[1,]')) as JsonSyntaxError;
  t.equal(e.message, "unexpected character ']' at position 3");
  t.equal(e.reason, "unexpected character ']'");
});

t.test('objects have a null prototype: no prototype pollution', async (t) => {
  const v = parseJson('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as Record<string, JsonValue>;
  t.equal(Object.getPrototypeOf(v), null);
  t.ok(Object.hasOwn(v, '__proto__'), '__proto__ is an own property');
  t.same(Object.keys(v), ['__proto__', 'constructor']);
  t.equal((v['__proto__'] as Record<string, JsonValue>).polluted, true);
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  t.equal((Object.prototype as unknown as Record<string, unknown>).polluted, undefined);
  const nested = parseJson('[{"a":{"__proto__":{"x":1}}}]') as Array<Record<string, Record<string, JsonValue>>>;
  t.equal(Object.getPrototypeOf(nested[0]), null, 'nested objects too');
  t.equal(Object.getPrototypeOf(nested[0]!.a), null);
  t.ok(Object.hasOwn(nested[0]!.a!, '__proto__'));
  t.equal((nested[0]!.a as Record<string, unknown>).x, undefined, 'no inherited x');
  const inherited = parseJson('{}') as Record<string, unknown>;
  t.equal(inherited.toString, undefined, 'no inherited members at all');
  t.ok(Array.isArray(parseJson('[]')), 'arrays are real arrays');
});

t.test('duplicate keys: last wins, first position kept (as JSON.parse)', async (t) => {
  const v = parseJson('{"a":1,"b":2,"a":3}') as Record<string, JsonNumber>;
  t.same(Object.keys(v), ['a', 'b']);
  t.equal(v.a!.raw, '3');
});

t.test('depth limit', async (t) => {
  const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  const nestObj = (n: number): string => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
  t.doesNotThrow(() => parseJson(nest(64)), '64 levels by default');
  t.doesNotThrow(() => parseJson(nestObj(64)), '64 object levels');
  t.throws(() => parseJson(nest(65)), { name: 'JsonSyntaxError', position: 64, message: /nesting deeper than 64/ });
  t.throws(() => parseJson(nestObj(65)), { name: 'JsonSyntaxError', message: /nesting deeper than 64/ });
  t.throws(() => parseJson('[[[1]]]', { maxDepth: 2 }), { position: 2, message: /deeper than 2/ });
  t.doesNotThrow(() => parseJson('[[1],[2],{"a":[3]}]', { maxDepth: 3 }), 'siblings do not add up');
  t.throws(() => parseJson('[]', { maxDepth: 0 }), /deeper than 0/);
  t.doesNotThrow(() => parseJson('1', { maxDepth: 0 }), 'scalars have depth 0');
  t.throws(() => parseJson('['.repeat(1_000_000)), /nesting deeper than 64/, 'hostile nesting: no stack overflow');
  t.doesNotThrow(() => parseJson(nest(500), { maxDepth: 1000 }), 'limit is configurable');
  t.throws(() => parseJson('[]', { maxDepth: Number.NaN }), RangeError, 'NaN would disable the limit');
  t.throws(() => parseJson('[]', { maxDepth: Number.POSITIVE_INFINITY }), RangeError);
  t.throws(() => parseJson('[]', { maxDepth: -1 }), RangeError);
});

t.test('Buffer input: UTF-8 only, BOM refused', async (t) => {
  const v = parseJson(Buffer.from('{"name":"Zoë 😀","amount":1.5}', 'utf8')) as Record<string, JsonValue>;
  t.equal(v.name, 'Zoë 😀');
  t.equal((v.amount as JsonNumber).raw, '1.5');
  t.throws(() => parseJson(Buffer.from([0xef, 0xbb, 0xbf, 0x5b, 0x5d])), { name: 'JsonSyntaxError', position: 0, message: /U\+FEFF/ }, 'UTF-8 BOM');
  // '["' then an invalid byte at offset 2 (0xff), an overlong '/' (c0 af), a UTF-8-encoded surrogate (ed a0 80), a truncated sequence
  t.throws(() => parseJson(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d])), { message: /invalid UTF-8/, position: 2 });
  t.throws(() => parseJson(Buffer.from([0x22, 0x61, 0xc0, 0xaf, 0x22])), { message: /invalid UTF-8/, position: 2 });
  t.throws(() => parseJson(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])), { message: /invalid UTF-8/, position: 1 });
  t.throws(() => parseJson(Buffer.from([0x22, 0x61, 0xe2, 0x82])), { message: /invalid UTF-8/, position: 2 });
  t.throws(() => parseJson(Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22])), { message: /invalid UTF-8/, position: 1 }, 'above U+10FFFF');
  // valid 2-, 3- and 4-byte sequences, then 0xc3 followed by '(' (not a continuation byte) at offset 10
  t.throws(() => parseJson(Buffer.from([0x22, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xc3, 0x28, 0x22])), { message: /invalid UTF-8/, position: 10 });
  t.throws(() => parseJson(Buffer.from([0x80, 0x22])), { message: /invalid UTF-8/, position: 0 }, 'lone continuation byte');
  t.throws(() => parseJson(Buffer.from([0x22, 0xf5, 0x80, 0x80, 0x80, 0x22])), { message: /invalid UTF-8/, position: 1 }, 'invalid lead byte');
  t.throws(() => parseJson(Buffer.from([0x22, 0xe0, 0x80, 0xaf, 0x22])), { message: /invalid UTF-8/, position: 1 }, 'overlong 3-byte form');
  t.throws(() => parseJson(Buffer.from([0x22, 0xf0, 0x80, 0x80, 0xaf, 0x22])), { message: /invalid UTF-8/, position: 1 }, 'overlong 4-byte form');
  t.throws(() => parseJson(Buffer.alloc(0)), /unexpected end of input/);
});

t.test('state does not leak between calls', async (t) => {
  t.throws(() => parseJson('[[[[{"a":'));
  t.same(Object.keys(parseJson('{"b":1}') as object), ['b'], 'a failed parse leaves nothing behind');
  t.throws(() => parseJson('[[1]]', { maxDepth: 1 }));
  t.doesNotThrow(() => parseJson('[[[1]]]'), 'maxDepth is per call');
  t.equal(String(new JsonNumber('10.50')), '10.50', 'toString is the raw text');
});

t.test('long strings with and without escapes', async (t) => {
  const long = 'x'.repeat(10_000);
  t.equal(parseJson(`"${long}"`), long);
  t.equal(parseJson(`"${long}\\n${long}\\u0041"`), `${long}\n${long}A`);
  t.equal(parseJson('"\\\\"'), '\\');
  t.equal(parseJson('"a\\"b"'), 'a"b');
});

// ---- Randomised equivalence: generated documents and their mutations ----

/** Deterministic PRNG (mulberry32) so a failure is reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(rand: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const ws = (): string => (rand() < 0.7 ? '' : pick([' ', '\n', '\t', '\r\n', '  ']));
  const digits = (n: number): string => Array.from({ length: n }, () => pick('0123456789'.split(''))).join('');
  const number = (): string => {
    let s = rand() < 0.3 ? '-' : '';
    s += rand() < 0.2 ? '0' : pick('123456789'.split('')) + digits(Math.floor(rand() * 18));
    if (rand() < 0.5) s += '.' + digits(1 + Math.floor(rand() * 8));
    if (rand() < 0.2) s += pick(['e', 'E']) + pick(['', '+', '-']) + digits(1 + Math.floor(rand() * 3));
    return s;
  };
  const string = (): string => {
    const parts = ['a', 'Z', ' ', 'é', '😀', '\\n', '\\"', '\\\\', '\\/', '\\u0041', '\\ud800', '\\uDC00', '\\t', '\u2028', '\u007f', '_'];
    let s = '"';
    const n = Math.floor(rand() * 6);
    for (let i = 0; i < n; i++) s += pick(parts);
    return s + '"';
  };
  const r = rand();
  if (depth <= 0 || r < 0.45) return ws() + pick([number, string, () => pick(['true', 'false', 'null'])])() + ws();
  const n = Math.floor(rand() * 4);
  if (r < 0.7) {
    const items = Array.from({ length: n }, () => generate(rand, depth - 1));
    return `${ws()}[${items.join(',')}]${ws()}`;
  }
  const members = Array.from({ length: n }, () => `${ws()}${pick([string(), '"__proto__"', '"a"', '"1"'])}${ws()}:${generate(rand, depth - 1)}`);
  return `${ws()}{${members.join(',')}}${ws()}`;
}

function mutate(rand: () => number, text: string): string {
  const noise = ['', ',', ']', '}', '[', '{', '"', '\\', ':', '0', '1', '-', '+', '.', 'e', ' ', '\n', '\u000b', '\u0000', '\uFEFF', "'", '/', 'x', 'n', 't'];
  const at = Math.floor(rand() * (text.length + 1));
  const kind = rand();
  if (kind < 0.4) return text.slice(0, at) + text.slice(at + 1); // delete
  if (kind < 0.8) return text.slice(0, at) + noise[Math.floor(rand() * noise.length)] + text.slice(at); // insert
  return text.slice(0, at) + (noise[Math.floor(rand() * noise.length)] as string) + text.slice(at + 1); // replace
}

t.test('randomised: same acceptance and values as JSON.parse', async (t) => {
  const rand = prng(20241121);
  let accepted = 0;
  let refused = 0;
  let mismatches = 0;
  for (let i = 0; i < 4000; i++) {
    const doc = generate(rand, 5);
    for (const text of [doc, mutate(rand, doc), mutate(rand, mutate(rand, doc))]) {
      let expected: unknown;
      let jsonOk = true;
      try {
        expected = JSON.parse(text);
      } catch {
        jsonOk = false;
      }
      let actual: JsonValue | undefined;
      let oursOk = true;
      try {
        actual = parseJson(text);
      } catch (e) {
        oursOk = false;
        if (!(e instanceof JsonSyntaxError)) {
          t.fail(`non-JsonSyntaxError for ${label(text)}: ${String(e)}`);
        }
      }
      if (jsonOk !== oursOk) {
        if (mismatches++ < 5) t.fail(`acceptance differs for ${label(text)}: JSON.parse ${jsonOk}, parseJson ${oursOk}`);
        continue;
      }
      if (jsonOk) {
        accepted++;
        const diff = jsonDifference(actual, expected);
        if (diff !== undefined && mismatches++ < 5) t.fail(`value differs for ${label(text)}: ${diff}`);
      } else {
        refused++;
      }
    }
  }
  t.equal(mismatches, 0, 'no mismatches');
  t.ok(accepted > 3000 && refused > 3000, `both paths exercised (accepted ${accepted}, refused ${refused})`);
});
