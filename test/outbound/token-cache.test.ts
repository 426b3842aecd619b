/** TokenCache on a frozen clock: reuse, renewal margin, single flight, invalidation, failures. */
import t from 'tap';
import { TokenCache, type FetchedToken } from '../../gateway/outbound/token-cache.js';

function rig(lifetimeS = 100, marginS = 10, backoffMs = 0) {
  let now = 1_000_000;
  let n = 0;
  let fail = false;
  let release: (() => void) | undefined;
  let hold = false;
  const fetch = async (): Promise<FetchedToken> => {
    n++;
    if (hold) await new Promise<void>((r) => (release = r));
    if (fail) throw new Error('login refused');
    return { token: `tok-${n}`, lifetimeS };
  };
  const cache = new TokenCache(fetch, marginS * 1000, () => now, backoffMs);
  return {
    cache,
    fetches: () => n,
    advance: (ms: number) => void (now += ms),
    fail: (v: boolean) => void (fail = v),
    hold: (v: boolean) => void (hold = v),
    release: () => release?.(),
  };
}

t.test('reused until the margin before expiry, then renewed', async (t) => {
  const r = rig(100, 10);
  t.equal(await r.cache.get(), 'tok-1');
  r.advance(89_000);
  t.equal(await r.cache.get(), 'tok-1', 'still 11 s to go');
  r.advance(1_000);
  t.equal(await r.cache.get(), 'tok-1', 'inside the margin the valid token is answered at once…');
  await new Promise((res) => setImmediate(res));
  t.equal(r.fetches(), 2, '…while it is renewed in the background');
  t.equal(await r.cache.get(), 'tok-2', 'renewed 10 s before expiry');
});

t.test('a hung renewal inside the margin delays nobody; past expiry callers wait for it', async (t) => {
  const r = rig(100, 10);
  t.equal(await r.cache.get(), 'tok-1');
  r.advance(95_000);
  r.hold(true);
  t.equal(await r.cache.get(), 'tok-1', 'not blocked by the hung login');
  t.equal(await r.cache.get(), 'tok-1');
  t.equal(r.fetches(), 2, 'one background renewal');
  r.advance(6_000);
  const waiting = r.cache.get();
  r.release();
  t.equal(await waiting, 'tok-2', 'an expired token is never answered: the caller waits for the renewal');
  t.equal(r.fetches(), 2);
});

t.test('a failed login is remembered for the back-off: no second login inside it', async (t) => {
  const r = rig(100, 10, 5_000);
  r.fail(true);
  await t.rejects(r.cache.get(), /login refused/);
  await t.rejects(r.cache.get(), /login refused/, 'the same error at once');
  t.equal(r.fetches(), 1, 'no second login inside the back-off');
  r.advance(5_000);
  r.fail(false);
  t.equal(await r.cache.get(), 'tok-2', 'after it, one more attempt');
});

t.test('a lifetime shorter than twice the margin renews at half of it', async (t) => {
  const r = rig(4, 60);
  t.equal(await r.cache.get(), 'tok-1');
  r.advance(1_999);
  t.equal(await r.cache.get(), 'tok-1');
  t.equal(r.fetches(), 1);
  r.advance(1);
  await r.cache.get();
  await new Promise((res) => setImmediate(res));
  t.equal(r.fetches(), 2, 'renewed at half its life');
  t.equal(await r.cache.get(), 'tok-2');
});

t.test('single flight: 50 concurrent callers, one fetch', async (t) => {
  const r = rig();
  r.hold(true);
  const all = Array.from({ length: 50 }, () => r.cache.get());
  r.release();
  t.same(new Set(await Promise.all(all)), new Set(['tok-1']));
  t.equal(r.fetches(), 1);
});

t.test('invalidate forgets only the current token (a stale 401 does not drop a fresh token)', async (t) => {
  const r = rig();
  const first = await r.cache.get();
  r.cache.invalidate(first);
  const second = await r.cache.get();
  t.equal(second, 'tok-2');
  r.cache.invalidate(first);
  t.equal(await r.cache.get(), 'tok-2', 'the fresh token is kept');
  t.equal(r.fetches(), 2);
});

t.test('a failed fetch reaches every waiter, is not cached, and an early renewal falls back', async (t) => {
  const r = rig(100, 10);
  r.fail(true);
  r.hold(true);
  const waiters = Array.from({ length: 5 }, () => r.cache.get());
  r.release();
  for (const w of waiters) await t.rejects(w, /login refused/);
  t.equal(r.fetches(), 1, 'one fetch for the five');
  r.hold(false);
  await t.rejects(r.cache.get(), /login refused/, 'the next caller tries again');
  t.equal(r.fetches(), 2);
  r.fail(false);
  t.equal(await r.cache.get(), 'tok-3');
  r.advance(95_000);
  r.fail(true);
  t.equal(await r.cache.get(), 'tok-3', 'inside the margin a failed renewal keeps the token still valid');
  await new Promise((res) => setImmediate(res));
  r.advance(6_000);
  await t.rejects(r.cache.get(), /login refused/, 'past its expiry it is not used');
  t.same(r.cache.state().held, true);
  t.notOk(JSON.stringify(r.cache.state()).includes('tok-'), 'state() never shows the token');
});
