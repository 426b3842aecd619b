/**
 * Closing the gateway (SIGTERM, a cluster worker asked to stop) while a provider holds a keep-alive
 * connection with a request in flight: that request is answered (and told `Connection: close`),
 * the close completes promptly instead of waiting on the open connection, and nothing new is served.
 */
import t from 'tap';
import { Pool } from 'undici';
import { createLogger } from '../../gateway/log.js';
import { startTestGateway } from '../helpers/gateway.js';
import { jackpotHeaders } from '../helpers/sign.js';
import { startStubWallet } from '../helpers/stub-wallet.js';

const SECRET = 'graceful-close-secret';

t.test('a request in flight on a keep-alive connection finishes; the close does not hang on the connection', async (t) => {
  const wallet = await startStubWallet({ 'player-1': { currency: 'USD', balance: '100.00' } });
  t.teardown(() => wallet.close());
  const gw = await startTestGateway(t, { env: { JACKPOT_RGS_HMAC_SECRET: SECRET }, walletUrl: wallet.url, enabled: ['jackpot-rgs'] });
  const pool = new Pool(gw.url, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  t.teardown(() => pool.destroy());
  const debit = (tx: string) => {
    const p = '/jackpot-rgs/callback/debit';
    const body = JSON.stringify({ requestId: `q-${tx}`, playerId: 'player-1', transactionId: tx, roundId: 'r', gameCode: 'g', amount: '1.00' });
    return pool.request({ path: p, method: 'POST', headers: jackpotHeaders(SECRET, p, body), body });
  };
  // Warm the keep-alive connection, then hold a request at the wallet while the gateway closes.
  const first = await debit(`gc-${Date.now()}-1`);
  t.equal(first.statusCode, 200);
  await first.body.text();
  wallet.delayMs = 400;
  const inFlight = debit(`gc-${Date.now()}-2`);
  while (wallet.callsOf('debit').length < 2) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  const closing = gw.handle.close();
  const answer = await inFlight;
  t.equal(answer.statusCode, 200, 'the request in flight is answered');
  t.equal(answer.headers.connection, 'close', 'and told the connection ends');
  t.match(JSON.parse(await answer.body.text()), { status: 'OK' });
  await closing;
  const took = performance.now() - t0;
  t.ok(took < 3000, `close completed in ${took.toFixed(0)} ms (the request timeout is 10 s)`);
  await t.rejects(debit(`gc-${Date.now()}-3`).then((r) => r.body.text()), 'nothing is served after the close');
});

t.test('a request running longer than the request timeout is still finished and committed before the store closes', async (t) => {
  const wallet = await startStubWallet({ 'player-1': { currency: 'USD', balance: '100.00' } });
  t.teardown(() => wallet.close());
  const lines: string[] = [];
  const log = createLogger('info', (l) => lines.push(l));
  // request_timeout_ms bounds receiving a request, not handling it: a wallet call may run longer.
  const gw = await startTestGateway(t, { env: { JACKPOT_RGS_HMAC_SECRET: SECRET }, walletUrl: wallet.url, enabled: ['jackpot-rgs'], requestTimeoutMs: 300, timeoutMs: 3000, log });
  t.ok(gw.handle.drainMs >= 2 * 3000, `the drain covers two wallet timeouts and more (${gw.handle.drainMs} ms)`);
  wallet.delayMs = 2000;
  const p = '/jackpot-rgs/callback/debit';
  const tx = `gc-long-${Date.now()}`;
  const body = JSON.stringify({ requestId: 'q-long', playerId: 'player-1', transactionId: tx, roundId: 'r', gameCode: 'g', amount: '1.00' });
  const inFlight = fetch(gw.url + p, { method: 'POST', headers: jackpotHeaders(SECRET, p, body), body });
  while (wallet.callsOf('debit').length < 1) await new Promise((r) => setTimeout(r, 5));
  const closing = gw.handle.close();
  const res = await inFlight;
  t.equal(res.status, 200);
  t.match(await res.json(), { status: 'OK', balance: '99.00' }, 'the debit the wallet applied is answered as such');
  await closing;
  t.equal(wallet.balance('player-1'), '99.00');
  t.same(lines.filter((l) => /"level":"error"/.test(l)), [], 'no commit failed, nothing cut');
  t.ok(lines.some((l) => l.includes('"msg":"audit"') && l.includes(tx) && l.includes('"outcome":"success"')), 'audited as a success');
});
