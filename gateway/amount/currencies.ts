/**
 * ISO 4217 minor-unit exponents (CONTRACT §3): how many decimals an amount in a currency may
 * carry. A leaf module: data and one lookup.
 *
 * Source: ISO 4217 List One as published by SIX (maintenance agency) on 2026-01-01. Codes whose
 * minor unit is "N.A." (precious metals XAU/XAG/XPD/XPT, XDR, XSU, XUA, the bond-market units
 * XBA–XBD, XTS, XXX) are deliberately absent: they have no exponent, so an operator who really
 * settles in one must configure it. Recently withdrawn codes (ANG → XCG, BGN → EUR, HRK → EUR,
 * CUC, SLL → SLE, ZWL → ZWG) are absent too; add them through the operator's extra codes if a
 * provider still sends them.
 */

/** Exponents of all active ISO 4217 codes that have one. */
export const ISO_4217_EXPONENTS: ReadonlyMap<string, number> = new Map<string, number>([
  // 0: no minor unit
  ...['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']
    .map((c): [string, number] => [c, 0]),
  // 3: the dinars and rials divided into 1000
  ...['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((c): [string, number] => [c, 3]),
  // 4: Chilean and Uruguayan units of account
  ...['CLF', 'UYW'].map((c): [string, number] => [c, 4]),
  // 2: everything else
  ...[
    'AED', 'AFN', 'ALL', 'AMD', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT', 'BMD', 'BND',
    'BOB', 'BOV', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHE', 'CHF', 'CHW', 'CNY',
    'COP', 'COU', 'CRC', 'CUP', 'CVE', 'CZK', 'DKK', 'DOP', 'DZD', 'EGP', 'ERN', 'ETB', 'EUR', 'FJD',
    'FKP', 'GBP', 'GEL', 'GHS', 'GIP', 'GMD', 'GTQ', 'GYD', 'HKD', 'HNL', 'HTG', 'HUF', 'IDR', 'ILS',
    'INR', 'IRR', 'JMD', 'KES', 'KGS', 'KHR', 'KPW', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR', 'LRD', 'LSL',
    'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR', 'MVR', 'MWK', 'MXN', 'MXV', 'MYR',
    'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'QAR',
    'RON', 'RSD', 'RUB', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SOS', 'SRD', 'SSP',
    'STN', 'SVC', 'SYP', 'SZL', 'THB', 'TJS', 'TMT', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'USD',
    'USN', 'UYU', 'UZS', 'VED', 'VES', 'WST', 'XAD', 'XCD', 'XCG', 'YER', 'ZAR', 'ZMW', 'ZWG',
  ].map((c): [string, number] => [c, 2]),
]);

/** Largest exponent accepted from configuration; beyond it a "minor unit" is meaningless. */
export const MAX_EXPONENT = 18;

/**
 * The number of decimals a currency allows, or undefined when the code is unknown.
 *
 * `extra` holds operator-configured codes (crypto, in-house tokens) and wins over ISO, so an
 * operator can also correct an ISO value for their market. Codes are matched exactly: ISO codes
 * are upper case, and normalising a provider's spelling is the descriptor's job.
 *
 * @throws {TypeError} when the matching `extra` entry is not an integer in 0..{@link MAX_EXPONENT}
 *   (a misconfiguration must not silently turn into "any number of decimals").
 * @example
 * currencyExponent('USD');               // 2
 * currencyExponent('KWD');               // 3
 * currencyExponent('USDT', { USDT: 6 }); // 6
 * currencyExponent('XYZ');               // undefined
 */
export function currencyExponent(code: string, extra?: Readonly<Record<string, number>>): number | undefined {
  // Object.hasOwn: a code such as "constructor" must not find Object.prototype members.
  if (extra !== undefined && Object.hasOwn(extra, code)) {
    const e = extra[code];
    if (!Number.isInteger(e) || (e as number) < 0 || (e as number) > MAX_EXPONENT) {
      throw new TypeError(`configured exponent for ${JSON.stringify(code)} must be an integer 0..${MAX_EXPONENT}`);
    }
    return e;
  }
  return ISO_4217_EXPONENTS.get(code);
}
