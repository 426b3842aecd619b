/**
 * Target (b): a bare Node pass-through proxy — node:http in, undici Pool out, no verification, no
 * parsing. It forwards method, path, body and the end-to-end headers, and copies the answer back.
 * It uses the same undici Pool settings and the same exchange (`gateway/wallet/pool-exchange.ts`:
 * undici's dispatch interface, one deadline) as the gateway's HttpWalletClient, so (c)/(b)
 * isolates what the gateway does beyond being one more Node HTTP hop.
 *
 *   node dist/bench/lib/proxy-process.js WALLET_URL CONNECTIONS   (forked by the bench)
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { exchange } from '../../gateway/wallet/pool-exchange.js';
import { childMain } from './child-main.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the client side rewrites. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

function forwardHeaders(h: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const k in h) {
    const v = h[k];
    if (v === undefined || HOP.has(k)) continue;
    out.push(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return out;
}

await childMain(async () => {
  const walletUrl = process.argv[2];
  const connections = Number(process.argv[3] ?? 64);
  if (!walletUrl) throw new Error('usage: proxy-process.js WALLET_URL [CONNECTIONS]');
  const pool = new Pool(walletUrl, { connections, pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      void exchange(pool, { path: req.url ?? '/', method: req.method as 'POST', headers: forwardHeaders(req.headers), body, deadlineMs: 3000, maxBytes: 1 << 20 }).then((r) => {
        if (r.failure !== undefined) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end('{"error":{"code":"WALLET_UNAVAILABLE","message":"proxy upstream failed"}}');
          return;
        }
        res.writeHead(r.status, { 'content-type': r.contentType ?? 'application/json', 'content-length': r.body.length });
        res.end(r.body);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await pool.close();
    },
  };
});
