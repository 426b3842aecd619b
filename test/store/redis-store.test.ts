/**
 * The store contract on a real Redis (see test/helpers/redis.ts for which one), plus what only a
 * shared store has to prove: two clients (two gateway instances) racing on one key, the stored
 * data model, and polling that stops when the store closes.
 */
import t from 'tap';
import { RedisStore } from '../../gateway/store/redis-store.js';
import { StoreUnavailableError } from '../../gateway/store/store.js';
import type { ClaimRequest, IdempotencyRecord } from '../../gateway/store/store.js';
import { redisStoreFactory, redisTarget } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';

const url = await redisTarget(t);
if (url) {
  const make = redisStoreFactory(url);
  storeContract(t, make);

  const req = (over: Partial<ClaimRequest> = {}): ClaimRequest => ({
    group: 'prov:tx-9',
    key: 'prov:debit:tx-9',
    fingerprint: 'fp',
    leaseMs: 5_000,
    mode: 'guarded',
    ttlMs: 60_000,
    ...over,
  });
  const rec: IdempotencyRecord = { fingerprint: 'fp', outcome: { class: 'success', balance: '5.00', wallet_transaction_id: 'w-9' }, committed_at: 42 };

  t.test('two instances sharing Redis: 50 concurrent claims split across them, exactly one wins', async (t) => {
    const a = await make();
    t.teardown(a.cleanup);
    const { createStore } = await import('../../gateway/store/create-store.js');
    const b = createStore(url, { prefix: a.prefix });
    t.teardown(() => b.close());
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a.store : b).claim(req())));
    const winners = results.filter((r) => r.kind === 'claimed');
    t.equal(winners.length, 1, 'one claim');
    t.equal(results.filter((r) => r.kind === 'in_flight').length, 49, 'the others see it in flight');
    const w = winners[0]!;
    if (w.kind !== 'claimed') throw new Error('unreachable');
    const owner = results.indexOf(w) % 2 ? a.store : b;
    const other = owner === a.store ? b : a.store;
    const waiting = other.awaitKey('prov:tx-9', 'prov:debit:tx-9', 2_000);
    t.equal(await owner.commit({ group: 'prov:tx-9', key: 'prov:debit:tx-9', token: w.token, record: rec, ttlMs: 60_000 }), true);
    t.strictSame(await waiting, { kind: 'done', record: rec }, 'the other instance sees the outcome by polling');
    t.strictSame(await other.claim(req()), { kind: 'done', record: rec }, 'and replays it');
  });

  t.test('the stored data model is the documented one, with Redis time in the lease', async (t) => {
    const { store, cleanup, prefix } = await make();
    t.teardown(cleanup);
    const s = store as RedisStore;
    const c = await s.claim(req({ leaseMs: 3_000 }));
    if (c.kind !== 'claimed') throw new Error('expected a claim');
    const hash = `${prefix}{prov:tx-9}`;
    const [sec, usec] = await s.client.time();
    const serverNow = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    const inflight = JSON.parse((await s.client.hget(hash, 'k:prov:debit:tx-9'))!);
    t.match(inflight, { s: 'f', o: c.token, f: 'fp' });
    t.ok(Math.abs(inflight.l - (serverNow + 3_000)) < 500, 'lease end = Redis TIME + leaseMs');
    t.ok((await s.client.pttl(hash)) > 59_000, 'group TTL set by the claim');
    await s.claim(req({ key: 'prov:rollback:tx-9', mode: 'tombstone' }));
    t.ok(await s.client.hexists(hash, 't'), 'tombstone field');
    const index = { scope: 'prov', walletTxId: 'w-9' };
    await s.commit({ group: 'prov:tx-9', key: 'prov:debit:tx-9', token: c.token, record: rec, ttlMs: 120_000, index });
    t.strictSame(JSON.parse((await s.client.hget(hash, 'k:prov:debit:tx-9'))!), { s: 'd', o: c.token, f: 'fp', r: rec });
    t.ok((await s.client.pttl(hash)) > 119_000, 'group TTL extended by the commit');
    t.equal(await s.client.get(`${prefix}w:prov:w-9`), 'prov:tx-9', 'wallet-tx index key');
    t.ok((await s.client.pttl(`${prefix}w:prov:w-9`)) > 119_000, 'index TTL = record TTL');
    await s.rememberNonce('prov', 'n-1', 30_000);
    t.equal(await s.client.get(`${prefix}n:prov:n-1`), '1', 'nonce key');
    t.ok((await s.client.pttl(`${prefix}n:prov:n-1`)) > 29_000, 'nonce TTL');
  });

  t.test('a failed commit does not write the wallet-tx index (single Redis: one script)', async (t) => {
    const { store, cleanup } = await make();
    t.teardown(cleanup);
    await store.claim(req());
    const index = { scope: 'prov', walletTxId: 'w-stale' };
    t.equal(await store.commit({ group: 'prov:tx-9', key: 'prov:debit:tx-9', token: 'stale-token-00000000', record: rec, ttlMs: 60_000, index }), false);
    t.equal(await store.resolveWalletTransaction('prov', 'w-stale'), undefined);
  });

  t.test('close stops a pending awaitKey with StoreUnavailableError', async (t) => {
    const { store, cleanup } = await make();
    t.teardown(cleanup);
    await store.claim(req());
    const waiting = store.awaitKey('prov:tx-9', 'prov:debit:tx-9', 5_000);
    setTimeout(() => void store.close(), 50);
    await t.rejects(waiting, StoreUnavailableError);
  });
}
