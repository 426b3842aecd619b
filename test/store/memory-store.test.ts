/**
 * The store contract on the memory twin, plus what only the memory twin has: the size bound and
 * in-process wake-ups.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { StoreUnavailableError } from '../../gateway/store/store.js';
import type { ClaimRequest } from '../../gateway/store/store.js';
import { storeContract } from './store-contract.js';

storeContract(t, async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});

const req = (group: string, over: Partial<ClaimRequest> = {}): ClaimRequest => ({
  group,
  key: `${group}:debit`,
  fingerprint: 'fp',
  leaseMs: 5_000,
  mode: 'guarded',
  ttlMs: 60_000,
  ...over,
});
const rec = { fingerprint: 'fp', outcome: { class: 'success' as const, balance: '1' }, committed_at: 1 };

t.test('size bound: LRU groups are dropped, but a group with a live claim is kept until its lease ends', async (t) => {
  const events: string[] = [];
  const s = new MemoryStore({ maxGroups: 3, onEvent: (_l, msg) => events.push(msg) });
  t.teardown(() => s.close());
  const inflight = await s.claim(req('g0', { leaseMs: 2_000 }));
  if (inflight.kind !== 'claimed') throw new Error('expected a claim');
  for (let i = 1; i <= 6; i++) {
    const c = await s.claim(req(`g${i}`));
    if (c.kind !== 'claimed') throw new Error('expected a claim');
    t.equal(await s.commit({ group: `g${i}`, key: `g${i}:debit`, token: c.token, record: rec, ttlMs: 60_000 }), true);
  }
  t.same(await s.claim(req('g0')), { kind: 'in_flight' }, 'the in-flight group survived 6 newer groups with maxGroups 3');
  t.equal(await s.commit({ group: 'g0', key: 'g0:debit', token: inflight.token, record: rec, ttlMs: 60_000 }), true, 'and its owner commits');
  t.same(await s.claim(req('g0')), { kind: 'done', record: rec }, 'and it replays');
  t.equal((await s.claim(req('g1'))).kind, 'claimed', 'the least recently used done group was dropped (documented)');
  t.same(await s.claim(req('g6')), { kind: 'done', record: rec }, 'recent groups are kept');
  t.ok(events.some((m) => /maxGroups/.test(m)), 'the bound is reported');
});

t.test('size bound: a kept group whose lease lapses is let go', async (t) => {
  const s = new MemoryStore({ maxGroups: 1 });
  t.teardown(() => s.close());
  await s.claim(req('g0', { leaseMs: 300 }));
  await s.claim(req('g1'));
  t.same(await s.claim(req('g0')), { kind: 'in_flight' }, 'kept while the lease runs');
  await sleep(450);
  t.equal((await s.claim(req('g0'))).kind, 'claimed', 'after the lease the key is absent');
});

t.test('nonce bound: the oldest nonce is forgotten and reported', async (t) => {
  const events: string[] = [];
  const s = new MemoryStore({ maxNonces: 2, onEvent: (_l, msg) => events.push(msg) });
  t.teardown(() => s.close());
  t.equal(await s.rememberNonce('p', 'n1', 60_000), true);
  t.equal(await s.rememberNonce('p', 'n2', 60_000), true);
  t.equal(await s.rememberNonce('p', 'n3', 60_000), true);
  t.equal(await s.rememberNonce('p', 'n3', 60_000), false);
  t.equal(await s.rememberNonce('p', 'n1', 60_000), true, 'n1 was evicted by the bound (documented)');
  t.ok(events.some((m) => /maxNonces/.test(m)), 'reported');
});

t.test('awaitKey is woken in-process, not by polling', async (t) => {
  const s = new MemoryStore();
  t.teardown(() => s.close());
  const c = await s.claim(req('g'));
  if (c.kind !== 'claimed') throw new Error('expected a claim');
  const waiting = s.awaitKey('g', 'g:debit', 5_000);
  await sleep(120); // a poller would be sleeping 50 ms between looks by now
  const start = performance.now();
  await s.commit({ group: 'g', key: 'g:debit', token: c.token, record: rec, ttlMs: 60_000 });
  t.same(await waiting, { kind: 'done', record: rec });
  t.ok(performance.now() - start < 20, 'resolved right after the commit');
});

t.test('close rejects pending waiters', async (t) => {
  const s = new MemoryStore();
  await s.claim(req('g'));
  const waiting = s.awaitKey('g', 'g:debit', 5_000);
  await s.close();
  await t.rejects(waiting, StoreUnavailableError);
});

t.test('options are checked', async (t) => {
  t.throws(() => new MemoryStore({ maxGroups: 0 }), RangeError);
  t.throws(() => new MemoryStore({ maxNonces: 1.5 }), RangeError);
});
