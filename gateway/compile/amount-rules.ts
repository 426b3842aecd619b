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

/** A scale, or `currency`: minor units at the ISO 4217 exponent of the request's currency. */
export type ScaleConfig = number | 'currency';

export interface AmountsConfig {
  input?: Omit<AmountInputSpec, 'scale'> & { allow_exponent?: boolean; scale?: ScaleConfig };
  output?: { format: 'string' | 'number' | 'integer'; decimals?: number | 'currency'; scale?: ScaleConfig };
  max_decimals?: number | 'currency';
  fallback_decimals?: number;
}

export interface AmountRules {
  readonly input: AmountInputSpec;
  /**
   * Reads an amount in `spec` (or the provider default), checked against the currency's decimals;
   * `byCurrency`: `spec` counts minor units at the currency's exponent.
   */
  read(value: unknown, currency: string | undefined, spec?: AmountInputSpec, byCurrency?: boolean): Decimal;
  /** Writes a decimal as the provider expects (string, JSON number or scaled integer). */
  write(value: Decimal, currency: string | undefined): string | JsonNumber;
  /** The decimals a currency allows (ISO 4217 or configured), or the fallback without currency. */
  decimalsFor(currency: string | undefined): number;
  /** True for an ISO 4217 code or a configured extra one. */
  knownCurrency(code: string): boolean;
  readonly describe: string;
}

/** Normalises the YAML spelling (`allow_exponent`) into the amount module's spec. */
export function inputSpec(cfg: { format: 'string' | 'number' | 'integer'; scale?: ScaleConfig; allow_exponent?: boolean }): AmountInputSpec {
  const spec: AmountInputSpec = { format: cfg.format };
  if (typeof cfg.scale === 'number') spec.scale = cfg.scale;
  if (cfg.allow_exponent !== undefined) spec.allowExponent = cfg.allow_exponent;
  return spec;
}

/**
 * @example compileAmountRules({ input: { format: 'number' } }, { USDT: 6 }).read(num, 'USD')
 */
export function compileAmountRules(cfg: AmountsConfig | undefined, extraCurrencies: Readonly<Record<string, number>>): AmountRules {
  const input = inputSpec(cfg?.input ?? { format: 'string' });
  const inputByCurrency = cfg?.input?.scale === 'currency';
  const output = cfg?.output ?? { format: 'string' };
  const outputByCurrency = output.scale === 'currency';
  const maxDecimals = cfg?.max_decimals ?? 'currency';
  const fallback = cfg?.fallback_decimals ?? 2;

  const exponentOf = (currency: string | undefined): number => {
    if (currency === undefined) return fallback;
    const e = currencyExponent(currency, extraCurrencies);
    if (e === undefined) throw createError('GW_ERR_REQUEST_FIELD_TYPE', `unknown currency ${JSON.stringify(currency)}`);
    return e;
  };
  /** Minor units need the currency: without one (or with an unknown one) nothing can be scaled. */
  const minorUnitsOf = (currency: string | undefined): number => {
    if (currency === undefined) throw createError('GW_ERR_REQUEST_FIELD_MISSING', 'an amount in minor units needs the currency');
    return exponentOf(currency);
  };
  const decimalsFor = maxDecimals === 'currency' ? exponentOf : () => maxDecimals;

  const outDecimals = output.decimals;
  const outSpec = (currency: string | undefined): AmountOutputSpec => {
    const spec: AmountOutputSpec = { format: output.format };
    if (outputByCurrency) spec.scale = minorUnitsOf(currency);
    else if (output.scale !== undefined) spec.scale = output.scale as number;
    if (outDecimals === 'currency') {
      const e = currency === undefined ? fallback : currencyExponent(currency, extraCurrencies) ?? fallback;
      spec.decimals = e;
    } else if (outDecimals !== undefined) spec.decimals = outDecimals;
    return spec;
  };
  const fixedOut = outDecimals === 'currency' || outputByCurrency ? undefined : outSpec(undefined);

  return Object.freeze({
    input,
    decimalsFor,
    knownCurrency: (code: string) => currencyExponent(code, extraCurrencies) !== undefined,
    read: (value: unknown, currency: string | undefined, spec?: AmountInputSpec, byCurrency?: boolean) => {
      const base = spec ?? input;
      const scaled = (spec ? byCurrency : inputByCurrency) ? { ...base, scale: minorUnitsOf(currency) } : base;
      return parseAmount(value, scaled, decimalsFor(currency));
    },
    write: (value: Decimal, currency: string | undefined) => renderAmount(value, fixedOut ?? outSpec(currency)),
    describe: `in ${input.format}${inputByCurrency ? ' minor units' : input.scale !== undefined ? `/10^${input.scale}` : ''}, out ${output.format}${outputByCurrency ? ' minor units' : ''}${outDecimals !== undefined ? ` (${outDecimals} decimals)` : ''}, max ${maxDecimals} decimals`,
  });
}
