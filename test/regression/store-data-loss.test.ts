/**
 * Regression (money path hardening, defect 2): a Redis that came back empty was trusted. Killed
 * without persistence and restarted, every idempotency record was gone, and retries of decided
 * debits were forwarded to the wallet again (477 in the attack run). Now the store notices (its
 * epoch is gone): money fails closed with the provider's retryable answer, /readyz is not ready, a
 * metric and an error line say why, until an operator acknowledges on the admin API.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStore } from '../../gateway/store/create-store.js';
import { startTestGateway } from '../helpers/gateway.js';
import { randomPrefix, requireRedisBinaries, startRedisServer } from '../helpers/redis.js';
import { jackpotHeaders } from '../helpers/sign.js';
import { startStubWallet } from '../helpers/stub-wallet.js';

const SECRET = 'data-loss-jackpot-secret';

if (requireRedisBinaries(t)) {
  t.test('Redis restarted empty under a running gateway: fail closed until acknowledged', async (t) => {
    const redis = await startRedisServer({ t });
    const wallet = await startStubWallet();
    t.teardown(() => wallet.close());
    const store = createStore(redis.url, { prefix: randomPrefix(), commandTimeoutMs: 300, epochCheckMs: 100 });
    const gw = await startTestGateway(t, { env: { JACKPOT_RGS_HMAC_SECRET: SECRET }, walletUrl: wallet.url, store, enabled: ['jackpot-rgs'] });
    const debit = (requestId: string) => {
      const p = '/jackpot-rgs/callback/debit';
      const body = JSON.stringify({ requestId, playerId: 'player-1', transactionId: 'd-1', roundId: 'r', gameCode: 'g', amount: '5.00' });
      return gw.send('POST', p, body, jackpotHeaders(SECRET, p, body));
    };
    await sleep(300); // the first epoch is written at connection
    t.same((await debit('a')).body, { requestId: 'a', status: 'OK', balance: '95.00' });
    t.equal(wallet.callsOf('debit').length, 1);

    await redis.stop();
    await redis.start(); // no persistence: empty
    const until = Date.now() + 5_000;
    while (store.lossDetected?.() === undefined && Date.now() < until) await sleep(50);
    t.ok(store.lossDetected?.(), 'the loss is detected');

    const retry = await debit('b');
    t.equal(retry.status, 503, 'the retry of a decided debit fails closed (retryable)');
    t.equal(wallet.callsOf('debit').length, 1, 'and is not forwarded to the wallet again');
    const ready = await fetch(`${gw.admin}/readyz`);
    t.equal(ready.status, 503, '/readyz is not ready');
    t.match(((await ready.json()) as any).checks, { store: false });
    t.match(await (await fetch(`${gw.admin}/metrics`)).text(), /gateway_store_data_loss 1/, 'a metric says so');

    const ack = await fetch(`${gw.admin}/v1/store/acknowledge-loss`, { method: 'POST' });
    t.equal(ack.status, 200);
    t.match(((await ack.json()) as any).detected, /epoch is gone/);
    t.equal((await fetch(`${gw.admin}/readyz`)).status, 200, 'ready again');
    t.match(await (await fetch(`${gw.admin}/metrics`)).text(), /gateway_store_data_loss 0/);
    const after = await debit('c');
    t.same(after.body, { requestId: 'c', status: 'OK', balance: '95.00' }, 'after the acknowledgement the wallet answers (its own idempotency holds the line)');
  });

  t.test('an instance started after the loss was detected does not trust the store either', async (t) => {
    const redis = await startRedisServer({ t });
    const prefix = randomPrefix();
    const a = createStore(redis.url, { prefix, commandTimeoutMs: 300, epochCheckMs: 100 });
    t.teardown(() => a.close());
    await sleep(300);
    await redis.stop();
    await redis.start();
    const until = Date.now() + 5_000;
    while (a.lossDetected?.() === undefined && Date.now() < until) await sleep(50);
    t.ok(a.lossDetected?.(), 'A detected it');
    await sleep(200); // A's marker written
    const b = createStore(redis.url, { prefix, commandTimeoutMs: 300, epochCheckMs: 100 });
    t.teardown(() => b.close());
    const until2 = Date.now() + 3_000;
    while (b.lossDetected?.() === undefined && Date.now() < until2) await sleep(50);
    t.ok(b.lossDetected?.(), 'B, started later, refuses too (the marker)');
    await a.acknowledgeLoss!();
    const until3 = Date.now() + 3_000;
    while (b.lossDetected?.() !== undefined && Date.now() < until3) await sleep(50);
    t.equal(b.lossDetected?.(), undefined, 'the acknowledgement on A reaches B');
  });
}
