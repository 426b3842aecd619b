/**
 * `wallet.url: sandbox`: the engine talks to the embedded ledger in-process, through the same
 * answer classification as the HTTP client, so sandbox behaviour matches a real wallet's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringifyJson } from '../json/stringify-json.js';
import type { Outcome } from '../types.js';
import { classifyAnswer } from './classify-answer.js';
import { SandboxLedger } from './sandbox-ledger.js';
import type { WalletCall, WalletClient } from './wallet-client.js';

export class SandboxWallet implements WalletClient {
  readonly describe = 'sandbox (embedded in-memory ledger, demo players)';
  constructor(readonly ledger: SandboxLedger = new SandboxLedger()) {}

  async call(c: WalletCall): Promise<Outcome> {
    // Round-trip through JSON so the ledger sees exactly what an HTTP wallet would.
    const body = JSON.parse(stringifyJson(c.body)) as Record<string, unknown>;
    const a = this.ledger.handle(c.operation, body, c.idempotencyKey);
    return classifyAnswer(c.operation, a.status, JSON.stringify(a.body));
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

/** Serves a ledger as a canonical wallet over HTTP (`POST /{operation}`). */
export async function serveLedger(ledger: SandboxLedger, port = 0, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"INVALID_REQUEST","message":"bad json"}}');
        return;
      }
      const op = (req.url ?? '/').split('?')[0]!.replace(/^\/+/, '');
      const key = req.headers['idempotency-key'];
      const a = ledger.handle(op, body, typeof key === 'string' ? key : undefined);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const addr = server.address() as AddressInfo;
  return { server, url: `http://${host}:${addr.port}` };
}
