/**
 * Redis faults against one store object that is never recreated: a hung Redis (SIGSTOP), a dead
 * Redis (SIGKILL) and its restart on the same port. Every method must fail closed with
 * StoreUnavailableError within about the command timeout, nothing may crash or leak an unhandled
 * rejection, and service must come back by itself.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { Test } from 'tap';
import { createStore } from '../../gateway/store/create-store.js';
import { StoreUnavailableError } from '../../gateway/store/store.js';
import type { ClaimRequest, IdempotencyRecord, Store } from '../../gateway/store/store.js';
import { randomPrefix, requireRedisBinaries, startRedisServer, untilUp } from '../helpers/redis.js';

const TIMEOUT_MS = 300;
/** How late a rejection may come: the command timeout plus scheduling slack. */
const LATEST_MS = TIMEOUT_MS + 400;

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

const req = (key: string): ClaimRequest => ({ group: 'p:tx-1', key, fingerprint: 'fp', leaseMs: 2_000, mode: 'guarded', ttlMs: 60_000 });
const rec: IdempotencyRecord = { fingerprint: 'fp', outcome: { class: 'success', balance: '1' }, committed_at: 1 };

/** Every Store method once, each tagged with its name. */
function everyMethod(s: Store, tag: string): [string, () => Promise<unknown>][] {
  return [
    ['ping', () => s.ping()],
    ['rememberNonce', () => s.rememberNonce('p', `n-${tag}`, 10_000)],
    ['claim', () => s.claim(req(`k-${tag}`))],
    ['commit', () => s.commit({ group: 'p:tx-1', key: `k-${tag}`, token: 'some-token-0000000', record: rec, ttlMs: 10_000 })],
    ['release', () => s.release({ group: 'p:tx-1', key: `k-${tag}`, token: 'some-token-0000000' })],
    ['awaitKey', () => s.awaitKey('p:tx-1', `k-${tag}`, 100)],
    ['resolveWalletTransaction', () => s.resolveWalletTransaction('p', 'w-1')],
  ];
}

async function allFailClosed(t: Test, s: Store, tag: string): Promise<void> {
  await Promise.all(
    everyMethod(s, tag).map(async ([name, call]) => {
      const start = performance.now();
      await t.rejects(call(), StoreUnavailableError, `${name} rejects with StoreUnavailableError`);
      const took = performance.now() - start;
      t.ok(took < LATEST_MS, `${name} rejected within ${LATEST_MS} ms (${Math.round(took)} ms)`);
    }),
  );
}

async function works(t: Test, s: Store, tag: string): Promise<void> {
  await s.ping();
  t.equal(await s.rememberNonce('p', `ok-${tag}`, 10_000), true, 'nonce');
  const c = await s.claim(req(`ok-${tag}`));
  t.equal(c.kind, 'claimed', 'claim');
  if (c.kind !== 'claimed') return;
  t.equal(await s.commit({ group: 'p:tx-1', key: `ok-${tag}`, token: c.token, record: rec, ttlMs: 10_000 }), true, 'commit');
  t.same(await s.awaitKey('p:tx-1', `ok-${tag}`, 100), { kind: 'done', record: rec }, 'awaitKey');
}

if (requireRedisBinaries(t)) {
  const server = await startRedisServer({ t });
  const events: string[] = [];
  const store = createStore(server.url, {
    prefix: randomPrefix(),
    commandTimeoutMs: TIMEOUT_MS,
    onEvent: (level, msg) => events.push(`${level}: ${msg}`),
  });
  t.teardown(() => store.close());

  t.test('before the outage the store works', async (t) => {
    await untilUp(store, 5_000);
    await works(t, store, 'before');
  });

  t.test('Redis hangs (SIGSTOP): every method rejects within about the command timeout', async (t) => {
    server.freeze();
    try {
      await allFailClosed(t, store, 'frozen');
    } finally {
      server.thaw();
    }
    await works(t, store, 'thawed');
  });

  t.test('Redis dies with commands in flight: they reject, and every later call fails fast', async (t) => {
    server.freeze();
    // The assertions are attached at once, so an early rejection is never "unhandled" here.
    const inFlight = t.rejects(store.claim(req('in-flight')), StoreUnavailableError, 'the claim in flight rejects');
    const waiting = t.rejects(store.awaitKey('p:tx-1', 'ok-before', 5_000), StoreUnavailableError, 'a pending awaitKey rejects');
    await sleep(20);
    const start = performance.now();
    await server.stop();
    await Promise.all([inFlight, waiting]);
    t.ok(performance.now() - start < LATEST_MS, 'promptly');
    await allFailClosed(t, store, 'dead');
    await sleep(1_200); // several reconnect attempts fail meanwhile
    await allFailClosed(t, store, 'still-dead');
  });

  t.test('a store created while Redis is down fails closed too', async (t) => {
    const late = createStore(server.url, { prefix: randomPrefix(), commandTimeoutMs: TIMEOUT_MS });
    t.teardown(() => late.close());
    const start = performance.now();
    await t.rejects(late.claim(req('late')), StoreUnavailableError);
    t.ok(performance.now() - start < TIMEOUT_MS + LATEST_MS, 'within the first-connection wait plus the command timeout');
    await allFailClosed(t, late, 'late-dead');

    await server.start();
    const took = await untilUp(late, 5_000);
    t.ok(took < 3_000, `recovered by itself after ${Math.round(took)} ms`);
    await works(t, late, 'late');
  });

  t.test('Redis restarted EMPTY on the same port: the store notices it lost its data and fails closed until acknowledged', async (t) => {
    // This Redis keeps nothing on disk: it came back without the epoch (and every record).
    const deadline = Date.now() + 5_000;
    while (store.lossDetected?.() === undefined && Date.now() < deadline) await sleep(50);
    t.match(store.lossDetected?.(), /epoch is gone/, 'the loss is detected on reconnection');
    await t.rejects(store.claim(req('after-loss')), StoreUnavailableError, 'claims fail closed');
    await t.rejects(store.rememberNonce('p', 'n-after-loss', 10_000), StoreUnavailableError, 'nonces too (a replay could pass)');
    await t.rejects(store.ping(), StoreUnavailableError, 'ping fails: /readyz is not ready');
    t.ok(events.some((e) => e.startsWith('error: redis store lost its data')), 'an error line says why');
    const ack = await store.acknowledgeLoss!();
    t.match(ack.was, /epoch is gone/);
    t.equal(store.lossDetected?.(), undefined, 'acknowledged');
    const took = await untilUp(store, 5_000);
    t.ok(took < 3_000, `serving again after ${Math.round(took)} ms`);
    await works(t, store, 'after');
  });

  t.test('no crash, no unhandled rejection, the outage was logged once', async (t) => {
    t.same(unhandled, [], 'no unhandled rejection');
    // The loss shows up as a socket error or as a closed connection, whichever ioredis sees first.
    const losses = events.filter((e) => e === 'warn: redis store connection lost, reconnecting' || e === 'error: redis store unavailable');
    t.equal(losses.length, 1, `one loss line for one outage, not one per reconnect attempt: ${JSON.stringify(events)}`);
    t.equal(events.filter((e) => e === 'info: redis store reconnected').length, 1, 'recovery logged once');
    t.equal(events.filter((e) => e.startsWith('error: redis store lost its data')).length, 1, 'the loss logged once');
  });
}
