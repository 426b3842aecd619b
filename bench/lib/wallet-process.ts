/**
 * A FAST stub canonical wallet (CONTRACT §4) for the bench, run as its own process: node:http,
 * keep-alive, JSON in and out, a balance per player in integer cents, no idempotency table (the
 * gateway is what keeps duplicates away; a table here would grow for the whole soak). It answers
 * every money call the way a real wallet's success looks, so the gateway's answer parsing is real.
 *
 *   node dist/bench/lib/wallet-process.js      (forked by the bench; speaks IPC, see child-main.ts)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { childMain } from './child-main.js';

const START_CENTS = 1_000_000_000;

/** "1.5" / "10" / "0.25" → cents; NaN when not a plain decimal with at most 2 decimals. */
function cents(amount: unknown): number {
  if (typeof amount !== 'string') return NaN;
  const dot = amount.indexOf('.');
  if (dot === -1) return /^\d+$/.test(amount) ? Number(amount) * 100 : NaN;
  const frac = amount.slice(dot + 1);
  if (frac.length > 2 || !/^\d+\.\d+$/.test(amount)) return NaN;
  return Number(amount.slice(0, dot)) * 100 + Number(frac.padEnd(2, '0'));
}

function money(c: number): string {
  const whole = Math.floor(c / 100);
  const rest = c % 100;
  return `${whole}.${rest < 10 ? '0' : ''}${rest}`;
}

const BAD_REQUEST = '{"error":{"code":"INVALID_REQUEST","message":"bad request"}}';

await childMain(async () => {
  const balances = new Map<string, number>();
  const counters: Record<string, number> = { requests: 0, debit: 0, credit: 0, rollback: 0, balance: 0, authenticate: 0, rejected: 0 };
  let seq = 0;

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      counters.requests!++;
      const op = (req.url ?? '/').slice(1);
      let b: Record<string, unknown>;
      try {
        b = JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')) as Record<string, unknown>;
      } catch {
        counters.rejected!++;
        res.writeHead(400, { 'content-type': 'application/json' }).end(BAD_REQUEST);
        return;
      }
      const player = b.player_id;
      if (typeof player !== 'string' || b.operation !== op) {
        counters.rejected!++;
        res.writeHead(400, { 'content-type': 'application/json' }).end(BAD_REQUEST);
        return;
      }
      let bal = balances.get(player) ?? START_CENTS;
      if (op === 'debit' || op === 'credit') {
        const c = cents(b.amount);
        if (Number.isNaN(c) || typeof b.transaction_id !== 'string') {
          counters.rejected!++;
          res.writeHead(400, { 'content-type': 'application/json' }).end(BAD_REQUEST);
          return;
        }
        bal += op === 'debit' ? -c : c;
        balances.set(player, bal);
      }
      counters[op] = (counters[op] ?? 0) + 1;
      const wtx = op === 'balance' || op === 'authenticate' ? '' : `,"wallet_transaction_id":"w-${++seq}"`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"balance":"${money(bal)}","currency":"USD"${wtx}}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counters: () => ({ ...counters }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
});
