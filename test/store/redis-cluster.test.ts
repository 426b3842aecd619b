/**
 * The store contract on a 3-master Redis Cluster that this test starts itself, plus the Cluster
 * specifics: groups spread over the masters and every script stays in one slot; a commit with a
 * wallet-tx index costs 3 commands in 2 round trips (the index SET goes to its own slot in parallel).
 */
import { Cluster } from 'ioredis';
import t from 'tap';
import { RedisStore } from '../../gateway/store/redis-store.js';
import { redisStoreFactory, requireRedisBinaries, startRedisCluster } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';

if (requireRedisBinaries(t, true)) {
  const cluster = await startRedisCluster(t);
  const make = redisStoreFactory(cluster.url);
  storeContract(t, make);

  t.test('groups spread over the masters; each group is one key in one slot', async (t) => {
    const { store, cleanup, prefix } = await make();
    t.teardown(cleanup);
    const s = store as RedisStore;
    t.ok(s.client instanceof Cluster, 'a Cluster client');
    for (let i = 0; i < 30; i++) {
      await s.claim({ group: `p:tx-${i}`, key: `p:debit:tx-${i}`, fingerprint: 'f', leaseMs: 5_000, mode: 'guarded', ttlMs: 60_000 });
      await s.claim({ group: `p:tx-${i}`, key: `p:rollback:tx-${i}`, fingerprint: 'f', leaseMs: 5_000, mode: 'tombstone', ttlMs: 60_000 });
    }
    const perNode = await Promise.all(
      (s.client as Cluster).nodes('master').map(async (n) => (await n.keys(`${prefix}*`)).filter((k) => k !== `${prefix}epoch`).length),
    );
    t.equal(perNode.reduce((a, b) => a + b, 0), 30, 'one key per group');
    t.ok(perNode.filter((n) => n > 0).length >= 2, `keys on several masters (${perNode.join('/')})`);
  });

  t.test('commandstats: claim + commit with index = 3 commands over the masters', async (t) => {
    const { store, cleanup } = await make();
    t.teardown(cleanup);
    const s = store as RedisStore;
    const c = s.client as Cluster;
    const warm = await s.claim({ group: 'warm:tx', key: 'k', fingerprint: 'f', leaseMs: 5_000, mode: 'guarded', ttlMs: 60_000 });
    if (warm.kind !== 'claimed') throw new Error('expected a claim');
    await s.commit({ group: 'warm:tx', key: 'k', token: warm.token, record: { fingerprint: 'f', outcome: { class: 'success' }, committed_at: 1 }, ttlMs: 60_000, index: { scope: 'p', walletTxId: 'w-warm' } });
    const count = async (): Promise<number> => {
      let total = 0;
      for (const n of c.nodes('master')) {
        const info = await n.info('commandstats');
        for (const m of info.matchAll(/^cmdstat_(eval|evalsha|set):calls=(\d+)/gm)) total += Number(m[2]);
      }
      return total;
    };
    const before = await count();
    const r = await s.claim({ group: 'p:tx-77', key: 'p:debit:tx-77', fingerprint: 'f', leaseMs: 5_000, mode: 'guarded', ttlMs: 60_000 });
    if (r.kind !== 'claimed') throw new Error('expected a claim');
    await s.commit({ group: 'p:tx-77', key: 'p:debit:tx-77', token: r.token, record: { fingerprint: 'f', outcome: { class: 'success' }, committed_at: 1 }, ttlMs: 60_000, index: { scope: 'p', walletTxId: 'w-77' } });
    t.equal((await count()) - before, 3, 'EVALSHA claim + EVALSHA commit + SET index');
    t.equal(await s.resolveWalletTransaction('p', 'w-77'), 'p:tx-77');
  });
}
