/**
 * A circuit breaker in front of the wallet, per operation: after `failures` uncertain outcomes
 * within `windowMs`, calls of that operation are not made for `coolOffMs` — they are answered
 * uncertain at once (the provider retries later; must-succeed retries spend no wallet call) — then
 * one probe is let through (half-open): an answer (success or rejection) closes the circuit, another
 * uncertain outcome opens it again. A wallet that is down is not hammered by every instance's
 * retries, and providers get their retryable answer immediately instead of after a timeout.
 */
import type { Logger } from '../log.js';
import type { Operation, Outcome } from '../types.js';
import type { WalletCall, WalletClient } from './wallet-client.js';

export interface CircuitConfig {
  /** Uncertain outcomes within the window that open the circuit; 0 = no breaker. */
  failures: number;
  windowMs: number;
  coolOffMs: number;
}

type State = 'closed' | 'open' | 'half-open';

interface Circuit {
  state: State;
  failures: number[];
  openedAt: number;
  probing: boolean;
}

export class CircuitBreakerWallet implements WalletClient {
  readonly describe: string;
  readonly retriesUncertain: WalletClient['retriesUncertain'];
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly inner: WalletClient,
    private readonly cfg: CircuitConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.describe = `${inner.describe}; circuit breaker: ${cfg.failures} uncertain in ${cfg.windowMs} ms opens for ${cfg.coolOffMs} ms`;
    this.retriesUncertain = inner.retriesUncertain;
  }

  private circuit(op: string): Circuit {
    let c = this.circuits.get(op);
    if (!c) this.circuits.set(op, (c = { state: 'closed', failures: [], openedAt: 0, probing: false }));
    return c;
  }

  async call(call: WalletCall): Promise<Outcome> {
    const c = this.circuit(call.operation);
    const t = this.now();
    if (c.state === 'open') {
      if (t - c.openedAt < this.cfg.coolOffMs) return { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: `wallet circuit open for ${call.operation}: not called` };
      c.state = 'half-open';
    }
    if (c.state === 'half-open') {
      if (c.probing) return { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: `wallet circuit half-open for ${call.operation}: a probe is in flight` };
      c.probing = true;
      const out = await this.inner.call(call).finally(() => (c.probing = false));
      if (out.class === 'uncertain') this.open(c, call.operation, 'the probe was uncertain too');
      else {
        c.state = 'closed';
        c.failures = [];
        this.log.warn('wallet circuit closed: the wallet answers again', { operation: call.operation });
      }
      return out;
    }
    const out = await this.inner.call(call);
    if (out.class === 'uncertain') {
      const now = this.now();
      c.failures = c.failures.filter((f) => now - f < this.cfg.windowMs);
      c.failures.push(now);
      if (c.failures.length >= this.cfg.failures) this.open(c, call.operation, `${c.failures.length} uncertain outcomes within ${this.cfg.windowMs} ms`);
    }
    return out;
  }

  private open(c: Circuit, operation: string, why: string): void {
    c.state = 'open';
    c.openedAt = this.now();
    c.failures = [];
    this.log.error('wallet circuit open: calls are answered uncertain without reaching the wallet', { operation, reason: why, cool_off_ms: this.cfg.coolOffMs });
  }

  /** Operations whose circuit is not closed (metrics, readiness). */
  openCircuits(): Operation[] {
    return [...this.circuits].filter(([, c]) => c.state !== 'closed').map(([op]) => op as Operation);
  }

  ping(): Promise<boolean> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
