/**
 * A stub core wallet speaking the canonical contract (CONTRACT §4) over real HTTP on port 0.
 * Written independently of the gateway's sandbox ledger so the two cannot share a bug. Records
 * every call; faults are injected per call (503, hang, reset, non-JSON).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateWalletRequest } from './wallet-openapi.js';

export interface WalletCallRecord {
  operation: string;
  body: Record<string, any>;
  headers: IncomingHttpHeaders;
}

/**
 * - `503`, `hang`, `reset`, `garbage`: the call is not applied and the answer is unusable.
 * - `lost`: the call IS applied (and remembered under its Idempotency-Key), then the connection is
 *   dropped before the answer: the wallet moved money the gateway never heard about.
 */
export type Fault = 'none' | '503' | 'hang' | 'reset' | 'garbage' | 'lost';

interface Player {
  currency: string;
  cents: bigint;
  name?: string;
  country?: string;
}

function toCents(s: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new Error(`stub wallet: bad amount ${s}`);
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

function fromCents(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

export interface StubWallet {
  url: string;
  calls: WalletCallRecord[];
  /** Requests refused for breaking the canonical contract (openapi/wallet.yaml); empty in a good run. */
  violations: string[];
  /** Calls of one operation. */
  callsOf(op: string): WalletCallRecord[];
  /** Fault for the next calls (until changed); or a function deciding per call. */
  fault: Fault | ((call: WalletCallRecord) => Fault);
  /** Delay before answering, ms. */
  delayMs: number;
  /**
   * Optional business rejection per call (checked before idempotency and before applying): return
   * a canonical code and a 4xx status to refuse the call, e.g. SESSION_INVALID or PLAYER_BLOCKED.
   */
  reject?: ((call: WalletCallRecord) => { code: string; status: number } | undefined) | undefined;
  balance(player: string): string;
  setBalance(player: string, amount: string): void;
  close(): Promise<void>;
}

export async function startStubWallet(players: Record<string, { currency: string; balance: string; name?: string; country?: string }> = {
  'player-1': { currency: 'USD', balance: '100.00', name: 'Ann', country: 'MT' },
  'player-2': { currency: 'USD', balance: '5.00' },
}): Promise<StubWallet> {
  const accounts = new Map<string, Player>();
  for (const [id, p] of Object.entries(players)) accounts.set(id, { currency: p.currency, cents: toCents(p.balance), ...(p.name ? { name: p.name } : {}), ...(p.country ? { country: p.country } : {}) });
  const byKey = new Map<string, { status: number; body: unknown }>();
  const byTx = new Map<string, { player: string; op: string; cents: bigint; wtx: string; rolledBack?: string }>();
  const byWtx = new Map<string, string>();
  let seq = 0;
  const hanging = new Set<import('node:http').ServerResponse>();

  const apply = (op: string, b: Record<string, any>): { status: number; body: unknown } => {
    const acc = accounts.get(b.player_id);
    const reject = (code: string, status: number) => ({ status, body: { error: { code, message: code }, ...(acc ? { balance: fromCents(acc.cents), currency: acc.currency } : {}) } });
    if (op === 'authenticate' || op === 'balance') {
      if (!acc) return reject('PLAYER_NOT_FOUND', 404);
      return { status: 200, body: { balance: fromCents(acc.cents), currency: acc.currency, ...(op === 'authenticate' && acc.name ? { player_name: acc.name } : {}), ...(op === 'authenticate' && acc.country ? { country: acc.country } : {}) } };
    }
    if (op === 'debit' || op === 'credit') {
      if (!acc) return reject('PLAYER_NOT_FOUND', 404);
      if (b.currency !== undefined && b.currency !== acc.currency) return reject('CURRENCY_MISMATCH', 409);
      const cents = toCents(b.amount);
      if (op === 'debit' && cents > acc.cents) return reject('INSUFFICIENT_FUNDS', 402);
      acc.cents += op === 'debit' ? -cents : cents;
      const wtx = `w-${++seq}`;
      byTx.set(`${b.provider}:${b.transaction_id}`, { player: b.player_id, op, cents, wtx });
      byWtx.set(wtx, `${b.provider}:${b.transaction_id}`);
      return { status: 200, body: { balance: fromCents(acc.cents), currency: acc.currency, wallet_transaction_id: wtx } };
    }
    if (op === 'rollback') {
      const k = b.reference_transaction_id !== undefined ? `${b.provider}:${b.reference_transaction_id}` : byWtx.get(b.reference_wallet_transaction_id);
      const tx = k ? byTx.get(k) : undefined;
      if (!tx) return reject('TRANSACTION_NOT_FOUND', 404);
      const a = accounts.get(tx.player)!;
      if (!tx.rolledBack) {
        a.cents += tx.op === 'debit' ? tx.cents : -tx.cents;
        tx.rolledBack = `w-${++seq}`;
      }
      return { status: 200, body: { balance: fromCents(a.cents), currency: a.currency, wallet_transaction_id: tx.rolledBack } };
    }
    return reject('INVALID_REQUEST', 400);
  };

  const stub: StubWallet = {
    url: '',
    calls: [],
    violations: [],
    callsOf: (op) => stub.calls.filter((c) => c.operation === op),
    fault: 'none',
    delayMs: 0,
    balance: (p) => fromCents(accounts.get(p)!.cents),
    setBalance: (p, a) => void (accounts.get(p)!.cents = toCents(a)),
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = (req.url ?? '').replace(/^\/+/, '');
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        /* recorded as empty */
      }
      const call: WalletCallRecord = { operation, body, headers: req.headers };
      stub.calls.push(call);
      // Every request is checked against the canonical contract (openapi/wallet.yaml), as a strict
      // wallet would: a violation is refused and recorded, so the test that caused it fails.
      const violation = validateWalletRequest(operation, body, req.headers);
      if (violation) {
        stub.violations.push(violation);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'INVALID_REQUEST', message: `contract violation: ${violation}` } }));
        return;
      }
      const fault = typeof stub.fault === 'function' ? stub.fault(call) : stub.fault;
      const answer = (): void => {
        if (fault === 'hang') {
          hanging.add(res);
          return;
        }
        if (fault === 'reset') {
          req.socket.destroy();
          return;
        }
        if (fault === '503') {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"WALLET_UNAVAILABLE","message":"down"}}');
          return;
        }
        if (fault === 'garbage') {
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html>oops</html>');
          return;
        }
        const refused = stub.reject?.(call);
        if (refused) {
          const acc = accounts.get(body.player_id);
          res.writeHead(refused.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: refused.code, message: refused.code }, ...(acc ? { balance: fromCents(acc.cents), currency: acc.currency } : {}) }));
          return;
        }
        // Idempotent on Idempotency-Key, like a real wallet.
        const key = req.headers['idempotency-key'] as string | undefined;
        let a = key ? byKey.get(key) : undefined;
        if (!a) {
          a = apply(operation, body);
          if (key) byKey.set(key, a);
        }
        if (fault === 'lost') {
          req.socket.destroy();
          return;
        }
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
      };
      if (stub.delayMs > 0) setTimeout(answer, stub.delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}
