/**
 * The embedded sandbox ledger: a small, exact, in-memory canonical wallet (CONTRACT §4) with demo
 * players, so `gateway serve` answers real signed callbacks with nothing else running. It speaks
 * the canonical contract exactly (idempotent on idempotency_key, rollbacks by provider or wallet
 * transaction id, rejections with the current balance) and is also served over HTTP for local
 * development (`gateway sandbox-wallet`). Not a production wallet: state lives in memory.
 */
import { currencyExponent } from '../amount/currencies.js';
import { decimalPlaces, fromMinorUnits, normalizeDecimal, toMinorUnits } from '../amount/decimal.js';
import type { CanonicalCode } from '../errors.js';

export interface SandboxPlayer {
  id: string;
  currency: string;
  balance: string;
  name?: string;
  country?: string;
  blocked?: boolean;
}

export const DEMO_PLAYERS: readonly SandboxPlayer[] = Object.freeze([
  { id: 'player-1', currency: 'USD', balance: '1000.00', name: 'Demo Player One', country: 'US' },
  { id: 'player-2', currency: 'EUR', balance: '500.00', name: 'Demo Player Two', country: 'DE' },
  { id: 'player-3', currency: 'JPY', balance: '100000', name: 'Demo Player Three', country: 'JP' },
  { id: 'player-blocked', currency: 'USD', balance: '100.00', name: 'Blocked Player', country: 'US', blocked: true },
]);

/** Internal fixed scale: exact for any currency exponent up to 18. */
const SCALE = 18;

interface Account {
  currency: string;
  units: bigint;
  player: SandboxPlayer;
}

interface TxRecord {
  walletTxId: string;
  player: string;
  operation: 'debit' | 'credit';
  units: bigint;
  rolledBack?: string;
}

export interface LedgerAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class SandboxLedger {
  private readonly accounts = new Map<string, Account>();
  private readonly answers = new Map<string, { fingerprint: string; answer: LedgerAnswer }>();
  private readonly byProviderTx = new Map<string, TxRecord>();
  private readonly byWalletTx = new Map<string, TxRecord>();
  private seq = 0;

  constructor(players: readonly SandboxPlayer[] = DEMO_PLAYERS, private readonly extraCurrencies: Readonly<Record<string, number>> = {}) {
    for (const p of players) this.accounts.set(p.id, { currency: p.currency, units: toMinorUnits(normalizeDecimal(p.balance) ?? '0', SCALE), player: p });
  }

  /** Current balance of a player as a decimal string, or undefined. */
  balanceOf(playerId: string): string | undefined {
    const a = this.accounts.get(playerId);
    return a ? this.format(a) : undefined;
  }

  private format(a: Account): string {
    const exp = currencyExponent(a.currency, this.extraCurrencies) ?? 2;
    const d = fromMinorUnits(a.units < 0n ? -a.units : a.units, SCALE);
    const [int, frac = ''] = d.split('.');
    const text = exp > 0 ? `${int}.${frac.padEnd(exp, '0')}` : int!;
    return a.units < 0n ? `-${text}` : text;
  }

  private reject(code: CanonicalCode, status: number, a?: Account): LedgerAnswer {
    return { status, body: { error: { code, message: code.toLowerCase().replaceAll('_', ' ') }, ...(a ? { balance: this.format(a), currency: a.currency } : {}) } };
  }

  private ok(a: Account, extra: Record<string, unknown> = {}): LedgerAnswer {
    return { status: 200, body: { balance: this.format(a), currency: a.currency, ...extra } };
  }

  /** Handles one canonical call. */
  handle(operation: string, body: Record<string, unknown>, idempotencyKey?: string): LedgerAnswer {
    const money = operation === 'debit' || operation === 'credit' || operation === 'rollback';
    const key = money ? (idempotencyKey ?? (body.idempotency_key as string | undefined)) : undefined;
    if (money && !key) return { status: 400, body: { error: { code: 'INVALID_REQUEST', message: 'idempotency key required' } } };
    if (key) {
      const fp = JSON.stringify([operation, body.player_id, body.amount, body.currency, body.reference_transaction_id, body.reference_wallet_transaction_id]);
      const seen = this.answers.get(key);
      if (seen) return seen.fingerprint === fp ? seen.answer : this.reject('TRANSACTION_CONFLICT', 409);
      const answer = this.apply(operation, body);
      // Like a real wallet: decided answers are remembered, so a retry gets the same one.
      this.answers.set(key, { fingerprint: fp, answer });
      return answer;
    }
    return this.apply(operation, body);
  }

  private apply(operation: string, body: Record<string, unknown>): LedgerAnswer {
    const provider = String(body.provider ?? '');
    const playerId = typeof body.player_id === 'string' ? body.player_id : undefined;
    const a = playerId !== undefined ? this.accounts.get(playerId) : undefined;
    switch (operation) {
      case 'authenticate':
      case 'balance': {
        if (!a) return this.reject('PLAYER_NOT_FOUND', 404);
        if (a.player.blocked && operation === 'authenticate') return this.reject('PLAYER_BLOCKED', 403, a);
        return this.ok(a, operation === 'authenticate' ? { ...(a.player.name ? { player_name: a.player.name } : {}), ...(a.player.country ? { country: a.player.country } : {}) } : {});
      }
      case 'debit':
      case 'credit': {
        if (!a) return this.reject('PLAYER_NOT_FOUND', 404);
        if (a.player.blocked) return this.reject('PLAYER_BLOCKED', 403, a);
        if (typeof body.currency === 'string' && body.currency !== a.currency) return this.reject('CURRENCY_MISMATCH', 409, a);
        const amount = typeof body.amount === 'string' ? normalizeDecimal(body.amount) : undefined;
        if (amount === undefined || typeof body.transaction_id !== 'string') return this.reject('INVALID_REQUEST', 400, a);
        // More decimals than the player's currency has would be truncated by a real ledger: refuse.
        if (decimalPlaces(amount) > (currencyExponent(a.currency, this.extraCurrencies) ?? 2)) return this.reject('INVALID_REQUEST', 400, a);
        const units = toMinorUnits(amount, SCALE);
        if (operation === 'debit' && units > a.units) return this.reject('INSUFFICIENT_FUNDS', 402, a);
        a.units += operation === 'debit' ? -units : units;
        const rec: TxRecord = { walletTxId: `sbx-${++this.seq}`, player: playerId!, operation, units };
        this.byProviderTx.set(`${provider}:${body.transaction_id}`, rec);
        this.byWalletTx.set(rec.walletTxId, rec);
        return this.ok(a, { wallet_transaction_id: rec.walletTxId });
      }
      case 'rollback': {
        const ref = typeof body.reference_transaction_id === 'string' ? this.byProviderTx.get(`${provider}:${body.reference_transaction_id}`) : undefined;
        const rec = ref ?? (typeof body.reference_wallet_transaction_id === 'string' ? this.byWalletTx.get(body.reference_wallet_transaction_id) : undefined);
        if (!rec) return this.reject('TRANSACTION_NOT_FOUND', 404, a);
        const acc = this.accounts.get(rec.player)!;
        if (rec.rolledBack === undefined) {
          acc.units += rec.operation === 'debit' ? rec.units : -rec.units;
          rec.rolledBack = `sbx-${++this.seq}`;
        }
        return this.ok(acc, { wallet_transaction_id: rec.rolledBack });
      }
      default:
        return { status: 404, body: { error: { code: 'INVALID_REQUEST', message: 'unknown operation' } } };
    }
  }
}
