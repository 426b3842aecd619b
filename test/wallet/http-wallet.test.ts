/**
 * HttpWalletClient against a real HTTP server on port 0: what goes on the wire (headers, exact
 * body, an independently computed HMAC), and every way a call can fail — a hang, a call that waits
 * in the pool past its deadline (it must never be sent afterwards), an oversized or chunked
 * answer, a reset, a closed pool, an unsendable header. None of these may throw or be read as final.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { Test } from 'tap';
import { HttpWalletClient } from '../../gateway/wallet/http-wallet.js';
import type { WalletCall } from '../../gateway/wallet/wallet-client.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function walletServer(t: Test, handle: (seen: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; closed: () => number; opened: () => number; server: Server }> {
  const seen: Seen[] = [];
  let closed = 0;
  let opened = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      handle(s, res);
    });
  });
  server.on('connection', (sock) => {
    opened++;
    sock.on('close', () => closed++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wallet/`, seen, closed: () => closed, opened: () => opened, server };
}

function client(t: Test, url: string, opts: { connections?: number; hmacSecret?: string; now?: () => number } = {}): HttpWalletClient {
  const c = new HttpWalletClient({ url, ...opts });
  t.teardown(() => c.close());
  return c;
}

const DEBIT: WalletCall = {
  operation: 'debit',
  body: { request_id: 'r-1', provider: 'acme', transaction_id: 'tx-1', player_id: 'p-1', amount: '10.50', currency: 'EUR' },
  requestId: 'r-1',
  idempotencyKey: 'acme:debit:tx-€1',
  timeoutMs: 2000,
};

const OK = JSON.stringify({ balance: '89.50', currency: 'EUR', wallet_transaction_id: 'w-1' });

t.test('a debit goes out as CONTRACT §4.1 says, signed, and a 200 answer is a success', async (t) => {
  const w = await walletServer(t, (_s, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(OK);
  });
  const c = client(t, w.url, { hmacSecret: 'wallet-secret', now: () => 1_700_000_000_123 });
  const out = await c.call(DEBIT);
  t.same(out, { class: 'success', balance: '89.5', currency: 'EUR', wallet_transaction_id: 'w-1' });
  t.equal(w.seen.length, 1);
  const s = w.seen[0]!;
  t.equal(s.method, 'POST');
  t.equal(s.url, '/wallet/debit');
  t.equal(s.headers['content-type'], 'application/json');
  t.equal(s.headers['x-request-id'], 'r-1');
  t.equal(s.headers['idempotency-key'], 'acme:debit:tx-%E2%82%AC1', 'non-ASCII key percent-encoded in the header');
  t.same(JSON.parse(s.body), DEBIT.body);
  t.equal(s.headers['x-gateway-timestamp'], '1700000000');
  // Known answer, computed here without the gateway's code.
  const expected = createHmac('sha256', 'wallet-secret').update(`1700000000.${s.body}`).digest('hex');
  t.equal(s.headers['x-gateway-signature'], expected);
});

t.test('an answer arriving in several chunks is assembled before it is read', async (t) => {
  const w = await walletServer(t, (_s, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(OK.slice(0, 7));
    setTimeout(() => {
      res.write(OK.slice(7, 20));
      setTimeout(() => res.end(OK.slice(20)), 5);
    }, 5);
  });
  t.same(await client(t, w.url).call(DEBIT), { class: 'success', balance: '89.5', currency: 'EUR', wallet_transaction_id: 'w-1' });
});

t.test('a wallet that never answers: uncertain at the deadline, and its connection is dropped', async (t) => {
  const w = await walletServer(t, () => {});
  const c = client(t, w.url);
  const started = performance.now();
  const out = await c.call({ ...DEBIT, timeoutMs: 150 });
  const took = performance.now() - started;
  t.same(out, { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: 'wallet timeout after 150ms' });
  t.ok(took >= 140 && took < 1000, `answered at the deadline (${took.toFixed(0)} ms)`);
  for (let i = 0; i < 50 && w.closed() === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(w.closed(), 1, 'the hung connection is destroyed, not left to answer later');
});

t.test('a call still queued in the pool at its deadline is answered then and never sent afterwards', async (t) => {
  const held: ServerResponse[] = [];
  const w = await walletServer(t, (_s, res) => held.push(res));
  const c = client(t, w.url, { connections: 1 });
  const first = c.call({ ...DEBIT, timeoutMs: 2000 });
  while (w.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
  const started = performance.now();
  const second = await c.call({ ...DEBIT, requestId: 'r-2', idempotencyKey: 'acme:debit:tx-2', timeoutMs: 100 });
  const took = performance.now() - started;
  t.same(second, { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: 'wallet timeout after 100ms' });
  t.ok(took < 1000, `the queued call did not wait for the busy connection (${took.toFixed(0)} ms)`);
  // Free the only connection: the pool now hands it to the expired call, which must not go out.
  held[0]!.writeHead(200, { 'content-type': 'application/json' });
  held[0]!.end(OK);
  t.equal((await first).class, 'success');
  const third = c.call({ ...DEBIT, requestId: 'r-3', idempotencyKey: 'acme:debit:tx-3', timeoutMs: 2000 });
  while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
  held[1]!.writeHead(200, { 'content-type': 'application/json' });
  held[1]!.end(OK);
  t.equal((await third).class, 'success', 'the connection serves the next call normally');
  t.same(
    w.seen.map((s) => s.headers['x-request-id']),
    ['r-1', 'r-3'],
    'the wallet never saw the expired call r-2',
  );
  t.equal(w.opened(), 1, 'dropping the expired call kept the connection: no reconnect');
  t.equal(w.closed(), 0);
});

t.test('an oversized answer is cut off, not buffered, and is uncertain', async (t) => {
  const w = await walletServer(t, (_s, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"balance":"1.00","pad":"${'x'.repeat(100 * 1024)}"}`);
  });
  t.same(await client(t, w.url).call(DEBIT), { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: 'wallet answer too large' });
});

t.test('a reset connection, a 503 and a closed pool are uncertain; none throws', async (t) => {
  let mode = 'reset';
  const w = await walletServer(t, (_s, res) => {
    if (mode === 'reset') res.socket?.destroy();
    else {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('busy');
    }
  });
  const c = client(t, w.url);
  const reset = await c.call(DEBIT);
  t.equal(reset.class, 'uncertain');
  t.match(reset.message, /^wallet unreachable: /);
  mode = '503';
  t.same(await c.call(DEBIT), { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: 'wallet answered 503 with a non-JSON body' });
  await c.close();
  const closed = await c.call(DEBIT);
  t.equal(closed.class, 'uncertain');
  t.match(closed.message, /^wallet unreachable: /);
});

t.test('a header value undici refuses (CR/LF) is uncertain, nothing is sent, and the pool stays usable', async (t) => {
  const w = await walletServer(t, (_s, res) => res.end(OK));
  const c = client(t, w.url, { connections: 1 });
  for (let i = 0; i < 3; i++) {
    const out = await c.call({ ...DEBIT, requestId: `r-${i}\r\nx-injected: 1` });
    t.equal(out.class, 'uncertain');
    t.match(out.message, /^wallet unreachable: invalid value for header x-request-id/);
  }
  t.equal(w.seen.length, 0);
  // With one connection, a refused call that left the pool thinking it was busy would hang this one.
  t.same(await c.call({ ...DEBIT, timeoutMs: 1000 }), { class: 'success', balance: '89.5', currency: 'EUR', wallet_transaction_id: 'w-1' });
});

t.test('nothing listening: uncertain, and ping says not ready; any HTTP answer is ready', async (t) => {
  const w = await walletServer(t, (_s, res) => {
    res.writeHead(405);
    res.end();
  });
  t.equal(await client(t, w.url).ping(), true, 'a 405 to OPTIONS still means the wallet answers');
  const port = (w.server.address() as AddressInfo).port;
  w.server.closeAllConnections();
  await new Promise<void>((r) => w.server.close(() => r()));
  const down = client(t, `http://127.0.0.1:${port}/`);
  const out = await down.call(DEBIT);
  t.equal(out.class, 'uncertain');
  t.match(out.message, /^wallet unreachable: /);
  t.equal(await down.ping(), false);
});
