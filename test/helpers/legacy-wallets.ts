/**
 * Two stub *legacy* wallets over real HTTP on 127.0.0.1 port 0: an operator's existing wallet that
 * does NOT speak the canonical contract, reached by the gateway through declarative wallet
 * adapters. Written with node:http and node:crypto only — no gateway code — so an adapter bug
 * cannot be mirrored here. Ledgers are exact BigInt minor units; every call is recorded, with
 * whether it moved money; faults are injected per call.
 *
 * - LedgerPro: REST, integer minor units, HTTP status errors, honours `Idempotency-Key`.
 * - StatusWallet: HTTP 200 with a `status` field for everything, HMAC-signed requests, decimal
 *   strings, NOT idempotent (the same txid twice is applied twice), with a status query.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest } from './recorded-request.js';

/** Currencies and their exponents; any other currency is refused as unknown. */
const EXPONENTS: Readonly<Record<string, number>> = { USD: 2, EUR: 2, JPY: 0, KWD: 3 };

/** A single LedgerPro withdrawal may not exceed this many major units. */
const WITHDRAWAL_LIMIT_MAJOR = 1_000_000n;

/**
 * - `none`: answer normally.
 * - `503`, `reset`, `hang`, `garbage`: NOT applied and the answer is unusable (HTTP 503 with a JSON
 *   error / socket destroyed / never answered until `close()` / HTTP 200 with non-JSON text).
 * - `applied-503`, `applied-reset`, `applied-hang`: the call IS processed (money moved, transaction
 *   stored, Idempotency-Key remembered), then the answer is lost the same three ways.
 *
 * A fixed fault applies to money calls only (LedgerPro: POST withdrawals / deposits / refunds;
 * StatusWallet: POST debit / credit / refund). A function is asked for every call and decides.
 */
export type LegacyFault = 'none' | '503' | 'reset' | 'hang' | 'applied-503' | 'applied-reset' | 'applied-hang' | 'garbage';

export interface LegacyCall extends RecordedRequest {
  /** Did this call move money (a zero-amount movement counts)? Set once the call is processed. */
  applied: boolean;
  /** The fault this call was given ('none' when answered normally). */
  fault: LegacyFault;
  /** What the wallet decided to answer, even when a fault then lost it; undefined if not processed. */
  answer?: { status: number; text: string } | undefined;
}

export interface LegacyPlayerSeed {
  currency: string;
  /** Decimal major units with at most the currency's decimals, e.g. "100.50", "100000", "10.000". */
  balance: string;
  name?: string;
  country?: string;
  blocked?: boolean;
}

export interface LegacyWallet {
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  readonly calls: LegacyCall[];
  /** Fault for the next calls (until changed), or a function deciding per call (it sees every call). */
  fault: LegacyFault | ((call: LegacyCall) => LegacyFault);
  /** Wait before processing each call, ms (a call whose client gave up is still processed). */
  delayMs: number;
  /** The player's balance in decimal major units with the currency's decimals. Throws if unknown. */
  balance(player: string): string;
  /** Set a balance (decimal major units, non-negative, at most the currency's decimals). */
  setBalance(player: string, amount: string): void;
  /** Block or unblock a player. */
  setBlocked(player: string, blocked: boolean): void;
  /** How many money movements were applied in total. */
  effects(): number;
  /** How many applied money movements carry this provider reference (LedgerPro `reference`, StatusWallet `txid`). */
  effectsFor(reference: string): number;
  /** Destroys hanging answers and open sockets, drops delayed calls not yet processed, stops listening. */
  close(): Promise<void>;
}

export interface LedgerPro extends LegacyWallet {
  readonly token: string;
  /** The answer remembered under an Idempotency-Key (201 or 4xx), if any. */
  answerFor(idempotencyKey: string): { status: number; text: string } | undefined;
}

export interface StatusTransaction {
  id: string;
  txid: string;
  kind: 'debit' | 'credit' | 'refund';
  state: 'APPLIED';
  amount: string;
  balance_after: string;
  currency: string;
  user: string;
  /** For a refund: the debit's txid. */
  refund_of?: string;
}

export interface StatusWallet extends LegacyWallet {
  readonly secret: string;
  /** Every stored transaction with this txid, oldest first (rejected calls are never stored). */
  transactionsFor(txid: string): StatusTransaction[];
}

const DEFAULT_PLAYERS: Readonly<Record<string, LegacyPlayerSeed>> = {
  'player-1': { currency: 'USD', balance: '1000.00', name: 'Demo Player One', country: 'US' },
  'player-2': { currency: 'EUR', balance: '500.00' },
  'player-3': { currency: 'JPY', balance: '100000' },
  'player-kwd': { currency: 'KWD', balance: '10.000' },
  'player-blocked': { currency: 'USD', balance: '10.00', blocked: true },
};

// ---------------------------------------------------------------------------------------------
// Exact amounts

function exponentOf(currency: unknown): number | undefined {
  return typeof currency === 'string' && Object.hasOwn(EXPONENTS, currency) ? EXPONENTS[currency] : undefined;
}

/** "10.50" → 1050n for exponent 2; undefined unless a non-negative decimal with at most `exp` decimals. */
function parseDecimal(s: unknown, exp: number): bigint | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  if (frac.length > exp) return undefined;
  return BigInt(m[1]!) * 10n ** BigInt(exp) + (exp > 0 ? BigInt(frac.padEnd(exp, '0')) : 0n);
}

function formatMinor(minor: bigint, exp: number): string {
  const neg = minor < 0n;
  const a = neg ? -minor : minor;
  if (exp === 0) return `${neg ? '-' : ''}${a}`;
  const unit = 10n ** BigInt(exp);
  return `${neg ? '-' : ''}${a / unit}.${String(a % unit).padStart(exp, '0')}`;
}

/** A JSON integer amount in minor units: a non-negative safe integer (no float can be exact beyond). */
function parseMinor(v: unknown): bigint | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
}

/** JSON.stringify that writes BigInts as exact JSON integers. */
function json(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `\u0000big:${x}` : x)).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

/** Key order does not matter when comparing bodies under one Idempotency-Key. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function constantTimeEqual(a: string, b: string): boolean {
  // Digests first: equal lengths, and the length of the secret does not leak.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

// ---------------------------------------------------------------------------------------------
// Accounts

interface Account {
  currency: string;
  exp: number;
  minor: bigint;
  name?: string;
  country?: string;
  blocked: boolean;
}

function makeAccounts(players: Record<string, LegacyPlayerSeed>): Map<string, Account> {
  const accounts = new Map<string, Account>();
  for (const [id, p] of Object.entries(players)) {
    const exp = exponentOf(p.currency);
    if (exp === undefined) throw new Error(`legacy wallet: unknown currency ${p.currency} for ${id}`);
    const minor = parseDecimal(p.balance, exp);
    if (minor === undefined) throw new Error(`legacy wallet: bad ${p.currency} balance ${p.balance} for ${id}`);
    accounts.set(id, {
      currency: p.currency,
      exp,
      minor,
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...(p.country !== undefined ? { country: p.country } : {}),
      blocked: p.blocked === true,
    });
  }
  return accounts;
}

// ---------------------------------------------------------------------------------------------
// The common HTTP core: records calls, applies faults and delay, keeps the effect log.

interface Answer {
  status: number;
  text: string;
}

/** Records one applied money movement carrying a provider reference, and marks the call applied. */
type RecordEffect = (reference: string) => void;

interface CoreSpec {
  accounts: Map<string, Account>;
  isMoney(call: LegacyCall): boolean;
  /** The JSON body of a `503` fault. */
  unavailable: string;
  handle(call: LegacyCall, record: RecordEffect): Answer;
}

async function startCore(spec: CoreSpec): Promise<LegacyWallet> {
  const { accounts } = spec;
  const effectLog: string[] = [];
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let closing: Promise<void> | undefined;

  const account = (player: string): Account => {
    const a = accounts.get(player);
    if (!a) throw new Error(`legacy wallet: unknown player ${player}`);
    return a;
  };

  const send = (res: ServerResponse, a: Answer, contentType = 'application/json'): void => {
    if (res.destroyed) return;
    res.writeHead(a.status, { 'content-type': contentType, 'content-length': Buffer.byteLength(a.text) }).end(a.text);
  };

  const wallet: LegacyWallet = {
    url: '',
    calls: [],
    fault: 'none',
    delayMs: 0,
    balance: (p) => {
      const a = account(p);
      return formatMinor(a.minor, a.exp);
    },
    setBalance: (p, amount) => {
      const a = account(p);
      const minor = parseDecimal(amount, a.exp);
      if (minor === undefined) throw new Error(`legacy wallet: bad ${a.currency} balance ${amount}`);
      a.minor = minor;
    },
    setBlocked: (p, blocked) => void (account(p).blocked = blocked),
    effects: () => effectLog.length,
    effectsFor: (reference) => effectLog.filter((r) => r === reference).length,
    close: () =>
      (closing ??= (async () => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const r of hanging) r.destroy();
        hanging.clear();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      })()),
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const raw = Buffer.concat(chunks);
      let body: any;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          body = undefined;
        }
      }
      const call: LegacyCall = {
        method: req.method ?? 'GET',
        path: q < 0 ? url : url.slice(0, q),
        query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
        headers: req.headers,
        raw,
        body,
        applied: false,
        fault: 'none',
        answer: undefined,
      };
      wallet.calls.push(call);
      const f = wallet.fault;
      const fault: LegacyFault = typeof f === 'function' ? f(call) : spec.isMoney(call) ? f : 'none';
      call.fault = fault;

      const go = (): void => {
        switch (fault) {
          case 'hang':
            hanging.add(res);
            return;
          case 'reset':
            req.socket.destroy();
            return;
          case '503':
            send(res, { status: 503, text: spec.unavailable });
            return;
          case 'garbage':
            send(res, { status: 200, text: '<html><body>Internal proxy page</body></html>' }, 'text/html');
            return;
          default:
            break;
        }
        let answer: Answer;
        try {
          answer = spec.handle(call, (reference) => {
            effectLog.push(reference);
            call.applied = true;
          });
        } catch (e) {
          answer = { status: 500, text: json({ error: String(e) }) };
        }
        call.answer = answer;
        if (fault === 'applied-hang') hanging.add(res);
        else if (fault === 'applied-reset') req.socket.destroy();
        else if (fault === 'applied-503') send(res, { status: 503, text: spec.unavailable });
        else send(res, answer);
      };
      if (wallet.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          go();
        }, wallet.delayMs);
        timers.add(t);
      } else go();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (wallet as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return wallet;
}

function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// LedgerPro

interface Withdrawal {
  id: string;
  player: string;
  reference: string;
  minor: bigint;
  /** The first refund's answer, replayed for any later refund of this withdrawal. */
  refund?: Answer;
}

/**
 * LedgerPro: `Authorization: Bearer <token>` on every request.
 * - GET  /v2/players/{id}/wallet → 200 {player_id, currency, balance_minor, display_name?, country?}
 * - POST /v2/players/{id}/withdrawals | /deposits {amount_minor, currency, reference, round_id?,
 *   game_id?, description?} + Idempotency-Key → 201 {id: "wd_<n>" | "dp_<n>", balance_minor, currency}
 * - POST /v2/refunds {player_id, original_reference? | original_id?, reference, amount_minor?}
 *   + Idempotency-Key → 201 {id: "rf_<n>", balance_minor, currency, player_id}
 * Errors: 401 UNAUTHENTICATED, 400 IDEMPOTENCY_KEY_REQUIRED, 422 IDEMPOTENCY_KEY_REUSED,
 * 400 BAD_REQUEST {detail} (also an unknown currency), 404 PLAYER_UNKNOWN, 423 PLAYER_LOCKED,
 * 409 CURRENCY_MISMATCH, 402 INSUFFICIENT_FUNDS {balance_minor}, 422 LIMIT_REACHED,
 * 404 ORIGINAL_NOT_FOUND, 404 NOT_FOUND / 405 METHOD_NOT_ALLOWED for other routes,
 * 503 SERVICE_UNAVAILABLE (fault). Refunds are accepted for a blocked player.
 */
export async function startLedgerPro(opts: { token: string; players?: Record<string, LegacyPlayerSeed> }): Promise<LedgerPro> {
  const accounts = makeAccounts(opts.players ?? DEFAULT_PLAYERS);
  const byKey = new Map<string, { fingerprint: string; answer: Answer }>();
  const withdrawals = new Map<string, Withdrawal>();
  let seq = 0;

  const ans = (status: number, body: unknown): Answer => ({ status, text: json(body) });
  const bad = (detail: string): Answer => ans(400, { error_code: 'BAD_REQUEST', detail });
  const ROUTE = /^\/v2\/players\/([^/]+)\/(wallet|withdrawals|deposits)$/;

  const moneyBody = (body: unknown): { minor: bigint; currency: string; reference: string } | Answer => {
    if (!isObject(body)) return bad('body must be a JSON object');
    const minor = parseMinor(body.amount_minor);
    if (minor === undefined) return bad('amount_minor must be a non-negative integer');
    if (typeof body.currency !== 'string') return bad('currency is required');
    if (exponentOf(body.currency) === undefined) return bad(`unknown currency: ${body.currency}`);
    if (!nonEmptyString(body.reference)) return bad('reference is required');
    return { minor, currency: body.currency, reference: body.reference };
  };

  const move = (kind: 'withdrawals' | 'deposits', player: string, body: unknown, record: RecordEffect): Answer => {
    const m = moneyBody(body);
    if ('status' in m) return m;
    const acc = accounts.get(player);
    if (!acc) return ans(404, { error_code: 'PLAYER_UNKNOWN' });
    if (acc.blocked) return ans(423, { error_code: 'PLAYER_LOCKED' });
    if (m.currency !== acc.currency) return ans(409, { error_code: 'CURRENCY_MISMATCH' });
    if (kind === 'withdrawals') {
      if (m.minor > WITHDRAWAL_LIMIT_MAJOR * 10n ** BigInt(acc.exp)) return ans(422, { error_code: 'LIMIT_REACHED' });
      if (m.minor > acc.minor) return ans(402, { error_code: 'INSUFFICIENT_FUNDS', balance_minor: acc.minor });
      acc.minor -= m.minor;
      const id = `wd_${++seq}`;
      withdrawals.set(id, { id, player, reference: m.reference, minor: m.minor });
      record(m.reference);
      return ans(201, { id, balance_minor: acc.minor, currency: acc.currency });
    }
    acc.minor += m.minor;
    record(m.reference);
    return ans(201, { id: `dp_${++seq}`, balance_minor: acc.minor, currency: acc.currency });
  };

  const refund = (body: unknown, record: RecordEffect): Answer => {
    if (!isObject(body)) return bad('body must be a JSON object');
    if (!nonEmptyString(body.player_id)) return bad('player_id is required');
    if (!nonEmptyString(body.reference)) return bad('reference is required');
    const { original_id: oid, original_reference: oref } = body;
    if (oid !== undefined && !nonEmptyString(oid)) return bad('original_id must be a string');
    if (oref !== undefined && !nonEmptyString(oref)) return bad('original_reference must be a string');
    if (oid === undefined && oref === undefined) return bad('original_reference or original_id is required');
    let minor: bigint | undefined;
    if (body.amount_minor !== undefined) {
      minor = parseMinor(body.amount_minor);
      if (minor === undefined) return bad('amount_minor must be a non-negative integer');
    }
    const acc = accounts.get(body.player_id);
    if (!acc) return ans(404, { error_code: 'PLAYER_UNKNOWN' });
    let original: Withdrawal | undefined;
    if (oid !== undefined) {
      original = withdrawals.get(oid);
      if (original && oref !== undefined && original.reference !== oref) original = undefined;
    } else {
      for (const w of withdrawals.values()) if (w.player === body.player_id && w.reference === oref) original = w; // the latest
    }
    if (!original || original.player !== body.player_id) return ans(404, { error_code: 'ORIGINAL_NOT_FOUND' });
    if (minor !== undefined && minor !== original.minor) return bad('amount_minor does not match the original withdrawal');
    if (original.refund) return original.refund;
    acc.minor += original.minor;
    record(body.reference);
    original.refund = ans(201, { id: `rf_${++seq}`, balance_minor: acc.minor, currency: acc.currency, player_id: body.player_id });
    return original.refund;
  };

  const isMoney = (c: LegacyCall): boolean => c.method === 'POST' && (c.path === '/v2/refunds' || /^\/v2\/players\/[^/]+\/(withdrawals|deposits)$/.test(c.path));

  const handle = (call: LegacyCall, record: RecordEffect): Answer => {
    const auth = call.headers.authorization;
    const m = typeof auth === 'string' ? /^Bearer +(.+)$/i.exec(auth) : null;
    if (!m || !constantTimeEqual(m[1]!, opts.token)) return ans(401, { error_code: 'UNAUTHENTICATED' });

    const r = ROUTE.exec(call.path);
    const isRefund = call.path === '/v2/refunds';
    if (!r && !isRefund) return ans(404, { error_code: 'NOT_FOUND' });
    const player = r ? decodeSegment(r[1]!) : undefined;
    if (r && player === undefined) return bad('bad player id in path');
    if (r?.[2] === 'wallet') {
      if (call.method !== 'GET') return ans(405, { error_code: 'METHOD_NOT_ALLOWED' });
      const acc = accounts.get(player!);
      if (!acc) return ans(404, { error_code: 'PLAYER_UNKNOWN' });
      if (acc.blocked) return ans(423, { error_code: 'PLAYER_LOCKED' });
      return ans(200, {
        player_id: player,
        currency: acc.currency,
        balance_minor: acc.minor,
        ...(acc.name !== undefined ? { display_name: acc.name } : {}),
        ...(acc.country !== undefined ? { country: acc.country } : {}),
      });
    }
    if (call.method !== 'POST') return ans(405, { error_code: 'METHOD_NOT_ALLOWED' });

    const keyHeader = call.headers['idempotency-key'];
    const key = typeof keyHeader === 'string' ? keyHeader : undefined;
    if (!key) return ans(400, { error_code: 'IDEMPOTENCY_KEY_REQUIRED' });
    const fingerprint = `${call.method} ${call.path}\n${call.body !== undefined ? canonical(call.body) : `raw:${call.raw.toString('base64')}`}`;
    const prior = byKey.get(key);
    if (prior) return prior.fingerprint === fingerprint ? prior.answer : ans(422, { error_code: 'IDEMPOTENCY_KEY_REUSED' });
    const answer = isRefund ? refund(call.body, record) : move(r![2] as 'withdrawals' | 'deposits', player!, call.body, record);
    if (answer.status < 500) byKey.set(key, { fingerprint, answer });
    return answer;
  };

  const core = await startCore({ accounts, isMoney, unavailable: json({ error_code: 'SERVICE_UNAVAILABLE' }), handle });
  return Object.assign(core, {
    token: opts.token,
    answerFor: (k: string) => {
      const a = byKey.get(k)?.answer;
      return a ? { ...a } : undefined;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// StatusWallet

/** hex HMAC-SHA256(secret, timestamp + "." + body) — a GET signs timestamp + "." + "". */
export function signStatusWallet(secret: string, timestamp: string | number, body: string | Buffer = ''): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`)
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('hex');
}

/** The allowed distance between X-Timestamp and the wallet's clock, seconds. */
const STATUS_WALLET_SKEW_S = 60;

/**
 * StatusWallet: HTTP 200 and a `status` for everything (except a `503` fault: HTTP 503
 * {"status":"ERROR","message":"service unavailable"}). Requests carry X-Timestamp (unix seconds,
 * ±60 s) and X-Signature = signStatusWallet(secret, timestamp, raw body), else AUTH_FAILED.
 * - POST /wallet/balance {user, currency?} → {status: OK, balance, currency, user_name?}
 * - POST /wallet/debit | /wallet/credit {user, txid, amount: "10.50", currency?, round?, game?}
 *   → {status: OK, balance, currency, transaction: "T<n>"}
 * - POST /wallet/refund {user, txid, refund_of} → {status: OK, balance, currency, transaction}
 * - GET /transactions/{txid} → {status: OK, transaction: StatusTransaction} (the LAST one) | NOT_FOUND
 * Statuses: AUTH_FAILED, USER_NOT_FOUND, USER_DISABLED, WRONG_CURRENCY, INVALID_AMOUNT,
 * INSUFFICIENT_BALANCE {balance, currency}, TX_NOT_FOUND, ALREADY_REFUNDED {balance, currency},
 * NOT_FOUND, ERROR {message} (malformed body, missing fields, unknown currency, unknown route).
 * NOT idempotent. A refund undoes the latest debit with that txid and is accepted for a disabled user.
 * `now` (ms) replaces the wallet's clock for the timestamp window.
 */
export async function startStatusWallet(opts: { secret: string; players?: Record<string, LegacyPlayerSeed>; now?: () => number }): Promise<StatusWallet> {
  const accounts = makeAccounts(opts.players ?? DEFAULT_PLAYERS);
  const now = opts.now ?? Date.now;
  const txs: (StatusTransaction & { refunded?: boolean })[] = [];
  let seq = 0;

  const ok = (body: Record<string, unknown>): Answer => ({ status: 200, text: json(body) });
  const error = (message: string): Answer => ok({ status: 'ERROR', message });
  const money = (acc: Account): { balance: string; currency: string } => ({ balance: formatMinor(acc.minor, acc.exp), currency: acc.currency });
  const publicTx = ({ refunded: _r, ...t }: StatusTransaction & { refunded?: boolean }): StatusTransaction => ({ ...t });

  const authentic = (call: LegacyCall): boolean => {
    const ts = call.headers['x-timestamp'];
    const sig = call.headers['x-signature'];
    if (typeof ts !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(ts)) return false;
    if (Math.abs(Math.floor(now() / 1000) - Number(ts)) > STATUS_WALLET_SKEW_S) return false;
    return constantTimeEqual(sig.toLowerCase(), signStatusWallet(opts.secret, ts, call.raw));
  };

  const store = (acc: Account, user: string, txid: string, kind: StatusTransaction['kind'], minor: bigint, record: RecordEffect, refundOf?: string): Answer => {
    const id = `T${++seq}`;
    txs.push({
      id,
      txid,
      kind,
      state: 'APPLIED',
      amount: formatMinor(minor, acc.exp),
      balance_after: formatMinor(acc.minor, acc.exp),
      currency: acc.currency,
      user,
      ...(refundOf !== undefined ? { refund_of: refundOf } : {}),
    });
    record(txid);
    return ok({ status: 'OK', ...money(acc), transaction: id });
  };

  const operation = (op: string, b: Record<string, unknown>, record: RecordEffect): Answer => {
    if (!nonEmptyString(b.user)) return error('user is required');
    if (op !== 'balance' && !nonEmptyString(b.txid)) return error('txid is required');
    if (op === 'refund' && !nonEmptyString(b.refund_of)) return error('refund_of is required');
    if (op !== 'refund' && b.currency !== undefined && exponentOf(b.currency) === undefined) return error(`unknown currency: ${String(b.currency)}`);
    const acc = accounts.get(b.user);
    if (!acc) return ok({ status: 'USER_NOT_FOUND' });
    if (op === 'refund') {
      let debit: (typeof txs)[number] | undefined;
      for (const t of txs) if (t.kind === 'debit' && t.txid === b.refund_of && t.user === b.user) debit = t; // the latest
      if (!debit) return ok({ status: 'TX_NOT_FOUND' });
      if (debit.refunded) return ok({ status: 'ALREADY_REFUNDED', ...money(acc) });
      const minor = parseDecimal(debit.amount, acc.exp)!;
      acc.minor += minor;
      debit.refunded = true;
      return store(acc, b.user, b.txid as string, 'refund', minor, record, debit.txid);
    }
    if (acc.blocked) return ok({ status: 'USER_DISABLED' });
    if (b.currency !== undefined && b.currency !== acc.currency) return ok({ status: 'WRONG_CURRENCY' });
    if (op === 'balance') return ok({ status: 'OK', ...money(acc), ...(acc.name !== undefined ? { user_name: acc.name } : {}) });
    const minor = parseDecimal(b.amount, acc.exp);
    if (minor === undefined) return ok({ status: 'INVALID_AMOUNT' });
    if (op === 'debit') {
      if (minor > acc.minor) return ok({ status: 'INSUFFICIENT_BALANCE', ...money(acc) });
      acc.minor -= minor;
    } else acc.minor += minor;
    return store(acc, b.user, b.txid as string, op as 'debit' | 'credit', minor, record);
  };

  const handle = (call: LegacyCall, record: RecordEffect): Answer => {
    if (!authentic(call)) return ok({ status: 'AUTH_FAILED' });
    const t = /^\/transactions\/([^/]+)$/.exec(call.path);
    if (t) {
      if (call.method !== 'GET') return error('method not allowed');
      const txid = decodeSegment(t[1]!);
      let last: (typeof txs)[number] | undefined;
      for (const x of txs) if (x.txid === txid) last = x;
      return last ? ok({ status: 'OK', transaction: publicTx(last) }) : ok({ status: 'NOT_FOUND' });
    }
    const w = /^\/wallet\/(balance|debit|credit|refund)$/.exec(call.path);
    if (!w) return error('unknown operation');
    if (call.method !== 'POST') return error('method not allowed');
    if (!isObject(call.body)) return error('body must be a JSON object');
    return operation(w[1]!, call.body, record);
  };

  const isMoney = (c: LegacyCall): boolean => c.method === 'POST' && /^\/wallet\/(debit|credit|refund)$/.test(c.path);
  const core = await startCore({ accounts, isMoney, unavailable: json({ status: 'ERROR', message: 'service unavailable' }), handle });
  return Object.assign(core, {
    secret: opts.secret,
    transactionsFor: (txid: string) => txs.filter((x) => x.txid === txid).map(publicTx),
  });
}
