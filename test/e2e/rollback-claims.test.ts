/**
 * A rollback with an id of its own holds two claims (its own key, the reversed transaction's one
 * reversal key). These pin what happens when the wallet fails under them: uncertain answers release
 * both claims, nothing is cached, and the eventual reversal happens exactly once whichever rollback
 * id gets there.
 */
import t from 'tap';
import { sportsbookRig } from '../helpers/sportsbook-rig.js';

t.test('wallet 503 on a rollback: retryable, nothing cached; the retry reverses once; a second rollback id answers the same', async (tt) => {
  const { bet, rollback, wallet } = await sportsbookRig(tt);
  tt.equal((await bet('b-1', 10)).body.error, null);
  wallet.fault = (c) => (c.operation === 'rollback' ? '503' : 'none');
  const failed = await rollback('rb-1', 'b-1', 10);
  tt.same(failed.body, { error: 'INTERNAL_ERROR' }, 'uncertain: the operator retries');
  tt.equal(wallet.balance('player-1'), '90.00');
  wallet.fault = 'none';
  const ok = await rollback('rb-1', 'b-1', 10);
  tt.equal(ok.body.error, null);
  tt.equal(wallet.balance('player-1'), '100.00');
  const other = await rollback('rb-2', 'b-1', 10);
  tt.same(other.body, ok.body, 'a second rollback id of the same bet answers the first reversal');
  tt.equal(wallet.callsOf('rollback').length, 2, 'the failed attempt and the one reversal; rb-2 never forwarded');
  tt.equal((await bet('b-1', 10)).body.error, null, 'the original bet replays its own answer');
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('wallet hanging on a rollback while a second rollback id arrives: neither is cached, the reversal happens once', async (tt) => {
  const { bet, rollback, wallet } = await sportsbookRig(tt, { timeoutMs: 300, awaitMs: 1000 });
  await bet('b-2', 10);
  wallet.fault = (c) => (c.operation === 'rollback' ? 'hang' : 'none');
  const [a, b] = await Promise.all([rollback('rb-a', 'b-2', 10), new Promise((r) => setTimeout(r, 50)).then(() => rollback('rb-b', 'b-2', 10))]);
  tt.same(a.body, { error: 'INTERNAL_ERROR' });
  tt.same(b.body, { error: 'INTERNAL_ERROR' }, 'the second waited for the first, which was uncertain: retry later');
  // The sportsbook's must-succeed retries of the result route do not apply to rollbacks here, so
  // the hung call is the only attempt: the second id never reached the wallet.
  tt.equal(wallet.callsOf('rollback').length, 1);
  wallet.fault = 'none';
  const rb = await rollback('rb-b', 'b-2', 10);
  tt.equal(rb.body.error, null);
  const ra = await rollback('rb-a', 'b-2', 10);
  tt.same(ra.body, rb.body);
  tt.equal(wallet.balance('player-1'), '100.00', 'the stake came back once');
});

t.test('rollback first, then its bet, then another rollback id: the bet is refused and nothing moves', async (tt) => {
  const { bet, rollback, wallet } = await sportsbookRig(tt);
  const rb = await rollback('rb-1', 'b-late', 10);
  tt.equal(rb.body.error, null, 'unknown bet: success, nothing moves (sportsbook policy)');
  tt.same((await bet('b-late', 10)).body, { error: 'DUPLICATE_TRANSACTION' }, 'the late bet is refused');
  tt.equal(wallet.callsOf('debit').length, 0);
  const again = await rollback('rb-2', 'b-late', 10);
  tt.same(again.body, rb.body, 'a second rollback id of that bet answers the same');
  tt.equal(wallet.balance('player-1'), '100.00');
});
