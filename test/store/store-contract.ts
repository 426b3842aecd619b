/**
 * The one contract both store twins must pass (memory, Redis, Redis Cluster). Each subtest gets a
 * fresh store from `make` (its own Redis key prefix) and cleans it up. Time-based cases use leases
 * and TTLs of ~100 ms so the whole suite runs in a few seconds.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { StoreUnavailableError } from '../../gateway/store/store.js';
import type { ClaimRequest, ClaimResult, IdempotencyRecord, Store } from '../../gateway/store/store.js';

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const GROUP = 'jackpot-rgs:tx-1';
const DEBIT = 'jackpot-rgs:debit:tx-1';
const ROLLBACK = 'jackpot-rgs:rollback:tx-1';

function req(over: Partial<ClaimRequest> = {}): ClaimRequest {
  return { group: GROUP, key: DEBIT, fingerprint: 'fp-1', leaseMs: 5_000, mode: 'guarded', ttlMs: 60_000, ...over };
}

function record(fingerprint = 'fp-1', over: Partial<IdempotencyRecord['outcome']> = {}): IdempotencyRecord {
  return {
    fingerprint,
    outcome: { class: 'success', balance: '90.00', currency: 'EUR', wallet_transaction_id: 'w-1', ...over },
    committed_at: 1_700_000_000_123,
  };
}

/** Asserts `r` is a claim and returns its token. */
function token(t: Test, r: ClaimResult, msg = 'claimed'): string {
  t.equal(r.kind, 'claimed', msg);
  if (r.kind !== 'claimed') return 'not-claimed';
  t.type(r.token, 'string');
  t.ok(r.token.length >= 16, 'token is long enough to be unguessable');
  return r.token;
}

const elapsedSince = (start: number): number => performance.now() - start;

/**
 * A lease/TTL that must outlast a few store calls made right after it is set (generous, so a loaded
 * machine does not turn it into a flaky test), and a sleep that surely outlasts it.
 */
const SHORT_MS = 300;
const PAST_SHORT_MS = 450;

export function storeContract(t: Test, make: StoreFactory): void {
  async function open(tt: Test): Promise<Store> {
    const { store, cleanup } = await make();
    tt.teardown(cleanup);
    return store;
  }

  t.test('nonce: new, replay, per scope, expiry', async (t) => {
    const s = await open(t);
    t.equal(await s.rememberNonce('p1', 'n-1', 60_000), true, 'first sight is new');
    t.equal(await s.rememberNonce('p1', 'n-1', 60_000), false, 'second sight is a replay');
    t.equal(await s.rememberNonce('p1', 'n-2', 60_000), true, 'another nonce is new');
    t.equal(await s.rememberNonce('p2', 'n-1', 60_000), true, 'the same nonce in another scope is new');
    t.equal(await s.rememberNonce('p1', 'n-short', 100), true);
    await sleep(250);
    t.equal(await s.rememberNonce('p1', 'n-short', 60_000), true, 'new again once its TTL has passed');
    t.equal(await s.rememberNonce('p1', 'n-short', 60_000), false, 'and remembered again');
    t.equal(await s.rememberNonce('p1', 'n-1', 60_000), false, 'a longer TTL is still remembered');
  });

  t.test('claim: absent → claimed; a second claimer sees in_flight; distinct keys are independent', async (t) => {
    const s = await open(t);
    const first = await s.claim(req());
    token(t, first);
    t.same(first.kind === 'claimed' && first.othersInFlight, [], 'no others reported outside tombstone mode');
    t.same(await s.claim(req()), { kind: 'in_flight' }, 'same key, same fingerprint, still running');
    t.same(await s.claim(req({ mode: 'plain' })), { kind: 'in_flight' }, 'mode does not matter once the key exists');
    token(t, await s.claim(req({ key: 'jackpot-rgs:credit:tx-1', mode: 'plain' })), 'another key of the group');
    token(t, await s.claim(req({ group: 'jackpot-rgs:tx-2' })), 'the same key name in another group');
  });

  t.test('done: same fingerprint replays the identical record, any number of times', async (t) => {
    const s = await open(t);
    const tok = token(t, await s.claim(req()));
    const rec = record('fp-1', { message: 'Ünïcödé "quoted" / \\ 💰', balance: '0' });
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: tok, record: rec, ttlMs: 60_000 }), true);
    for (let i = 0; i < 3; i++) t.strictSame(await s.claim(req()), { kind: 'done', record: rec }, `replay ${i + 1}`);
    // A rejected outcome is stored and replayed just the same.
    const rej = record('fp-9', { class: 'rejected', code: 'INSUFFICIENT_FUNDS', balance: '1.00' });
    const tok2 = token(t, await s.claim(req({ key: 'k-rej', fingerprint: 'fp-9' })));
    t.equal(await s.commit({ group: GROUP, key: 'k-rej', token: tok2, record: rej, ttlMs: 60_000 }), true);
    t.strictSame(await s.claim(req({ key: 'k-rej', fingerprint: 'fp-9' })), { kind: 'done', record: rej });
  });

  t.test('conflict: another fingerprint, in flight and done, changes nothing', async (t) => {
    const s = await open(t);
    const tok = token(t, await s.claim(req()));
    t.same(await s.claim(req({ fingerprint: 'fp-2' })), { kind: 'conflict' }, 'while in flight');
    t.same(await s.claim(req({ fingerprint: 'fp-2', mode: 'tombstone' })), { kind: 'conflict' }, 'in tombstone mode too');
    t.same(await s.claim(req()), { kind: 'in_flight' }, 'the owner is untouched');
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: tok, record: record(), ttlMs: 60_000 }), true);
    t.same(await s.claim(req({ fingerprint: 'fp-2' })), { kind: 'conflict' }, 'when done');
    t.strictSame(await s.claim(req()), { kind: 'done', record: record() }, 'the record is untouched');
  });

  t.test('release, then the key can be claimed again', async (t) => {
    const s = await open(t);
    const tok = token(t, await s.claim(req()));
    t.equal(await s.release({ group: GROUP, key: DEBIT, token: tok }), true);
    t.equal(await s.release({ group: GROUP, key: DEBIT, token: tok }), false, 'a second release owns nothing');
    t.same(await s.awaitKey(GROUP, DEBIT, 100), { kind: 'absent' });
    const tok2 = token(t, await s.claim(req({ fingerprint: 'fp-other' })), 'released key is absent: any fingerprint may claim');
    t.not(tok2, tok, 'a new token');
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: tok, record: record(), ttlMs: 60_000 }), false, 'the old token cannot commit');
    t.same(await s.claim(req({ fingerprint: 'fp-other' })), { kind: 'in_flight' }, 'the new claim stands');
  });

  t.test('wrong or stale tokens: commit and release return false and change nothing', async (t) => {
    const s = await open(t);
    const tok = token(t, await s.claim(req()));
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: 'bogus-token-0000000', record: record(), ttlMs: 60_000 }), false);
    t.equal(await s.release({ group: GROUP, key: DEBIT, token: 'bogus-token-0000000' }), false);
    t.same(await s.claim(req()), { kind: 'in_flight' }, 'still owned by the real token');
    t.equal(await s.commit({ group: 'nope:tx', key: DEBIT, token: tok, record: record(), ttlMs: 60_000 }), false, 'unknown group');
    t.equal(await s.commit({ group: GROUP, key: 'nope', token: tok, record: record(), ttlMs: 60_000 }), false, 'unknown key');
    t.equal(await s.release({ group: 'nope:tx', key: DEBIT, token: tok }), false);
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: tok, record: record(), ttlMs: 60_000 }), true, 'the owner commits');
    t.equal(await s.release({ group: GROUP, key: DEBIT, token: tok }), false, 'a done key cannot be released');
    const other = record('fp-1', { balance: '1.00' });
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: tok, record: other, ttlMs: 60_000 }), true, 'a repeated commit by the owner is a no-op success');
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: 'bogus-token-0000000', record: other, ttlMs: 60_000 }), false);
    t.strictSame(await s.claim(req()), { kind: 'done', record: record() }, 'the first record stands');
  });

  t.test('lease expiry: another owner may claim; the stale owner can no longer commit or release', async (t) => {
    const s = await open(t);
    const stale = token(t, await s.claim(req({ leaseMs: SHORT_MS })));
    t.same(await s.claim(req()), { kind: 'in_flight' }, 'within the lease');
    await sleep(PAST_SHORT_MS);
    const fresh = token(t, await s.claim(req()), 'an expired claim counts as absent');
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: stale, record: record('fp-1', { balance: '1' }), ttlMs: 60_000 }), false);
    t.equal(await s.release({ group: GROUP, key: DEBIT, token: stale }), false);
    t.same(await s.claim(req()), { kind: 'in_flight' }, 'the new owner is untouched');
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: fresh, record: record(), ttlMs: 60_000 }), true);
    t.strictSame(await s.claim(req()), { kind: 'done', record: record() }, "the new owner's record");
    // An expired claim with another fingerprint is absent too, not a conflict.
    token(t, await s.claim(req({ key: 'k2', leaseMs: 100 })));
    await sleep(160);
    token(t, await s.claim(req({ key: 'k2', fingerprint: 'fp-2' })), 'expired claim, other fingerprint');
  });

  t.test('a lapsed lease nobody took over still lets its owner commit', async (t) => {
    const s = await open(t);
    const tok = token(t, await s.claim(req({ leaseMs: 80 })));
    await sleep(130);
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: tok, record: record(), ttlMs: 60_000 }), true);
    t.strictSame(await s.claim(req()), { kind: 'done', record: record() });
  });

  t.test('tombstone: guarded claims are refused, done keys still replay, plain claims pass', async (t) => {
    const s = await open(t);
    const debit = token(t, await s.claim(req()));
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: debit, record: record(), ttlMs: 60_000 }), true);
    const rb = await s.claim(req({ key: ROLLBACK, fingerprint: 'fp-rb', mode: 'tombstone' }));
    token(t, rb, 'rollback claimed');
    t.same(rb.kind === 'claimed' && rb.othersInFlight, [], 'nothing else in flight');
    t.strictSame(await s.claim(req()), { kind: 'done', record: record() }, 'a debit done before the tombstone still replays');
    t.same(await s.claim(req({ key: 'jackpot-rgs:debit2:tx-1' })), { kind: 'rolled_back' }, 'a new guarded key is refused');
    t.same(await s.claim(req({ fingerprint: 'fp-x', key: 'jackpot-rgs:debit3:tx-1' })), { kind: 'rolled_back' });
    token(t, await s.claim(req({ key: 'jackpot-rgs:credit:tx-1', mode: 'plain' })), 'plain ignores the tombstone');
  });

  t.test('tombstone: a rollback that arrives first refuses the later debit; the tombstone outlives its release', async (t) => {
    const s = await open(t);
    const rb = token(t, await s.claim(req({ key: ROLLBACK, fingerprint: 'fp-rb', mode: 'tombstone' })));
    const notFound = record('fp-rb', { class: 'rejected', code: 'TRANSACTION_NOT_FOUND' });
    t.equal(await s.commit({ group: GROUP, key: ROLLBACK, token: rb, record: notFound, ttlMs: 60_000 }), true);
    t.same(await s.claim(req()), { kind: 'rolled_back' }, 'the late debit');
    t.same(await s.claim(req()), { kind: 'rolled_back' }, 'and its retry');
    t.strictSame(await s.claim(req({ key: ROLLBACK, fingerprint: 'fp-rb', mode: 'tombstone' })), { kind: 'done', record: notFound }, 'repeated rollback');

    const g2 = 'jackpot-rgs:tx-2';
    const rb2 = token(t, await s.claim(req({ group: g2, key: ROLLBACK, fingerprint: 'fp-rb', mode: 'tombstone' })));
    t.equal(await s.release({ group: g2, key: ROLLBACK, token: rb2 }), true, 'rollback outcome uncertain: released');
    t.same(await s.claim(req({ group: g2 })), { kind: 'rolled_back' }, 'the tombstone stays');
    token(t, await s.claim(req({ group: g2, key: ROLLBACK, fingerprint: 'fp-rb', mode: 'tombstone' })), 'the rollback can be retried');
  });

  t.test('tombstone mode reports the other keys in flight, and is atomic with guarded claims', async (t) => {
    const s = await open(t);
    token(t, await s.claim(req()));
    token(t, await s.claim(req({ key: 'credit', mode: 'plain' })));
    const done = token(t, await s.claim(req({ key: 'done' })));
    t.equal(await s.commit({ group: GROUP, key: 'done', token: done, record: record(), ttlMs: 60_000 }), true);
    token(t, await s.claim(req({ key: 'lapsed', leaseMs: 60 })));
    await sleep(110);
    const rb = await s.claim(req({ key: ROLLBACK, fingerprint: 'fp-rb', mode: 'tombstone' }));
    token(t, rb);
    t.same(rb.kind === 'claimed' && [...rb.othersInFlight].sort(), ['credit', DEBIT].sort(), 'live claims only, not itself, not done, not lapsed');
    t.same(await s.claim(req()), { kind: 'in_flight' }, 'the debit already in flight keeps running');

    // Race 20 guarded claims against one tombstone claim: each guarded key is either refused or was
    // claimed before the tombstone, in which case the rollback must have seen it in flight.
    const g = 'race:tx';
    const keys = Array.from({ length: 20 }, (_, i) => `debit-${i}`);
    const all = await Promise.all([
      ...keys.slice(0, 10).map((key) => s.claim(req({ group: g, key }))),
      s.claim(req({ group: g, key: 'rb', mode: 'tombstone' })),
      ...keys.slice(10).map((key) => s.claim(req({ group: g, key }))),
    ]);
    const tomb = all[10]!;
    token(t, tomb, 'the rollback is claimed');
    const seen = new Set(tomb.kind === 'claimed' ? tomb.othersInFlight : []);
    const guarded = [...all.slice(0, 10), ...all.slice(11)];
    guarded.forEach((r, i) => {
      const key = keys[i]!;
      if (r.kind === 'claimed') t.ok(seen.has(key), `${key} claimed before the tombstone, so the rollback saw it`);
      else t.equal(r.kind, 'rolled_back', `${key} refused after the tombstone`);
    });
    t.equal(seen.size, guarded.filter((r) => r.kind === 'claimed').length, 'the rollback saw exactly the claimed ones');
  });

  t.test('awaitKey: done on commit, absent on release or lapsed lease, timeout otherwise', async (t) => {
    const s = await open(t);
    t.same(await s.awaitKey(GROUP, 'never', 1_000), { kind: 'absent' }, 'absent at once');

    const a = token(t, await s.claim(req({ key: 'a' })));
    let start = performance.now();
    setTimeout(() => void s.commit({ group: GROUP, key: 'a', token: a, record: record(), ttlMs: 60_000 }), 40);
    t.strictSame(await s.awaitKey(GROUP, 'a', 2_000), { kind: 'done', record: record() }, 'done once committed');
    t.ok(elapsedSince(start) < 1_000, 'woken soon after the commit');
    t.strictSame(await s.awaitKey(GROUP, 'a', 1_000), { kind: 'done', record: record() }, 'done at once');

    const b = token(t, await s.claim(req({ key: 'b' })));
    start = performance.now();
    setTimeout(() => void s.release({ group: GROUP, key: 'b', token: b }), 40);
    t.same(await s.awaitKey(GROUP, 'b', 2_000), { kind: 'absent' }, 'absent once released');
    t.ok(elapsedSince(start) < 1_000, 'woken soon after the release');

    token(t, await s.claim(req({ key: 'c' })));
    start = performance.now();
    t.same(await s.awaitKey(GROUP, 'c', 150), { kind: 'timeout' }, 'still in flight at the deadline');
    const waited = elapsedSince(start);
    t.ok(waited >= 140 && waited < 1_000, `waited about the timeout (${Math.round(waited)} ms)`);

    token(t, await s.claim(req({ key: 'd', leaseMs: 120 })));
    start = performance.now();
    t.same(await s.awaitKey(GROUP, 'd', 2_000), { kind: 'absent' }, 'absent once the lease lapses');
    t.ok(elapsedSince(start) < 1_000, 'woken soon after the lease end');
  });

  t.test('50 concurrent claims of one key: exactly one wins', async (t) => {
    const s = await open(t);
    const results = await Promise.all(Array.from({ length: 50 }, () => s.claim(req())));
    t.equal(results.filter((r) => r.kind === 'claimed').length, 1, 'one claimed');
    t.equal(results.filter((r) => r.kind === 'in_flight').length, 49, 'the rest in flight');
    // The same race on a lapsed claim: still one winner.
    token(t, await s.claim(req({ key: 'lapsing', leaseMs: 60 })));
    await sleep(110);
    const again = await Promise.all(Array.from({ length: 50 }, () => s.claim(req({ key: 'lapsing' }))));
    t.equal(again.filter((r) => r.kind === 'claimed').length, 1, 'one takes over the lapsed claim');
  });

  t.test('grants: kept for their TTL, taken once, scoped, never overwritten', async (t) => {
    const s = await open(t);
    t.equal(await s.putGrant('p1', 'g-1', '{"player":"a"}', 60_000), true);
    t.equal(await s.putGrant('p1', 'g-1', '{"player":"b"}', 60_000), false, 'an id already taken is refused');
    t.equal(await s.putGrant('p2', 'g-1', '{"player":"c"}', 60_000), true, 'another scope is another id');
    t.equal(await s.readGrant('p1', 'g-1'), '{"player":"a"}', 'the first value, verbatim');
    t.equal(await s.readGrant('p1', 'g-1'), '{"player":"a"}', 'reading leaves it');
    t.equal(await s.consumeGrant('p1', 'g-1'), true, 'consumed once');
    t.equal(await s.consumeGrant('p1', 'g-1'), false, 'and only once');
    t.equal(await s.readGrant('p1', 'g-1'), undefined, 'gone once consumed');
    t.equal(await s.readGrant('p2', 'g-1'), '{"player":"c"}');
    t.equal(await s.readGrant('p1', 'never'), undefined);
    t.equal(await s.consumeGrant('p1', 'never'), false);
    t.equal(await s.putGrant('p1', 'short', 'x', 100), true);
    await sleep(250);
    t.equal(await s.readGrant('p1', 'short'), undefined, 'gone after its TTL');
    t.equal(await s.consumeGrant('p1', 'short'), false, 'an expired grant cannot be consumed');
  });

  t.test('50 concurrent consumes of one grant: exactly one wins', async (t) => {
    const s = await open(t);
    await s.putGrant('p', 'race', 'v', 60_000);
    const got = await Promise.all(Array.from({ length: 50 }, () => s.consumeGrant('p', 'race')));
    t.equal(got.filter((v) => v).length, 1, 'one winner');
  });

  t.test('wallet-tx index: commit writes it, resolve reads it, scoped by provider', async (t) => {
    const s = await open(t);
    const tok = token(t, await s.claim(req()));
    t.equal(await s.resolveWalletTransaction('jackpot-rgs', 'w-1'), undefined, 'unknown before the commit');
    const index = { scope: 'jackpot-rgs', walletTxId: 'w-1' };
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: tok, record: record(), ttlMs: 60_000, index }), true);
    t.equal(await s.resolveWalletTransaction('jackpot-rgs', 'w-1'), GROUP);
    t.equal(await s.resolveWalletTransaction('other-provider', 'w-1'), undefined, 'another scope');
    t.equal(await s.resolveWalletTransaction('jackpot-rgs', 'w-2'), undefined, 'another id');
  });

  t.test('TTL: records, index and tombstones expire; the TTL is extended, never shortened', async (t) => {
    const s = await open(t);
    const tok = token(t, await s.claim(req({ leaseMs: 100, ttlMs: SHORT_MS })));
    const index = { scope: 'p', walletTxId: 'w-ttl' };
    t.equal(await s.commit({ group: GROUP, key: DEBIT, token: tok, record: record(), ttlMs: SHORT_MS, index }), true);
    t.equal(await s.resolveWalletTransaction('p', 'w-ttl'), GROUP);
    await sleep(PAST_SHORT_MS);
    token(t, await s.claim(req()), 'the record is gone: the key is new again');
    t.equal(await s.resolveWalletTransaction('p', 'w-ttl'), undefined, 'the index entry is gone');

    const g2 = 'ttl:tombstone';
    const rb = token(t, await s.claim(req({ group: g2, key: ROLLBACK, mode: 'tombstone', leaseMs: 100, ttlMs: SHORT_MS })));
    t.equal(await s.release({ group: g2, key: ROLLBACK, token: rb }), true);
    t.same(await s.claim(req({ group: g2 })), { kind: 'rolled_back' });
    await sleep(PAST_SHORT_MS);
    token(t, await s.claim(req({ group: g2 })), 'the tombstone is gone');

    const g3 = 'ttl:extend';
    const long = token(t, await s.claim(req({ group: g3, ttlMs: 60_000 })));
    t.equal(await s.commit({ group: g3, key: DEBIT, token: long, record: record(), ttlMs: 100 }), true);
    await sleep(200);
    t.strictSame(await s.claim(req({ group: g3 })), { kind: 'done', record: record() }, 'a shorter commit TTL did not shorten the group');
    const g5 = 'ttl:lengthen';
    const short = token(t, await s.claim(req({ group: g5, leaseMs: 60, ttlMs: SHORT_MS })));
    t.equal(await s.commit({ group: g5, key: DEBIT, token: short, record: record(), ttlMs: 60_000 }), true);
    await sleep(PAST_SHORT_MS);
    t.strictSame(await s.claim(req({ group: g5 })), { kind: 'done', record: record() }, 'a longer commit TTL lengthened the group');

    const g4 = 'ttl:lease';
    token(t, await s.claim(req({ group: g4, leaseMs: 1_000, ttlMs: 50 })));
    await sleep(200);
    t.same(await s.claim(req({ group: g4 })), { kind: 'in_flight' }, 'the group outlives the lease even with a shorter TTL');
  });

  t.test('keys and groups with unusual characters; an idempotency key named "t" is not the tombstone', async (t) => {
    const s = await open(t);
    const group = 'we{ird}:grøup }{';
    token(t, await s.claim(req({ group, key: 't' })), 'a guarded key "t" on a fresh group');
    token(t, await s.claim(req({ group, key: 'x{y}z' })));
    const rb = await s.claim(req({ group, key: 'rb', mode: 'tombstone' }));
    t.same(rb.kind === 'claimed' && [...rb.othersInFlight].sort(), ['t', 'x{y}z'].sort());
    t.same(await s.claim(req({ group, key: 'new' })), { kind: 'rolled_back' });
  });

  t.test('bad arguments are programming errors, not unavailability', async (t) => {
    const s = await open(t);
    await t.rejects(s.claim(req({ leaseMs: 0 })), RangeError);
    await t.rejects(s.claim(req({ ttlMs: Number.NaN })), RangeError);
    await t.rejects(s.claim(req({ group: '' })), TypeError);
    await t.rejects(s.claim(req({ mode: 'nope' as ClaimRequest['mode'] })), TypeError);
    await t.rejects(s.rememberNonce('p', 'n', -1), RangeError);
  });

  t.test('ping; after close every method rejects with StoreUnavailableError', async (t) => {
    const s = await open(t);
    await t.resolves(s.ping());
    await s.close();
    await s.close(); // idempotent
    const calls: [string, () => Promise<unknown>][] = [
      ['ping', () => s.ping()],
      ['rememberNonce', () => s.rememberNonce('p', 'n', 1_000)],
      ['claim', () => s.claim(req())],
      ['commit', () => s.commit({ group: GROUP, key: DEBIT, token: 'x', record: record(), ttlMs: 1_000 })],
      ['release', () => s.release({ group: GROUP, key: DEBIT, token: 'x' })],
      ['awaitKey', () => s.awaitKey(GROUP, DEBIT, 100)],
      ['resolveWalletTransaction', () => s.resolveWalletTransaction('p', 'w')],
      ['putGrant', () => s.putGrant('p', 'g', 'v', 1_000)],
      ['readGrant', () => s.readGrant('p', 'g')],
      ['consumeGrant', () => s.consumeGrant('p', 'g')],
    ];
    for (const [name, call] of calls) await t.rejects(call(), StoreUnavailableError, name);
  });
}
