/**
 * Closing the gateway (SIGTERM, a cluster worker asked to stop) while a provider holds a keep-alive
 * connection with a request in flight: that request is answered (and told `Connection: close`),
 * the close completes promptly instead of waiting on the open connection, and nothing new is served.
 */
import t from 'tap';
import { Pool } from 'undici';
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
