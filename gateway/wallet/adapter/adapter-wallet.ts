/**
 * A `WalletClient` over a wallet descriptor: each canonical call becomes the wallet's own call, and
 * its answer a canonical outcome (compile-adapter.ts). On top of that, the safety a wallet that is
 * not idempotent needs:
 *
 * - every money call is marked in the store (`SET NX`, the call's fingerprint as value) before it is
 *   sent, so any instance knows a key was sent before (and with which payload: a resend with another
 *   amount is a conflict); a call that never left the process (connection refused) is unmarked;
 * - a key sent before is, with `idempotent: true`, simply sent again (the wallet dedupes); with a
 *   status query, first looked up: found → its outcome, nothing sent; not found → sent again; an
 *   inconclusive answer → uncertain, nothing sent; without a status query → never sent again
 *   (uncertain stays uncertain, logged for reconciliation), and the gateway's own must-succeed
 *   retries are off;
 * - amounts in minor units need the currency: a request without one learns it from the wallet's
 *   balance first (cached per player for ten minutes); an amount with more decimals than the
 *   currency has is refused, never rounded; an answer in another currency is not taken.
 * Never throws: every failure is an outcome.
 */
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { OutboundError } from '../../outbound/outbound-error.js';
import { StoreUnavailableError, type Store } from '../../store/store.js';
import { MONEY_OPERATIONS, type Operation, type Outcome } from '../../types.js';
import { decimalPlaces } from '../../amount/decimal.js';
import { createHash } from 'node:crypto';
import type { WalletCall, WalletClient } from '../wallet-client.js';
import { classify, matches, successOf, type CompiledAdapter, type CompiledOperation } from './compile-adapter.js';

/** What a resend must repeat to be the same call: operation, player, amount, currency, references. */
function callFingerprint(operation: string, input: Record<string, unknown>): string {
  const parts = [operation, input['player_id'], input['amount'], input['currency'], input['reference_transaction_id'], input['reference_wallet_transaction_id']].map((v) => (v === undefined ? '' : String(v)));
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

function uncertain(message: string): Outcome {
  return { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message };
}

export interface AdapterWalletOptions {
  store: Store;
  log: Logger;
  /** How long a sent key is remembered (at least the idempotency TTL). */
  markerTtlMs: number;
}

export class AdapterWallet implements WalletClient {
  readonly describe: string;
  private readonly currencies = new LRUCache<string, string>({ max: 100_000, ttl: 600_000 });
  private readonly scope: string;

  constructor(
    private readonly a: CompiledAdapter,
    private readonly o: AdapterWalletOptions,
  ) {
    const query = [...a.operations.values()].some((op) => op.query);
    this.scope = `adapter:${a.id}`;
    this.describe = `adapter ${a.id} (${a.name}; ${a.idempotent ? 'idempotent' : query ? 'not idempotent, status query before any resend' : 'NOT idempotent, no status query: uncertain calls are never resent'})`;
  }

  /** An uncertain call may be sent again when the wallet dedupes, or this operation can be looked up. */
  readonly retriesUncertain = (operation: Operation): boolean => this.a.idempotent || this.a.operations.get(operation)?.query !== undefined;

  async call(c: WalletCall): Promise<Outcome> {
    const started = Date.now();
    let out: Outcome;
    try {
      out = await this.attempt(c);
    } catch (e) {
      // A request the adapter cannot make (a bad path value, an amount without its currency) is
      // refused before anything is sent: final, and the provider is told it is invalid.
      if (e instanceof OutboundError && e.code === 'INVALID_REQUEST') out = { class: 'rejected', code: 'INVALID_REQUEST', message: e.message };
      else if (e instanceof GatewayError) out = { class: 'rejected', code: e.canonical, message: e.message };
      else {
        this.o.log.error('wallet adapter failed', { adapter: this.a.id, operation: c.operation, error: e instanceof Error ? e.message : String(e) });
        out = uncertain('wallet adapter error');
      }
    }
    if (this.o.log.enabled('debug')) this.o.log.debug('wallet adapter call', { adapter: this.a.id, operation: c.operation, request_id: c.requestId, outcome: out.class, code: out.code, reason: out.class === 'uncertain' ? out.message : undefined, ms: Date.now() - started });
    return out;
  }

  private op(c: WalletCall): CompiledOperation | undefined {
    return this.a.operations.get(c.operation) ?? (c.operation === 'authenticate' ? this.a.operations.get('balance') : undefined);
  }

  private async attempt(c: WalletCall): Promise<Outcome> {
    if (this.a.unavailable) return uncertain(`wallet adapter ${this.a.id} is not configured: ${this.a.unavailable}`);
    const op = this.op(c);
    if (!op) return uncertain(`wallet adapter ${this.a.id} maps no ${c.operation}`);
    const money = MONEY_OPERATIONS.has(c.operation);
    const input: Record<string, unknown> = { ...c.body };
    if (c.idempotencyKey !== undefined) input['idempotency_key'] = c.idempotencyKey;
    // Amounts in minor units need the currency: a request without one learns it (only when this
    // call writes an amount). A failed look-up never becomes a final answer for money coming back.
    if (this.a.needsCurrency && op.writesAmount && input['currency'] === undefined && typeof input['player_id'] === 'string') {
      const learned = await this.currencyOf(input['player_id'], c);
      if (typeof learned !== 'string') return learned.class === 'rejected' && c.operation === 'debit' ? learned : uncertain(`the player's currency could not be learned: ${learned.message ?? learned.code ?? ''}`);
      input['currency'] = learned;
    }
    const currency = typeof input['currency'] === 'string' ? input['currency'] : undefined;
    // Never rounded: an amount with more decimals than the currency has is refused before sending.
    if (typeof input['amount'] === 'string' && currency !== undefined && decimalPlaces(input['amount']) > this.a.amounts.decimalsFor(currency)) {
      return { class: 'rejected', code: 'INVALID_REQUEST', message: `${input['amount']} has more decimals than ${currency} allows` };
    }
    let marked = false;
    if (money && c.idempotencyKey !== undefined && !this.a.idempotent) {
      const fp = callFingerprint(c.operation, input);
      let first: boolean;
      try {
        first = await this.o.store.putGrant(this.scope, c.idempotencyKey, fp, this.o.markerTtlMs);
        if (!first) {
          const before = await this.o.store.readGrant(this.scope, c.idempotencyKey);
          // The same key with another payload (a retry with another amount): never answered with
          // the first call's outcome, never sent.
          if (before !== undefined && before !== fp) return { class: 'rejected', code: 'TRANSACTION_CONFLICT', message: 'the key was sent to the wallet before with another payload' };
        }
      } catch (e) {
        if (e instanceof StoreUnavailableError) return uncertain('state store unavailable: not sent');
        throw e;
      }
      marked = first;
      if (!first) {
        if (!op.query) {
          this.o.log.error('wallet call not resent: sent before with an uncertain outcome, and the wallet is not idempotent and has no status query; reconcile it', { adapter: this.a.id, operation: c.operation, idempotency_key: c.idempotencyKey, request_id: c.requestId });
          return uncertain('sent before with an uncertain outcome; not resent to a wallet that is not idempotent');
        }
        let found: Outcome | undefined;
        try {
          found = await this.lookUp(op, input, c);
        } catch (e) {
          // The call was sent before: whatever goes wrong now, its fate is unknown.
          return uncertain(`status query failed: ${e instanceof Error ? e.message : String(e)}; not resent`);
        }
        if (found) return found;
      }
    }
    const { result, ctx } = await op.call.exchange(input, { requestId: c.requestId, timeoutMs: c.timeoutMs });
    if (result.failure && result.written === false && marked) {
      // Nothing left this process (connection refused, queued past its deadline): the wallet never
      // saw it, so the mark goes and a retry may send it.
      await this.o.store.consumeGrant(this.scope, c.idempotencyKey!).catch(() => undefined);
    }
    const out = classify(this.a, op, result, ctx, currency);
    if (out.class === 'success' && out.currency !== undefined && currency !== undefined && out.currency !== currency) {
      // The wallet answered in another currency than the request named.
      return money ? uncertain(`the wallet answered in ${out.currency} for a ${currency} request`) : { class: 'rejected', code: 'CURRENCY_MISMATCH', message: `the player's account is in ${out.currency}` };
    }
    return out;
  }

  /**
   * The status query of a key sent before: the transaction's outcome when the wallet has it,
   * undefined when it says it never applied it (send again), uncertain when it cannot tell.
   */
  private async lookUp(op: CompiledOperation, input: Record<string, unknown>, c: WalletCall): Promise<Outcome | undefined> {
    const q = op.query!;
    const { result, ctx } = await q.call.exchange(input, { requestId: c.requestId, timeoutMs: c.timeoutMs });
    if (result.failure) return uncertain('status query failed: not resent');
    const currency = typeof input['currency'] === 'string' ? input['currency'] : undefined;
    if (matches(q.found, result.status, ctx, false) && (q.found.preds.length > 0 || q.found.statuses)) {
      const out = successOf(this.a, c.operation, q.answer, ctx, currency) ?? (await this.withBalance(q, ctx, input, c));
      this.o.log.info('wallet status query: already applied', { adapter: this.a.id, operation: c.operation, idempotency_key: c.idempotencyKey, request_id: c.requestId });
      return out ?? uncertain('status query found the transaction but no balance could be read');
    }
    if (matches(q.notFound, result.status, ctx, false) && (q.notFound.preds.length > 0 || q.notFound.statuses)) return undefined;
    return uncertain(`status query answered ${result.status}, which says neither found nor not found: not resent`);
  }

  /** A found transaction whose answer has no balance: the balance operation completes it. */
  private async withBalance(q: NonNullable<CompiledOperation['query']>, ctx: Parameters<typeof successOf>[3], input: Record<string, unknown>, c: WalletCall): Promise<Outcome | undefined> {
    const wtx = q.answer.find(([n]) => n === 'wallet_transaction_id')?.[1](ctx);
    const bal = this.a.operations.get('balance');
    if (!bal || wtx === undefined) return undefined;
    const { result, ctx: bctx } = await bal.call.exchange({ ...input, operation: 'balance' }, { requestId: c.requestId, timeoutMs: c.timeoutMs });
    const b = classify(this.a, bal, result, bctx, typeof input['currency'] === 'string' ? input['currency'] : undefined);
    return b.class === 'success' ? { ...b, wallet_transaction_id: String(wtx) } : undefined;
  }

  /** The player's currency from the wallet's balance (cached); an outcome when it cannot be had. */
  private async currencyOf(player: string, c: WalletCall): Promise<string | Outcome> {
    const cached = this.currencies.get(player);
    if (cached) return cached;
    const bal = this.a.operations.get('balance')!;
    const { result, ctx } = await bal.call.exchange({ request_id: c.body['request_id'], provider: c.body['provider'], operation: 'balance', player_id: player }, { requestId: c.requestId, timeoutMs: c.timeoutMs });
    const o = classify(this.a, bal, result, ctx, undefined);
    if (o.class !== 'success') return o.class === 'rejected' ? o : uncertain(`the player's currency could not be learned: ${o.message ?? ''}`);
    if (!o.currency) return uncertain('the wallet names no currency for the player: amounts in minor units cannot be written');
    this.currencies.set(player, o.currency);
    return o.currency;
  }

  async ping(): Promise<boolean> {
    return this.a.unavailable === undefined;
  }

  async close(): Promise<void> {}
}
