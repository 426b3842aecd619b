import t from 'tap';
import { label } from '../json/label.js';
import { addDecimal } from '../../gateway/amount/decimal.js';
import { parseAmount, type AmountInputSpec } from '../../gateway/amount/parse-amount.js';
import { GatewayError } from '../../gateway/errors.js';
import { JsonNumber } from '../../gateway/json/json-number.js';
import { parseJson, type JsonValue } from '../../gateway/json/parse-json.js';

const n = (raw: string): JsonNumber => new JsonNumber(raw);
const STRING: AmountInputSpec = { format: 'string' };
const NUMBER: AmountInputSpec = { format: 'number' };
const NUMBER_EXP: AmountInputSpec = { format: 'number', allowExponent: true };
const USD = 2;
const JPY = 0;
const KWD = 3;

/** The assertions `refused` needs; any tap test object has them. */
interface Asserts {
  ok(value: unknown, message: string): boolean;
  equal(found: unknown, wanted: unknown, message: string): boolean;
  match(found: unknown, pattern: RegExp, message: string): boolean;
  fail(message: string): boolean;
}

/** Asserts a GW_ERR_REQUEST_AMOUNT refusal whose message matches `reason`. */
function refused(t: Asserts, value: unknown, spec: AmountInputSpec, maxDecimals: number, reason: RegExp, name?: string): void {
  const shown = name ?? (typeof value === 'string' ? label(value) : String(value));
  try {
    const got = parseAmount(value, spec, maxDecimals);
    t.fail(`accepted ${shown} as ${got}`);
  } catch (e) {
    t.ok(e instanceof GatewayError, `GatewayError for ${shown}`);
    const err = e as GatewayError;
    t.equal(err.code, 'GW_ERR_REQUEST_AMOUNT', 'code');
    t.equal(err.canonical, 'INVALID_REQUEST', 'canonical code');
    t.match(err.message, reason, `${shown}: ${label(err.message)}`);
  }
}

t.test('string format', async (t) => {
  t.equal(parseAmount('10.50', STRING, USD), '10.5');
  t.equal(parseAmount('10.5', STRING, USD), '10.5');
  t.equal(parseAmount('1234.56', STRING, USD), '1234.56');
  t.equal(parseAmount('0', STRING, USD), '0', 'zero is accepted');
  t.equal(parseAmount('0.00', STRING, USD), '0');
  t.equal(parseAmount('0.5', STRING, USD), '0.5');
  t.equal(parseAmount('100', STRING, USD), '100');
  t.equal(parseAmount('10.500000', STRING, USD), '10.5', 'trailing zeros are not decimals');
  refused(t, '10.505', STRING, USD, /3 decimals, at most 2 allowed/);
  refused(t, '0.001', STRING, USD, /3 decimals, at most 2 allowed/);
});

t.test('currency exponents: JPY 0, KWD 3', async (t) => {
  t.equal(parseAmount('1000', STRING, JPY), '1000');
  t.equal(parseAmount('1000.00', STRING, JPY), '1000');
  refused(t, '1000.5', STRING, JPY, /1 decimals, at most 0 allowed/);
  t.equal(parseAmount(n('1500'), NUMBER, JPY), '1500');
  refused(t, n('0.5'), NUMBER, JPY, /at most 0/);
  t.equal(parseAmount('10.505', STRING, KWD), '10.505');
  t.equal(parseAmount(n('10.505'), NUMBER, KWD), '10.505');
  t.equal(parseAmount(n('10505'), { format: 'integer', scale: 3 }, KWD), '10.505');
  refused(t, '10.5055', STRING, KWD, /4 decimals, at most 3 allowed/);
});

t.test('string format refusals name the reason', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty string/],
    [' 10', /whitespace/], ['10 ', /whitespace/], ['1 0', /whitespace/], ['\t1', /whitespace/], ['1\u00a0', /whitespace/],
    ['-1', /negative/], ['-0', /negative/], ['-0.00', /negative/], ['-10.5', /negative/],
    ['+1', /'\+' sign/],
    ['NaN', /not a finite number/], ['nan', /not a finite number/], ['Infinity', /not a finite number/],
    ['-Infinity', /not a finite number/], ['inf', /not a finite number/],
    ['0x10', /hexadecimal/], ['0X1f', /hexadecimal/], ['0b101', /hexadecimal, octal and binary/],
    ['1e3', /exponent not allowed in a string/], ['1.5E-2', /exponent not allowed in a string/],
    ['007', /leading zeros/], ['00.5', /leading zeros/],
    ['.5', /both sides of the decimal point/], ['5.', /both sides of the decimal point/],
    ['1,50', /','/], ['1.2.3', /not a decimal number/], ['abc', /not a decimal number/], ['١٢', /not a decimal number/],
  ];
  for (const [value, reason] of cases) refused(t, value, STRING, USD, reason, label(value));
});

t.test('significant digits: at most 15, counted on the normalised value', async (t) => {
  t.equal(parseAmount('123456789012345', STRING, USD), '123456789012345', '15 digits');
  refused(t, '1234567890123456', STRING, USD, /more than 15 significant digits/, '16 digits');
  t.equal(parseAmount('1234567890123.45', STRING, USD), '1234567890123.45', '15 digits with decimals');
  refused(t, '12345678901234.56', STRING, USD, /more than 15 significant digits/);
  t.equal(parseAmount('100000000000000', STRING, USD), '100000000000000', 'trailing integer zeros count: 15');
  refused(t, '1000000000000000', STRING, USD, /more than 15 significant digits/, 'trailing integer zeros count: 16');
  t.equal(parseAmount('0.00123', STRING, 5), '0.00123', 'leading zeros do not count');
  t.equal(parseAmount('0.123456789012345', STRING, 15), '0.123456789012345');
  refused(t, '0.1234567890123456', STRING, 16, /more than 15 significant digits/);
  t.equal(parseAmount('10.50000000000000000000', STRING, USD), '10.5', 'trailing fractional zeros do not count');
});

t.test('number format: taken exactly as written', async (t) => {
  t.equal(parseAmount(n('0.1'), NUMBER, USD), '0.1', '0.1 stays 0.1, not 0.1000000000000000055…');
  t.equal(parseAmount(n('10.50'), NUMBER, USD), '10.5');
  t.equal(parseAmount(n('489.5'), NUMBER, USD), '489.5');
  t.equal(parseAmount(n('0'), NUMBER, USD), '0', 'zero is accepted');
  t.equal(parseAmount(n('0.00'), NUMBER, USD), '0');
  t.equal(parseAmount(n('123456789012345'), NUMBER, USD), '123456789012345', '15 digits accepted');
  t.equal(parseAmount(n('12345678901234.5'), NUMBER, USD), '12345678901234.5');
  refused(t, n('1234567890123456'), NUMBER, USD, /more than 15 significant digits/, '16 digits');
  refused(t, n('9007199254740993'), NUMBER, USD, /more than 15 significant digits/, 'beyond 2^53');
  refused(t, n('0.30000000000000004'), NUMBER, USD, /more than 15 significant digits/, 'a float artefact');
  refused(t, n('10.505'), NUMBER, USD, /3 decimals, at most 2 allowed/);
  refused(t, n('-1'), NUMBER, USD, /negative/);
  refused(t, n('-0'), NUMBER, USD, /negative/);
  refused(t, n('-0.0'), NUMBER, USD, /negative/);
  refused(t, n('01'), NUMBER, USD, /not a JSON number/, 'a hand-built JsonNumber is re-checked');
  refused(t, n('NaN'), NUMBER, USD, /not a JSON number/);
  refused(t, n(''), NUMBER, USD, /not a JSON number/);
});

t.test('number format: exponents only when the descriptor allows them', async (t) => {
  refused(t, n('1e3'), NUMBER, USD, /exponent not allowed/);
  refused(t, n('1.05E+2'), NUMBER, USD, /exponent not allowed/);
  refused(t, n('1e0'), NUMBER, USD, /exponent not allowed/);
  t.equal(parseAmount(n('1e3'), NUMBER_EXP, USD), '1000');
  t.equal(parseAmount(n('1E3'), NUMBER_EXP, USD), '1000');
  t.equal(parseAmount(n('1.05E+2'), NUMBER_EXP, USD), '105');
  t.equal(parseAmount(n('1050e-2'), NUMBER_EXP, USD), '10.5');
  t.equal(parseAmount(n('0.0105e3'), NUMBER_EXP, USD), '10.5');
  t.equal(parseAmount(n('1e-2'), NUMBER_EXP, USD), '0.01');
  t.equal(parseAmount(n('4.895e2'), NUMBER_EXP, USD), '489.5');
  t.equal(parseAmount(n('1e0'), NUMBER_EXP, USD), '1');
  t.equal(parseAmount(n('0e10'), NUMBER_EXP, USD), '0');
  t.equal(parseAmount(n('1e14'), NUMBER_EXP, USD), '100000000000000');
  refused(t, n('1e15'), NUMBER_EXP, USD, /more than 15 significant digits/, '1e15 has 16 digits');
  refused(t, n('1e-3'), NUMBER_EXP, USD, /3 decimals, at most 2 allowed/);
  refused(t, n('1e-999999'), NUMBER_EXP, USD, /exponent out of range/);
  refused(t, n('1e99999999999999999999'), NUMBER_EXP, USD, /exponent out of range/);
  refused(t, n('-1e3'), NUMBER_EXP, USD, /negative/);
});

t.test('integer format: scaled exactly', async (t) => {
  const CENTS: AmountInputSpec = { format: 'integer', scale: 2 };
  const E5: AmountInputSpec = { format: 'integer', scale: 5 };
  t.equal(parseAmount(n('1050'), CENTS, USD), '10.5', '1050 cents');
  t.equal(parseAmount('1050', CENTS, USD), '10.5', 'as a string of digits');
  t.equal(parseAmount(n('1050000'), E5, USD), '10.5', '1050000 at 10^5');
  t.equal(parseAmount(n('48950'), CENTS, USD), '489.5');
  t.equal(parseAmount(n('1'), CENTS, USD), '0.01');
  t.equal(parseAmount(n('100'), CENTS, USD), '1');
  t.equal(parseAmount(n('0'), CENTS, USD), '0', 'zero is accepted');
  t.equal(parseAmount('0', CENTS, USD), '0');
  t.equal(parseAmount(n('1050'), { format: 'integer' }, USD), '1050', 'scale defaults to 0');
  t.equal(parseAmount(n('1500'), { format: 'integer', scale: 0 }, JPY), '1500');
  t.equal(parseAmount(n('123456789012345'), CENTS, USD), '1234567890123.45', '15 significant digits');
  t.equal(parseAmount(n('100000000000000000'), E5, USD), '1000000000000', 'counted on the value: 13 digits');
  refused(t, n('1234567890123456'), CENTS, USD, /more than 15 significant digits/);
  refused(t, n('1050001'), E5, USD, /5 decimals, at most 2 allowed/);
  refused(t, n('1'), { format: 'integer', scale: 3 }, USD, /3 decimals, at most 2 allowed/);
  refused(t, n('1050000'), E5, JPY, /1 decimals, at most 0 allowed/);
  refused(t, n('10.5'), CENTS, USD, /expected an integer/);
  refused(t, n('1050.0'), CENTS, USD, /expected an integer/);
  refused(t, n('1e3'), CENTS, USD, /expected an integer/);
  refused(t, n('-1'), CENTS, USD, /negative/);
  refused(t, n('-0'), CENTS, USD, /negative/);
  refused(t, n('0x10'), CENTS, USD, /not a JSON number/);
  refused(t, '-5', CENTS, USD, /negative/);
  refused(t, '10.50', CENTS, USD, /expected an integer/);
  refused(t, '', CENTS, USD, /empty/);
  refused(t, ' 1', CENTS, USD, /whitespace/);
  refused(t, '+1', CENTS, USD, /'\+' sign/);
  refused(t, '0x1F', CENTS, USD, /hexadecimal/);
  refused(t, '007', CENTS, USD, /leading zeros/);
  refused(t, '1e3', CENTS, USD, /exponent/);
  refused(t, 'NaN', CENTS, USD, /not a finite number/);
  refused(t, 1050, CENTS, USD, /JS number/);
  refused(t, null, CENTS, USD, /got null/);
});

t.test('wrong JSON types and plain JS numbers are refused', async (t) => {
  refused(t, 10.5, NUMBER, USD, /expected a JSON number, got a JS number/);
  refused(t, 0, NUMBER, USD, /JS number/);
  refused(t, 10.5, STRING, USD, /JS number/);
  refused(t, Number.NaN, STRING, USD, /JS number/);
  refused(t, '10.5', NUMBER, USD, /expected a JSON number, got a string/);
  refused(t, n('10.5'), STRING, USD, /expected a JSON string of decimal text, got a JSON number/);
  refused(t, null, STRING, USD, /got null/);
  refused(t, undefined, STRING, USD, /got undefined/);
  refused(t, true, NUMBER, USD, /got boolean/);
  refused(t, ['1'], STRING, USD, /got an array/);
  refused(t, { value: '1' }, STRING, USD, /got an object/);
  refused(t, 10n, NUMBER, USD, /got bigint/);
});

t.test('descriptor mistakes are TypeErrors, not request errors', async (t) => {
  t.throws(() => parseAmount('1', STRING, -1), TypeError);
  t.throws(() => parseAmount('1', STRING, 1.5), TypeError);
  t.throws(() => parseAmount(n('1'), { format: 'integer', scale: -2 }, USD), TypeError);
  t.throws(() => parseAmount('1', { format: 'float' as 'string' }, USD), TypeError);
});

t.test('end to end from a body: no 0.1 + 0.2 artefacts anywhere', async (t) => {
  const body = parseJson('{"bet":0.1,"win":0.2,"echo":0.30000000000000004}') as Record<string, JsonValue>;
  const bet = parseAmount(body.bet, NUMBER, USD);
  const win = parseAmount(body.win, NUMBER, USD);
  t.equal(bet, '0.1');
  t.equal(win, '0.2');
  t.equal(addDecimal(bet, win), '0.3');
  refused(t, body.echo, NUMBER, USD, /more than 15 significant digits/);
  const fromJsonParse = JSON.parse('{"amount":0.1}') as { amount: number };
  refused(t, fromJsonParse.amount, NUMBER, USD, /JS number/, 'a body parsed with JSON.parse');
});

t.test('messages quote at most 40 characters of what was sent', async (t) => {
  const long = '1'.repeat(500);
  refused(t, long, STRING, USD, /^invalid amount "1{40}…": more than 15 significant digits$/, 'long input');
});
