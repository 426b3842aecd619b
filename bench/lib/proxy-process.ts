/**
 * Target (b): a bare Node pass-through proxy — node:http in, undici Pool out, no verification, no
 * parsing. It forwards method, path, body and the end-to-end headers, and copies the answer back.
 * It uses the same undici Pool settings and answer-reading loop as the gateway's HttpWalletClient,
 * so (c)/(b) isolates what the gateway does beyond being one more Node HTTP hop.
 *
 *   node dist/bench/lib/proxy-process.js WALLET_URL CONNECTIONS   (forked by the bench)
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { childMain } from './child-main.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the client side rewrites. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

function forwardHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v === undefined || HOP.has(k)) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
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
      pool
        .request({ path: req.url ?? '/', method: req.method as 'POST', headers: forwardHeaders(req.headers), body, headersTimeout: 3000, bodyTimeout: 3000 })
        .then(async (r) => {
          const parts: Buffer[] = [];
          for await (const chunk of r.body) parts.push(chunk as Buffer);
          const answer = Buffer.concat(parts);
          const ct = r.headers['content-type'];
          res.writeHead(r.statusCode, { 'content-type': typeof ct === 'string' ? ct : 'application/json', 'content-length': answer.length });
          res.end(answer);
        })
        .catch(() => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
          res.end('{"error":{"code":"WALLET_UNAVAILABLE","message":"proxy upstream failed"}}');
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
