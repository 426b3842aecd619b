/**
 * A provider's amount rules, compiled once: how amounts are read, how many decimals they may carry,
 * and how balances are written back (CONTRACT §3).
 */
import { createError } from '../errors.js';
import { currencyExponent } from '../amount/currencies.js';
import { parseAmount, type AmountInputSpec } from '../amount/parse-amount.js';
import { renderAmount, type AmountOutputSpec } from '../amount/render-amount.js';
import type { JsonNumber } from '../json/json-number.js';
import type { Decimal } from '../types.js';

export interface AmountsConfig {
  input?: AmountInputSpec & { allow_exponent?: boolean };
  output?: { format: 'string' | 'number' | 'integer'; decimals?: number | 'currency'; scale?: number };
  max_decimals?: number | 'currency';
  fallback_decimals?: number;
}

export interface AmountRules {
  readonly input: AmountInputSpec;
  /** Reads an amount in `spec` (or the provider default), checked against the currency's decimals. */
  read(value: unknown, currency: string | undefined, spec?: AmountInputSpec): Decimal;
  /** Writes a decimal as the provider expects (string, JSON number or scaled integer). */
  write(value: Decimal, currency: string | undefined): string | JsonNumber;
  /** The decimals a currency allows (ISO 4217 or configured), or the fallback without currency. */
  decimalsFor(currency: string | undefined): number;
  readonly describe: string;
}

/** Normalises the YAML spelling (`allow_exponent`) into the amount module's spec. */
export function inputSpec(cfg: { format: 'string' | 'number' | 'integer'; scale?: number; allow_exponent?: boolean }): AmountInputSpec {
  const spec: AmountInputSpec = { format: cfg.format };
  if (cfg.scale !== undefined) spec.scale = cfg.scale;
  if (cfg.allow_exponent !== undefined) spec.allowExponent = cfg.allow_exponent;
  return spec;
}

/**
 * @example compileAmountRules({ input: { format: 'number' } }, { USDT: 6 }).read(num, 'USD')
 */
export function compileAmountRules(cfg: AmountsConfig | undefined, extraCurrencies: Readonly<Record<string, number>>): AmountRules {
  const input = inputSpec(cfg?.input ?? { format: 'string' });
  const output = cfg?.output ?? { format: 'string' };
  const maxDecimals = cfg?.max_decimals ?? 'currency';
  const fallback = cfg?.fallback_decimals ?? 2;

  const exponentOf = (currency: string | undefined): number => {
    if (currency === undefined) return fallback;
    const e = currencyExponent(currency, extraCurrencies);
    if (e === undefined) throw createError('GW_ERR_REQUEST_FIELD_TYPE', `unknown currency ${JSON.stringify(currency)}`);
    return e;
  };
  const decimalsFor = maxDecimals === 'currency' ? exponentOf : () => maxDecimals;

  const outDecimals = output.decimals;
  const outSpec = (currency: string | undefined): AmountOutputSpec => {
    const spec: AmountOutputSpec = { format: output.format };
    if (output.scale !== undefined) spec.scale = output.scale;
    if (outDecimals === 'currency') {
      const e = currency === undefined ? fallback : currencyExponent(currency, extraCurrencies) ?? fallback;
      spec.decimals = e;
    } else if (outDecimals !== undefined) spec.decimals = outDecimals;
    return spec;
  };
  const fixedOut = outDecimals === 'currency' ? undefined : outSpec(undefined);

  return Object.freeze({
    input,
    decimalsFor,
    read: (value: unknown, currency: string | undefined, spec?: AmountInputSpec) => parseAmount(value, spec ?? input, decimalsFor(currency)),
    write: (value: Decimal, currency: string | undefined) => renderAmount(value, fixedOut ?? outSpec(currency)),
    describe: `in ${input.format}${input.scale !== undefined ? `/10^${input.scale}` : ''}, out ${output.format}${outDecimals !== undefined ? ` (${outDecimals} decimals)` : ''}, max ${maxDecimals} decimals`,
  });
}
