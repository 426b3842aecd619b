import t from 'tap';
import { label } from '../json/label.js';
import { renderAmount } from '../../gateway/amount/render-amount.js';
import { JsonNumber } from '../../gateway/json/json-number.js';
import { stringifyJson } from '../../gateway/json/stringify-json.js';

/** The raw text of a JsonNumber result (fails the type check otherwise). */
function raw(v: string | JsonNumber): string {
  if (!(v instanceof JsonNumber)) throw new Error(`expected a JsonNumber, got ${JSON.stringify(v)}`);
  return v.raw;
}

t.test('string format', async (t) => {
  t.equal(renderAmount('489.5', { format: 'string', decimals: 2 }), '489.50');
  t.equal(renderAmount('489.5', { format: 'string' }), '489.5', 'canonical when decimals is omitted');
  t.equal(renderAmount('489.50', { format: 'string' }), '489.5', 'wallet text with trailing zeros is normalised');
  t.equal(renderAmount('0', { format: 'string', decimals: 2 }), '0.00');
  t.equal(renderAmount('0', { format: 'string' }), '0');
  t.equal(renderAmount('10', { format: 'string', decimals: 2 }), '10.00');
  t.equal(renderAmount('10.5', { format: 'string', decimals: 0 }), '10', 'half-even: 10.5 → 10');
  t.equal(renderAmount('1500', { format: 'string', decimals: 0 }), '1500', 'JPY');
  t.equal(renderAmount('10.505', { format: 'string', decimals: 3 }), '10.505', 'KWD');
  t.equal(renderAmount('10.5', { format: 'string', decimals: 3 }), '10.500', 'KWD padded');
  t.equal(renderAmount('123456789012345678901234567890.5', { format: 'string', decimals: 2 }), '123456789012345678901234567890.50', 'no size limit, no float');
  t.type(renderAmount('1', { format: 'string' }), 'string');
});

t.test('number format: a JsonNumber written from the decimal text', async (t) => {
  t.equal(raw(renderAmount('489.5', { format: 'number' })), '489.5');
  t.equal(raw(renderAmount('489.50', { format: 'number' })), '489.5');
  t.equal(raw(renderAmount('489.5', { format: 'number', decimals: 2 })), '489.50');
  t.equal(raw(renderAmount('0', { format: 'number' })), '0');
  t.equal(raw(renderAmount('0.1', { format: 'number' })), '0.1');
  t.equal(raw(renderAmount('1500', { format: 'number', decimals: 0 })), '1500');
  t.equal(stringifyJson({ balance: renderAmount('489.5', { format: 'number' }) }), '{"balance":489.5}');
  t.equal(stringifyJson({ balance: renderAmount('489.5', { format: 'number', decimals: 2 }) }), '{"balance":489.50}');
  t.equal(stringifyJson({ balance: renderAmount('489.5', { format: 'string', decimals: 2 }) }), '{"balance":"489.50"}');
});

t.test('integer format: scaled exactly', async (t) => {
  t.equal(raw(renderAmount('489.5', { format: 'integer', scale: 2 })), '48950');
  t.equal(raw(renderAmount('10.5', { format: 'integer', scale: 5 })), '1050000');
  t.equal(raw(renderAmount('10.5', { format: 'integer', scale: 2 })), '1050');
  t.equal(raw(renderAmount('0', { format: 'integer', scale: 2 })), '0');
  t.equal(raw(renderAmount('0.01', { format: 'integer', scale: 2 })), '1');
  t.equal(raw(renderAmount('1500', { format: 'integer' })), '1500', 'scale defaults to 0');
  t.equal(raw(renderAmount('10.505', { format: 'integer', scale: 3 })), '10505', 'KWD fils');
  t.equal(raw(renderAmount('92233720368547758.07', { format: 'integer', scale: 2 })), '9223372036854775807', 'beyond 2^53, exact');
});

t.test('more decimals than the output carries: rounded half-even', async (t) => {
  const s2 = { format: 'string', decimals: 2 } as const;
  t.equal(renderAmount('0.125', s2), '0.12', 'tie, 2 is even: down');
  t.equal(renderAmount('0.135', s2), '0.14', 'tie, 3 is odd: up');
  t.equal(renderAmount('0.1251', s2), '0.13', 'above the tie: up');
  t.equal(renderAmount('0.1249999', s2), '0.12', 'below the tie: down');
  t.equal(renderAmount('0.12500000', s2), '0.12', 'trailing zeros keep it a tie');
  t.equal(renderAmount('10.005', s2), '10.00');
  t.equal(renderAmount('10.015', s2), '10.02');
  t.equal(renderAmount('9.995', s2), '10.00', 'carry into the integer part');
  t.equal(renderAmount('99.999', s2), '100.00');
  t.equal(renderAmount('0.004', s2), '0.00');
  t.equal(renderAmount('0.005', s2), '0.00', 'tie to even zero');
  t.equal(renderAmount('0.015', s2), '0.02');
  const s0 = { format: 'string', decimals: 0 } as const;
  t.equal(renderAmount('0.5', s0), '0');
  t.equal(renderAmount('1.5', s0), '2');
  t.equal(renderAmount('2.5', s0), '2');
  t.equal(renderAmount('2.51', s0), '3');
  t.equal(raw(renderAmount('489.505', { format: 'integer', scale: 2 })), '48950', 'tie, even: down');
  t.equal(raw(renderAmount('489.515', { format: 'integer', scale: 2 })), '48952', 'tie, odd: up');
  t.equal(raw(renderAmount('0.12345678', { format: 'integer', scale: 6 })), '123457', 'crypto balance into a 6-decimal provider');
  t.equal(raw(renderAmount('0.125', { format: 'number', decimals: 2 })), '0.12');
  t.equal(raw(renderAmount('1.005', { format: 'number', decimals: 2 })), '1.00', 'where a float (1.00499…) would also say 1.00, for the right reason');
  t.equal(raw(renderAmount('1.015', { format: 'number', decimals: 2 })), '1.02', 'a float (1.01499…) would say 1.01');
});

t.test('negative balances (overdraft) keep their sign', async (t) => {
  t.equal(renderAmount('-5', { format: 'string' }), '-5');
  t.equal(renderAmount('-5.5', { format: 'string', decimals: 2 }), '-5.50');
  t.equal(raw(renderAmount('-489.5', { format: 'number' })), '-489.5');
  t.equal(raw(renderAmount('-489.5', { format: 'integer', scale: 2 })), '-48950');
  t.equal(renderAmount('-0.125', { format: 'string', decimals: 2 }), '-0.12', 'half-even is symmetric');
  t.equal(renderAmount('-0.135', { format: 'string', decimals: 2 }), '-0.14');
  t.equal(renderAmount('-0.004', { format: 'string', decimals: 2 }), '0.00', 'rounds to zero: no "-0.00"');
  t.equal(raw(renderAmount('-0.001', { format: 'integer', scale: 2 })), '0', 'no "-0"');
  t.equal(renderAmount('-0', { format: 'string' }), '0');
  t.equal(renderAmount('-0.00', { format: 'string' }), '0');
  t.equal(stringifyJson({ balance: renderAmount('-10.5', { format: 'number' }) }), '{"balance":-10.5}');
});

t.test('malformed input or spec is a TypeError', async (t) => {
  for (const bad of ['', ' 1', '1 ', '+1', '1e3', '.5', '5.', '007', '--1', 'NaN', '1,5', '0x10']) {
    t.throws(() => renderAmount(bad, { format: 'string' }), TypeError, label(bad));
  }
  t.throws(() => renderAmount('1', { format: 'string', decimals: -1 }), TypeError);
  t.throws(() => renderAmount('1', { format: 'string', decimals: 1.5 }), TypeError);
  t.throws(() => renderAmount('1', { format: 'integer', scale: -2 }), TypeError);
  t.throws(() => renderAmount('1', { format: 'cents' as 'integer' }), TypeError);
});

t.test('scale: currency — minor units at the ISO 4217 exponent of the request currency', async (tt) => {
  const { compileAmountRules } = await import('../../gateway/compile/amount-rules.js');
  const r = compileAmountRules({ input: { format: 'integer', scale: 'currency' }, output: { format: 'integer', scale: 'currency' } }, {});
  tt.equal(String(r.write('10.5', 'USD')), '1050', 'USD cents');
  tt.equal(String(r.write('100', 'JPY')), '100', 'whole yen');
  tt.equal(String(r.write('1.25', 'KWD')), '1250', 'KWD fils');
  tt.equal(r.read(new JsonNumber('100'), 'JPY'), '100', '100 minor JPY is 100 yen, not 1');
  tt.equal(r.read(new JsonNumber('1050'), 'USD'), '10.5');
  tt.equal(r.read(new JsonNumber('1250'), 'KWD'), '1.25');
  tt.throws(() => r.read(new JsonNumber('100'), undefined), /needs the currency/, 'no currency: refused, never guessed');
  tt.throws(() => r.read(new JsonNumber('100'), 'XXX1'), /unknown currency/);
});
