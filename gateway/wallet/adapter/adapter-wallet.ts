/**
 * A `WalletClient` over a wallet descriptor: each canonical call becomes the wallet's own call, and
 * its answer a canonical outcome (compile-adapter.ts). On top of that, the safety a wallet that is
 * not idempotent needs:
 *
 * - every money call is marked in the store (`SET NX`) before it is sent, so any instance knows a
 *   key was sent before;
 * - a key sent before is, with `idempotent: true`, simply sent again (the wallet dedupes); with a
 *   status query, first looked up: found → its outcome, nothing sent; not found → sent again; an
 *   inconclusive answer → uncertain, nothing sent; without a status query → never sent again
 *   (uncertain stays uncertain, logged for reconciliation), and the gateway's own must-succeed
 *   retries are off;
 * - amounts in minor units need the currency: a request without one learns it from the wallet's
 *   balance first (cached per player for ten minutes).
 * Never throws: every failure is an outcome.
 */
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { OutboundError } from '../../outbound/outbound-error.js';
import { StoreUnavailableError, type Store } from '../../store/store.js';
import { MONEY_OPERATIONS, type Outcome } from '../../types.js';
import type { WalletCall, WalletClient } from '../wallet-client.js';
import { classify, matches, successOf, type CompiledAdapter, type CompiledOperation } from './compile-adapter.js';

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
  readonly retriesUncertain: boolean;
  private readonly currencies = new LRUCache<string, string>({ max: 100_000, ttl: 600_000 });

  constructor(
    private readonly a: CompiledAdapter,
    private readonly o: AdapterWalletOptions,
  ) {
    const query = [...a.operations.values()].some((op) => op.query);
    this.retriesUncertain = a.idempotent || query;
    this.describe = `adapter ${a.id} (${a.name}; ${a.idempotent ? 'idempotent' : query ? 'not idempotent, status query before any resend' : 'NOT idempotent, no status query: uncertain calls are never resent'})`;
  }

  async call(c: WalletCall): Promise<Outcome> {
    try {
      return await this.attempt(c);
    } catch (e) {
      // A request the adapter cannot make (a bad path value, an amount without its currency) is
      // refused before anything is sent: final, and the provider is told it is invalid.
      if (e instanceof OutboundError && e.code === 'INVALID_REQUEST') return { class: 'rejected', code: 'INVALID_REQUEST', message: e.message };
      if (e instanceof GatewayError) return { class: 'rejected', code: e.canonical === 'INVALID_REQUEST' ? 'INVALID_REQUEST' : e.canonical, message: e.message };
      this.o.log.error('wallet adapter failed', { adapter: this.a.id, operation: c.operation, error: e instanceof Error ? e.message : String(e) });
      return uncertain('wallet adapter error');
    }
  }

  private op(c: WalletCall): CompiledOperation | undefined {
    return this.a.operations.get(c.operation) ?? (c.operation === 'authenticate' ? this.a.operations.get('balance') : undefined);
  }

  private async attempt(c: WalletCall): Promise<Outcome> {
    if (this.a.unavailable) return uncertain(`wallet adapter ${this.a.id} is not configured: ${this.a.unavailable}`);
    const op = this.op(c);
    if (!op) return uncertain(`wallet adapter ${this.a.id} maps no ${c.operation}`);
    const deadline = Date.now() + c.timeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    const input: Record<string, unknown> = { ...c.body };
    if (c.idempotencyKey !== undefined) input['idempotency_key'] = c.idempotencyKey;
    if (this.a.needsCurrency && input['currency'] === undefined && typeof input['player_id'] === 'string') {
      const learned = await this.currencyOf(input['player_id'], c, left);
      if (typeof learned !== 'string') return learned;
      input['currency'] = learned;
    }
    if (MONEY_OPERATIONS.has(c.operation) && c.idempotencyKey !== undefined && !this.a.idempotent) {
      let first: boolean;
      try {
        first = await this.o.store.rememberNonce(`adapter:${this.a.id}`, c.idempotencyKey, this.o.markerTtlMs);
      } catch (e) {
        if (e instanceof StoreUnavailableError) return uncertain('state store unavailable: not sent');
        throw e;
      }
      if (!first) {
        if (!op.query) {
          this.o.log.error('wallet call not resent: sent before with an uncertain outcome, and the wallet is not idempotent and has no status query; reconcile it', { adapter: this.a.id, operation: c.operation, idempotency_key: c.idempotencyKey, request_id: c.requestId });
          return uncertain('sent before with an uncertain outcome; not resent to a wallet that is not idempotent');
        }
        const found = await this.lookUp(op, input, c, left);
        if (found) return found;
      }
    }
    const { result, ctx } = await op.call.exchange(input, { requestId: c.requestId, timeoutMs: left() });
    return classify(this.a, op, result, ctx, typeof input['currency'] === 'string' ? input['currency'] : undefined);
  }

  /**
   * The status query of a key sent before: the transaction's outcome when the wallet has it,
   * undefined when it says it never applied it (send again), uncertain when it cannot tell.
   */
  private async lookUp(op: CompiledOperation, input: Record<string, unknown>, c: WalletCall, left: () => number): Promise<Outcome | undefined> {
    const q = op.query!;
    const { result, ctx } = await q.call.exchange(input, { requestId: c.requestId, timeoutMs: left() });
    if (result.failure) return uncertain('status query failed: not resent');
    const currency = typeof input['currency'] === 'string' ? input['currency'] : undefined;
    if (matches(q.found, result.status, ctx, false) && (q.found.preds.length > 0 || q.found.statuses)) {
      const out = successOf(this.a, c.operation, q.answer, ctx, currency) ?? (await this.withBalance(q, ctx, input, c, left));
      this.o.log.info('wallet status query: already applied', { adapter: this.a.id, operation: c.operation, idempotency_key: c.idempotencyKey, request_id: c.requestId });
      return out ?? uncertain('status query found the transaction but no balance could be read');
    }
    if (matches(q.notFound, result.status, ctx, false) && (q.notFound.preds.length > 0 || q.notFound.statuses)) return undefined;
    return uncertain(`status query answered ${result.status}, which says neither found nor not found: not resent`);
  }

  /** A found transaction whose answer has no balance: the balance operation completes it. */
  private async withBalance(q: NonNullable<CompiledOperation['query']>, ctx: Parameters<typeof successOf>[3], input: Record<string, unknown>, c: WalletCall, left: () => number): Promise<Outcome | undefined> {
    const wtx = q.answer.find(([n]) => n === 'wallet_transaction_id')?.[1](ctx);
    const bal = this.a.operations.get('balance');
    if (!bal || wtx === undefined) return undefined;
    const { result, ctx: bctx } = await bal.call.exchange({ ...input, operation: 'balance' }, { requestId: c.requestId, timeoutMs: left() });
    const b = classify(this.a, bal, result, bctx, typeof input['currency'] === 'string' ? input['currency'] : undefined);
    return b.class === 'success' ? { ...b, wallet_transaction_id: String(wtx) } : undefined;
  }

  /** The player's currency from the wallet's balance (cached); an outcome when it cannot be had. */
  private async currencyOf(player: string, c: WalletCall, left: () => number): Promise<string | Outcome> {
    const cached = this.currencies.get(player);
    if (cached) return cached;
    const bal = this.a.operations.get('balance')!;
    const { result, ctx } = await bal.call.exchange({ request_id: c.body['request_id'], provider: c.body['provider'], operation: 'balance', player_id: player }, { requestId: c.requestId, timeoutMs: left() });
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
