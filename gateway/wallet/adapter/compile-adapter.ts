/**
 * Compiles a wallet descriptor into an `AdapterWallet`: per canonical operation one outbound call
 * (compile-call.ts: templates over the canonical request as `input.*`, the recipe language to sign,
 * undici to send) and the reading of its answer into a canonical outcome — error rows (status and/or
 * answer fields → canonical code and class), a success condition, and the answer fields (balance in
 * the wallet's amount format, wallet transaction id, currency, player details). Anything no row
 * explains is uncertain.
 */
import { compileAmountRules, type AmountRules } from '../../compile/amount-rules.js';
import { ANSWER_ROOTS, compileSource, SourceSyntaxError, type Accessor } from '../../compile/compile-source.js';
import type { EngineDeps } from '../../compile/engine.js';
import { collectProblem, ConfigProblem, type Path } from '../../compile/problem.js';
import type { ResolvedSecrets } from '../../compile/resolve-secrets.js';
import { classOfCode, GatewayError, type CanonicalCode } from '../../errors.js';
import { JsonNumber } from '../../json/json-number.js';
import { compileCall, type CompiledCall, type CompiledToken } from '../../outbound/compile-call.js';
import { compileTokens } from '../../outbound/compile-outbound.js';
import type { RequestContext } from '../../pipeline/context.js';
import { MONEY_OPERATIONS, OPERATIONS, type Operation, type Outcome } from '../../types.js';
import type { ExchangeResult } from '../pool-exchange.js';
import type { AdapterAnswer, AdapterErrorRow, StatusQueryConfig, WalletDescriptor, WhenConfig } from './adapter-config.js';

/** The canonical request fields (CONTRACT §4.2) an adapter call may read as `input.*`. */
export const CANONICAL_INPUT = ['request_id', 'provider', 'operation', 'player_id', 'currency', 'session_id', 'game_id', 'round_id', 'transaction_id', 'idempotency_key', 'amount', 'reference_transaction_id', 'reference_wallet_transaction_id', 'round_closed', 'kind', 'metadata'] as const;

const ANSWER_NAMES = ['balance', 'currency', 'wallet_transaction_id', 'player_name', 'country', 'language'];

interface Matcher {
  statuses: ReadonlySet<number> | undefined;
  /** Each answer field must equal one of `values`, or the value of `other` (a field of the request). */
  preds: { get: Accessor; values: ReadonlySet<string>; other?: Accessor }[];
}

interface CompiledRow extends Matcher {
  code: CanonicalCode;
  cls: 'rejected' | 'uncertain';
  balance: Accessor | undefined;
}

export interface CompiledQuery {
  call: CompiledCall;
  found: Matcher;
  notFound: Matcher;
  answer: [string, Accessor][];
}

export interface CompiledOperation {
  operation: Operation;
  call: CompiledCall;
  /** The call writes an amount (`$as: amount`): with minor units it needs the currency first. */
  writesAmount: boolean;
  success: Matcher;
  answer: [string, Accessor][];
  rows: CompiledRow[];
  query: CompiledQuery | undefined;
}

export interface CompiledAdapter {
  id: string;
  name: string;
  idempotent: boolean;
  amounts: AmountRules;
  /** Sending needs the currency (amounts in minor units): a request without one looks it up first. */
  needsCurrency: boolean;
  operations: ReadonlyMap<Operation, CompiledOperation>;
  tokens: ReadonlyMap<string, CompiledToken>;
  /** Unset variables that keep the adapter from working, or undefined. */
  unavailable: string | undefined;
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof JsonNumber) return v.raw;
  return typeof v === 'object' ? undefined : String(v);
}

function source(src: string, at: Path, settings: Readonly<Record<string, string | undefined>>): Accessor {
  try {
    return compileSource(src, ANSWER_ROOTS, settings, { inputFields: new Set(CANONICAL_INPUT) }).get;
  } catch (e) {
    if (e instanceof SourceSyntaxError) throw new ConfigProblem(at, e.message, e.hint);
    throw e;
  }
}

function compileMatcher(m: { status?: number | number[]; when?: WhenConfig } | undefined, at: Path, settings: Readonly<Record<string, string | undefined>>): Matcher {
  return {
    statuses: m?.status === undefined ? undefined : new Set(Array.isArray(m.status) ? m.status : [m.status]),
    preds: Object.entries(m?.when ?? {}).map(([src, want]) => {
      const get = source(src, [...at, 'when', src], settings);
      // `{ $from: input.player_id }`: the answer must name what the request named.
      if (want !== null && typeof want === 'object' && !Array.isArray(want)) return { get, values: new Set<string>(), other: source((want as { $from: string }).$from, [...at, 'when', src, '$from'], settings) };
      return { get, values: new Set((Array.isArray(want) ? want : [want]).map(String)) };
    }),
  };
}

/** True when the answer matches; `twoXX` is the status test of a matcher without statuses. */
export function matches(m: Matcher, status: number, ctx: RequestContext, twoXX: boolean): boolean {
  if (m.statuses ? !m.statuses.has(status) : twoXX ? status < 200 || status > 299 : false) return false;
  return m.preds.every((p) => {
    const v = text(p.get(ctx));
    if (v === undefined) return false;
    return p.other ? v === text(p.other(ctx)) : p.values.has(v);
  });
}

function compileAnswerMap(answer: AdapterAnswer, at: Path, settings: Readonly<Record<string, string | undefined>>, problems: ConfigProblem[]): [string, Accessor][] {
  const out: [string, Accessor][] = [];
  for (const [name, src] of Object.entries(answer)) {
    if (!ANSWER_NAMES.includes(name)) {
      problems.push(new ConfigProblem([...at, name], `an answer has no canonical field \`${name}\``, `known: ${ANSWER_NAMES.join(', ')}`));
      continue;
    }
    const get = collectProblem(problems, () => source(src!, [...at, name], settings));
    if (get) out.push([name, get]);
  }
  return out;
}

function compileRows(rows: readonly AdapterErrorRow[] | undefined, at: Path, settings: Readonly<Record<string, string | undefined>>, problems: ConfigProblem[]): CompiledRow[] {
  const out: CompiledRow[] = [];
  (rows ?? []).forEach((r, i) => {
    const row = collectProblem(problems, (): CompiledRow => ({
      ...compileMatcher(r, [...at, i], settings),
      code: r.code,
      cls: r.class ?? classOfCode(r.code),
      balance: r.balance !== undefined ? source(r.balance, [...at, i, 'balance'], settings) : undefined,
    }));
    if (row) out.push(row);
  });
  return out;
}

/** Reads an answer's balance in the wallet's format into a decimal; undefined when unreadable. */
export function readBalance(amounts: AmountRules, v: unknown, currency: string | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return amounts.read(v, currency);
  } catch (e) {
    if (e instanceof GatewayError) return undefined;
    throw e;
  }
}

/**
 * Reads a wallet answer into an outcome. `request` is the canonical request (its currency is the
 * balance's when the answer names none).
 */
export function classify(a: CompiledAdapter, op: CompiledOperation, res: ExchangeResult, ctx: RequestContext, currency: string | undefined): Outcome {
  if (res.failure) return { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: res.failure === 'timeout' ? 'wallet timeout' : res.failure === 'too-large' ? 'wallet answer too large' : `wallet unreachable: ${res.message}` };
  const status = res.status;
  for (const row of op.rows) {
    if (!matches(row, status, ctx, false)) continue;
    const out: Outcome = { class: row.cls, code: row.code, message: `wallet answered ${status} (${row.code})` };
    const balance = row.balance ? readBalance(a.amounts, row.balance(ctx), currency) : undefined;
    if (balance !== undefined) out.balance = balance;
    return out;
  }
  if (!matches(op.success, status, ctx, true)) return { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: `wallet answered ${status}, which no row explains` };
  return successOf(a, op.operation, op.answer, ctx, currency) ?? { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: 'wallet success without a readable balance or transaction id' };
}

/** The success outcome from mapped answer fields, or undefined when a required one is missing. */
export function successOf(a: CompiledAdapter, operation: Operation, answer: readonly [string, Accessor][], ctx: RequestContext, requestCurrency: string | undefined): Outcome | undefined {
  const f: Record<string, string | undefined> = {};
  for (const [name, get] of answer) f[name] = text(get(ctx));
  const currency = f['currency'] ?? requestCurrency;
  const raw = answer.find(([n]) => n === 'balance')?.[1](ctx);
  const balance = readBalance(a.amounts, raw, currency);
  if (balance === undefined) return undefined;
  if (MONEY_OPERATIONS.has(operation) && !f['wallet_transaction_id']) return undefined;
  const out: Outcome = { class: 'success', balance };
  if (currency) out.currency = currency;
  for (const k of ['wallet_transaction_id', 'player_name', 'country', 'language'] as const) if (f[k]) out[k] = f[k];
  return out;
}

function compileQuery(q: StatusQueryConfig, at: Path, build: (cfg: StatusQueryConfig['call'], at: Path) => CompiledCall | undefined, settings: Readonly<Record<string, string | undefined>>, problems: ConfigProblem[]): CompiledQuery | undefined {
  const call = build(q.call, [...at, 'call']);
  const found = collectProblem(problems, () => compileMatcher(q.found, [...at, 'found'], settings));
  const notFound = collectProblem(problems, () => compileMatcher(q.not_found, [...at, 'not_found'], settings));
  const answer = compileAnswerMap(q.answer, [...at, 'answer'], settings, problems);
  if (!answer.some(([n]) => n === 'wallet_transaction_id')) problems.push(new ConfigProblem([...at, 'answer'], 'a status query must map wallet_transaction_id', 'map it from the found transaction, e.g. wallet_transaction_id: answer.transaction.id'));
  return call && found && notFound ? { call, found, notFound, answer } : undefined;
}

/**
 * @returns the compiled adapter, or undefined with `problems` filled (each at its place in the file).
 */
export function compileAdapter(w: WalletDescriptor, resolved: ResolvedSecrets, deps: EngineDeps, problems: ConfigProblem[]): CompiledAdapter | undefined {
  const before = problems.length;
  const settings = resolved.settings;
  const amounts = compileAmountRules(w.amounts, deps.settings.currencies);
  const declaredSecrets = new Set(Object.keys(w.secrets ?? {}));
  const tokens = new Map<string, CompiledToken & { call: CompiledCall }>();
  const env = {
    provider: w.id,
    outbound: w.outbound,
    settings,
    secrets: resolved.secrets,
    declaredSecrets,
    amounts,
    deps,
    tokens,
    declaredTokens: new Set(Object.keys(w.outbound?.tokens ?? {})),
    envName: (kind: 'setting' | 'secret', name: string) => (kind === 'setting' ? w.settings?.[name]?.env : w.secrets?.[name]?.env) ?? `${kind} ${name}`,
  };
  compileTokens(w.outbound?.tokens, env, deps, problems);
  const inputFields = new Set<string>(CANONICAL_INPUT);
  const build = (cfg: StatusQueryConfig['call'], at: Path): CompiledCall | undefined => compileCall(cfg, at, env, { label: `wallet ${w.id} ${String(at[1])}`, inputFields, answerNames: [], requiredAnswer: [] }, problems);
  const adapterRows = compileRows(w.errors, ['errors'], settings, problems);
  const sharedQuery = w.status_query ? compileQuery(w.status_query, ['status_query'], build, settings, problems) : undefined;
  const operations = new Map<Operation, CompiledOperation>();
  for (const op of OPERATIONS) {
    const cfg = w.operations[op];
    if (!cfg) continue;
    const at = ['operations', op];
    const call = build(cfg.call, [...at, 'call']);
    const success = collectProblem(problems, () => compileMatcher(cfg.success, [...at, 'success'], settings));
    const answer = compileAnswerMap(cfg.answer, [...at, 'answer'], settings, problems);
    if (!answer.some(([n]) => n === 'balance')) problems.push(new ConfigProblem([...at, 'answer'], `${op} must map balance`, 'every canonical answer carries the balance, e.g. balance: answer.balance'));
    if (MONEY_OPERATIONS.has(op) && !answer.some(([n]) => n === 'wallet_transaction_id')) problems.push(new ConfigProblem([...at, 'answer'], `${op} must map wallet_transaction_id`, 'e.g. wallet_transaction_id: answer.id'));
    const rows = [...compileRows(cfg.errors, [...at, 'errors'], settings, problems), ...adapterRows];
    const query = cfg.status_query ? compileQuery(cfg.status_query, [...at, 'status_query'], build, settings, problems) : MONEY_OPERATIONS.has(op) ? sharedQuery : undefined;
    const writesAmount = JSON.stringify(cfg.call).includes('"$as":"amount"');
    if (call && success) operations.set(op, { operation: op, call, success, answer, rows, query, writesAmount });
    if (MONEY_OPERATIONS.has(op) && w.idempotent && !JSON.stringify(cfg.call).includes('input.idempotency_key')) {
      problems.push(new ConfigProblem([...at, 'call'], `idempotent: true, but the ${op} call sends no idempotency key`, 'put {$from: input.idempotency_key} where the wallet dedupes (a header or a body field), or declare idempotent: false with a status_query'));
    }
    if (query && !JSON.stringify(cfg.status_query ?? w.status_query).match(/input\.(idempotency_key|transaction_id)/)) {
      problems.push(new ConfigProblem([...at, cfg.status_query ? 'status_query' : 'operations'], 'the status query names no transaction', 'look the call up by input.idempotency_key or input.transaction_id'));
    }
  }
  for (const op of ['balance', 'debit', 'credit', 'rollback'] as const) {
    if (!w.operations[op]) problems.push(new ConfigProblem(['operations'], `the adapter maps no ${op} operation`, `add operations.${op} (authenticate falls back on balance)`));
  }
  if (w.idempotent && (w.status_query || Object.values(w.operations).some((o) => o?.status_query))) {
    problems.push(new ConfigProblem(['idempotent'], 'a status query is only used with idempotent: false', 'the wallet dedupes resends itself: drop the status query, or declare idempotent: false'));
  }
  if (problems.length > before) return undefined;
  const missing = new Set<string>([...operations.values()].flatMap((o) => [...o.call.missing, ...(o.query?.call.missing ?? [])]));
  for (const t of tokens.values()) for (const m of t.call.missing) missing.add(m);
  const needsCurrency = w.amounts?.output?.scale === 'currency' || w.amounts?.output?.decimals === 'currency';
  return {
    id: w.id,
    name: w.name ?? w.id,
    idempotent: w.idempotent,
    amounts,
    needsCurrency,
    operations,
    tokens,
    unavailable: missing.size ? `${[...missing].join(', ')} ${missing.size > 1 ? 'are' : 'is'} not set` : undefined,
  };
}
