import t from 'tap';
import { label } from '../json/label.js';
import {
  addDecimal, compareDecimal, decimalPlaces, fromMinorUnits, isCanonicalDecimal, normalizeDecimal, subtractDecimal, toMinorUnits,
} from '../../gateway/amount/decimal.js';

t.test('normalizeDecimal: canonical form of plain decimal text', async (t) => {
  const ok: Array<[string, string]> = [
    ['0', '0'], ['0.0', '0'], ['0.00', '0'], ['0.5', '0.5'], ['0.50', '0.5'], ['10', '10'], ['10.50', '10.5'],
    ['10.0', '10'], ['100', '100'], ['1234.56', '1234.56'], ['0.001', '0.001'], ['0.0010', '0.001'],
    ['999999999999999999999.999999', '999999999999999999999.999999'],
  ];
  for (const [input, want] of ok) t.equal(normalizeDecimal(input), want, `${input} → ${want}`);
  const bad = ['', ' ', '007', '00', '00.5', '.5', '5.', '.', '-1', '-0', '+1', '1e3', '1E3', ' 1', '1 ', '1,5', '0x10',
    'NaN', 'Infinity', '1.2.3', '١', '１'];
  for (const input of bad) t.equal(normalizeDecimal(input), undefined, `refused: ${label(input)}`);
});

t.test('isCanonicalDecimal', async (t) => {
  for (const d of ['0', '0.5', '10.5', '1234.56', '100']) t.ok(isCanonicalDecimal(d), d);
  for (const d of ['', '0.0', '10.50', '010', '-1', '1e3', '.5', '5.']) t.notOk(isCanonicalDecimal(d), d);
});

t.test('decimalPlaces', async (t) => {
  t.equal(decimalPlaces('0'), 0);
  t.equal(decimalPlaces('1000'), 0);
  t.equal(decimalPlaces('10.5'), 1);
  t.equal(decimalPlaces('0.001'), 3);
  t.equal(decimalPlaces('-1.25'), 2);
});

t.test('toMinorUnits / fromMinorUnits', async (t) => {
  t.equal(toMinorUnits('10.5', 2), 1050n);
  t.equal(toMinorUnits('10.50', 1), 105n, 'trailing zeros are not decimals');
  t.equal(toMinorUnits('0', 2), 0n);
  t.equal(toMinorUnits('7', 0), 7n);
  t.equal(toMinorUnits('0.001', 3), 1n);
  t.equal(toMinorUnits('-1.5', 2), -150n);
  t.equal(toMinorUnits('-0', 2), 0n);
  t.equal(toMinorUnits('10.5', 8), 1050000000n);
  t.equal(toMinorUnits('123456789012345678901234567890.12', 2), 12345678901234567890123456789012n, 'beyond 2^53');
  t.throws(() => toMinorUnits('0.001', 2), RangeError, 'would have to round');
  t.throws(() => toMinorUnits('10.55', 1), RangeError);
  for (const bad of ['', ' 12', '12 ', '1e3', '+1', '.5', 'abc', '0x1']) t.throws(() => toMinorUnits(bad, 2), TypeError, label(bad));
  t.throws(() => toMinorUnits('1', -1), RangeError);
  t.throws(() => toMinorUnits('1', 1.5), RangeError);

  t.equal(fromMinorUnits(1050n, 2), '10.5');
  t.equal(fromMinorUnits(1000n, 2), '10');
  t.equal(fromMinorUnits(0n, 2), '0');
  t.equal(fromMinorUnits(7n, 3), '0.007');
  t.equal(fromMinorUnits(1n, 8), '0.00000001');
  t.equal(fromMinorUnits(12345n, 0), '12345');
  t.equal(fromMinorUnits(-150n, 2), '-1.5');
  t.equal(fromMinorUnits(-1n, 2), '-0.01');
  t.equal(fromMinorUnits(12345678901234567890123456789012n, 2), '123456789012345678901234567890.12');
  t.throws(() => fromMinorUnits(1n, -2), RangeError);
});

t.test('compareDecimal', async (t) => {
  t.equal(compareDecimal('10.5', '10.50'), 0);
  t.equal(compareDecimal('9.99', '10'), -1);
  t.equal(compareDecimal('10', '9.99'), 1);
  t.equal(compareDecimal('0.1', '0.09'), 1, 'not a string comparison');
  t.equal(compareDecimal('100', '99'), 1, 'not a string comparison');
  t.equal(compareDecimal('0', '0.00'), 0);
  t.equal(compareDecimal('-1', '0'), -1);
  t.equal(compareDecimal('-1.5', '-1.25'), -1);
  t.equal(compareDecimal('9007199254740993', '9007199254740992'), 1, 'beyond float precision');
  t.throws(() => compareDecimal('1e3', '1'), TypeError);
});

t.test('addDecimal / subtractDecimal are exact', async (t) => {
  t.equal(addDecimal('0.1', '0.2'), '0.3', 'not 0.30000000000000004');
  t.equal(addDecimal('10.5', '0.5'), '11');
  t.equal(addDecimal('0', '0'), '0');
  t.equal(addDecimal('999.999', '0.001'), '1000');
  t.equal(addDecimal('9007199254740992', '1'), '9007199254740993');
  t.equal(addDecimal('1.5', '-2'), '-0.5');
  t.equal(subtractDecimal('10', '0.01'), '9.99');
  t.equal(subtractDecimal('0.3', '0.1'), '0.2');
  t.equal(subtractDecimal('10.5', '10.50'), '0');
  t.equal(subtractDecimal('1', '2.5'), '-1.5', 'negative result carries a sign');
  t.equal(subtractDecimal('-1', '-1'), '0', 'no "-0"');
  t.equal(subtractDecimal('489.5', '489.505'), '-0.005');
  t.throws(() => addDecimal('1', 'x'), TypeError);
});
