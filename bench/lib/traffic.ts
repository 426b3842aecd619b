/**
 * The bench's traffic: jackpot-rgs callbacks signed per request (fresh X-Timestamp, hex
 * HMAC-SHA256 over timestamp + path + body — written here with node:crypto, never through the
 * gateway's recipe code), or the canonical wallet calls the same callbacks become (targets a, b).
 *
 * The mix, by a global sequence number n: unique debits (even n) and unique credits (odd n) with
 * fresh transaction ids, and every `duplicateEvery`-th request (default 20: 5%) a retried duplicate
 * of a debit that has already been answered OK (same transaction id, amount and player; a new
 * requestId), which the gateway must replay without reaching the wallet.
 *
 * Every answer is checked: a non-2xx status, or a body whose status is not OK (jackpot-rgs:
 * `"status":"OK"` with our requestId echoed; canonical: a balance and a wallet transaction id) is
 * an error.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const BENCH_SECRET = 'bench-jackpot-rgs-secret';
const PROVIDER = 'jackpot-rgs';
const AMOUNTS = ['1.00', '2.50', '0.10', '5.00', '0.20'];
const WINS = ['0', '0.50', '3.00', '0', '12.40'];
const RECENT = 256;

export type Flavor = 'jackpot' | 'canonical';
export type Kind = 'debit' | 'credit' | 'duplicate';

export interface BuiltRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  kind: Kind;
  requestId: string;
  /** The debit's fields, kept for later duplicates when it is answered OK. */
  debit?: DebitFields;
}

interface DebitFields {
  player: string;
  tx: string;
  round: string;
  amount: string;
}

export interface TrafficCounters {
  sent: Record<Kind, number>;
  ok: Record<Kind, number>;
  /** Non-2xx answers. */
  non2xx: number;
  /** 2xx answers whose body was not a success (wrong status, requestId, or not JSON). */
  badBody: number;
  /** The first few bad answers, for the report. */
  samples: string[];
}

export interface TrafficOptions {
  flavor: Flavor;
  /** One in N requests is a retried duplicate; 0 = none. Default 20 (5%). */
  duplicateEvery?: number;
  /** Only duplicates (of debits answered earlier through the same Traffic): the Redis trip probe. */
  duplicatesOnly?: boolean;
  players?: number;
  /** Clock for X-Timestamp (unix ms). */
  now?: () => number;
}

export interface Traffic {
  readonly flavor: Flavor;
  next(): BuiltRequest;
  /** Records an answer; returns true when it is a success. */
  settle(req: BuiltRequest, status: number, body: string): boolean;
  counters(): TrafficCounters;
  /** Zeroes the counters (after a warm-up), keeps the recent debits. */
  reset(): void;
  /** Switches the mix (the trip probe: unique only, then duplicates only). */
  setMix(o: { duplicateEvery?: number; duplicatesOnly?: boolean }): void;
}

const zero = (): Record<Kind, number> => ({ debit: 0, credit: 0, duplicate: 0 });

/**
 * @example const t = createTraffic({ flavor: 'jackpot' }); const r = t.next(); … t.settle(r, 200, text)
 */
export function createTraffic(opts: TrafficOptions): Traffic {
  const flavor = opts.flavor;
  let duplicateEvery = opts.duplicateEvery ?? 20;
  let duplicatesOnly = opts.duplicatesOnly ?? false;
  const players = opts.players ?? 1000;
  const now = opts.now ?? Date.now;
  // Unique per Traffic: two runs against one Redis never share a transaction id.
  const run = randomBytes(4).toString('hex');
  const recent: DebitFields[] = [];
  let recentNext = 0;
  let n = 0;
  let req = 0;
  let lastRound = `r-${run}-0`;
  let c: TrafficCounters = { sent: zero(), ok: zero(), non2xx: 0, badBody: 0, samples: [] };

  const jackpot = (route: 'debit' | 'credit', fields: Record<string, unknown>, kind: Kind, debit?: DebitFields): BuiltRequest => {
    const requestId = `q-${run}-${++req}`;
    const body = JSON.stringify({ requestId, ...fields });
    const path = `/${PROVIDER}/callback/${route}`;
    const ts = String(Math.floor(now() / 1000));
    const sig = createHmac('sha256', BENCH_SECRET).update(ts + path + body).digest('hex');
    return { method: 'POST', path, headers: { 'content-type': 'application/json', 'x-timestamp': ts, 'x-hmac-sha256': sig }, body, kind, requestId, ...(debit ? { debit } : {}) };
  };

  const canonical = (op: 'debit' | 'credit', f: { player: string; tx: string; round: string; amount: string; closed?: boolean }, kind: Kind, debit?: DebitFields): BuiltRequest => {
    const requestId = `q-${run}-${++req}`;
    const key = `${PROVIDER}:${op}:${f.tx}`;
    // What the gateway's wallet stage sends for the same callback (amount normalised: "1.00" → "1").
    const body = JSON.stringify({
      request_id: requestId,
      provider: PROVIDER,
      operation: op,
      player_id: f.player,
      transaction_id: f.tx,
      round_id: f.round,
      game_id: 'dice-alpha',
      amount: normalise(f.amount),
      ...(f.closed !== undefined ? { round_closed: f.closed } : {}),
      kind: op === 'debit' ? 'bet' : 'win',
      idempotency_key: key,
    });
    return { method: 'POST', path: `/${op}`, headers: { 'content-type': 'application/json', 'x-request-id': requestId, 'idempotency-key': key }, body, kind, requestId, ...(debit ? { debit } : {}) };
  };

  const build = (op: 'debit' | 'credit', f: DebitFields & { closed?: boolean }, kind: Kind, debit?: DebitFields): BuiltRequest =>
    flavor === 'jackpot'
      ? jackpot(op, { playerId: f.player, transactionId: f.tx, roundId: f.round, gameCode: 'dice-alpha', amount: f.amount, ...(f.closed !== undefined ? { roundClosed: f.closed } : {}) }, kind, debit)
      : canonical(op, f, kind, debit);

  return {
    flavor,
    next() {
      const i = n++;
      const wantDup = duplicatesOnly || (duplicateEvery > 0 && i % duplicateEvery === duplicateEvery - 1);
      if (wantDup && recent.length > 0) {
        const d = recent[i % recent.length]!;
        c.sent.duplicate++;
        return build('debit', d, 'duplicate');
      }
      if (i % 2 === 0 || duplicatesOnly) {
        const d: DebitFields = { player: `p-${i % players}`, tx: `t-${run}-${i}`, round: `r-${run}-${i}`, amount: AMOUNTS[i % AMOUNTS.length]! };
        lastRound = d.round;
        c.sent.debit++;
        return build('debit', d, 'debit', d);
      }
      c.sent.credit++;
      return build('credit', { player: `p-${(i - 1) % players}`, tx: `t-${run}-${i}-w`, round: lastRound, amount: WINS[i % WINS.length]!, closed: true }, 'credit');
    },
    settle(r, status, text) {
      if (status < 200 || status > 299) {
        c.non2xx++;
        if (c.samples.length < 5) c.samples.push(`${r.kind} ${r.path}: HTTP ${status} ${text.slice(0, 200)}`);
        return false;
      }
      let ok = false;
      try {
        const j = JSON.parse(text) as Record<string, unknown>;
        ok = flavor === 'jackpot'
          ? j.status === 'OK' && j.requestId === r.requestId && typeof j.balance === 'string'
          : typeof j.balance === 'string' && typeof j.wallet_transaction_id === 'string';
      } catch {
        ok = false;
      }
      if (!ok) {
        c.badBody++;
        if (c.samples.length < 5) c.samples.push(`${r.kind} ${r.path}: HTTP ${status} ${text.slice(0, 200)}`);
        return false;
      }
      c.ok[r.kind]++;
      if (r.debit) {
        if (recent.length < RECENT) recent.push(r.debit);
        else recent[recentNext++ % RECENT] = r.debit;
      }
      return true;
    },
    counters: () => ({ sent: { ...c.sent }, ok: { ...c.ok }, non2xx: c.non2xx, badBody: c.badBody, samples: [...c.samples] }),
    reset() {
      c = { sent: zero(), ok: zero(), non2xx: 0, badBody: 0, samples: [] };
    },
    setMix(o) {
      if (o.duplicateEvery !== undefined) duplicateEvery = o.duplicateEvery;
      if (o.duplicatesOnly !== undefined) duplicatesOnly = o.duplicatesOnly;
    },
  };
}

/** The canonical form of a decimal string: no trailing fraction zeros ("1.00" → "1", "2.50" → "2.5"). */
function normalise(a: string): string {
  if (!a.includes('.')) return a;
  const t = a.replace(/0+$/, '').replace(/\.$/, '');
  return t === '' ? '0' : t;
}
