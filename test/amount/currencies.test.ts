import t from 'tap';
import { label } from '../json/label.js';
import { currencyExponent, ISO_4217_EXPONENTS } from '../../gateway/amount/currencies.js';

t.test('ISO 4217 exponents', async (t) => {
  const known: Array<[string, number]> = [
    ['USD', 2], ['EUR', 2], ['GBP', 2], ['CHF', 2], ['CNY', 2], ['INR', 2], ['BRL', 2], ['MXN', 2], ['IDR', 2],
    ['HUF', 2], ['TWD', 2], ['MGA', 2], ['MRU', 2], ['SLE', 2], ['VES', 2], ['VED', 2], ['ZWG', 2], ['XCG', 2],
    ['JPY', 0], ['KRW', 0], ['ISK', 0], ['VND', 0], ['CLP', 0], ['PYG', 0], ['UGX', 0], ['XOF', 0], ['XAF', 0],
    ['XPF', 0], ['BIF', 0], ['DJF', 0], ['GNF', 0], ['KMF', 0], ['RWF', 0], ['VUV', 0], ['UYI', 0],
    ['KWD', 3], ['BHD', 3], ['OMR', 3], ['JOD', 3], ['TND', 3], ['LYD', 3], ['IQD', 3],
    ['CLF', 4], ['UYW', 4],
  ];
  for (const [code, exp] of known) t.equal(currencyExponent(code), exp, `${code} ${exp}`);
  t.equal(ISO_4217_EXPONENTS.size, 165, 'every active List One code with a minor unit');
  for (const [code, exp] of ISO_4217_EXPONENTS) {
    t.match(code, /^[A-Z]{3}$/);
    t.ok([0, 2, 3, 4].includes(exp), `${code} has a real exponent`);
  }
});

t.test('unknown, N.A. and withdrawn codes are undefined', async (t) => {
  for (const code of ['XAU', 'XAG', 'XDR', 'XXX', 'XTS', 'HRK', 'ANG', 'SLL', 'ZWL', 'BTC', 'usd', '', 'constructor', '__proto__', 'toString']) {
    t.equal(currencyExponent(code), undefined, label(code));
  }
});

t.test('operator-configured codes win over ISO', async (t) => {
  const extra = { USDT: 6, BTC: 8, JPY: 2, HRK: 2 };
  t.equal(currencyExponent('USDT', extra), 6);
  t.equal(currencyExponent('BTC', extra), 8);
  t.equal(currencyExponent('JPY', extra), 2, 'override');
  t.equal(currencyExponent('HRK', extra), 2, 'legacy code added by the operator');
  t.equal(currencyExponent('USD', extra), 2, 'falls back to ISO');
  t.equal(currencyExponent('constructor', extra), undefined, 'no inherited members');
  const nullProto = Object.assign(Object.create(null) as Record<string, number>, { ETH: 18 });
  t.equal(currencyExponent('ETH', nullProto), 18);
  t.throws(() => currencyExponent('BAD', { BAD: -1 }), TypeError);
  t.throws(() => currencyExponent('BAD', { BAD: 2.5 }), TypeError);
  t.throws(() => currencyExponent('BAD', { BAD: 19 }), TypeError);
  t.throws(() => currencyExponent('BAD', { BAD: Number.NaN }), TypeError);
});
