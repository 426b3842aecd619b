/**
 * Review: the tombstone only refuses *debits*. A second rollback of the same transaction under a
 * new rollback id (sportsbook `transaction_id` / solex refund `transaction_id`) has a new key in the
 * same group, is claimed in tombstone mode and forwarded again. The wallet receives a second
 * reversal of bet b-1 under a new Idempotency-Key; a wallet that is idempotent on the key only
 * (which is all CONTRACT §4.3 promises) refunds the stake twice. CONTRACT §5.4: "a rollback is
 * forwarded once; a repeated rollback answers the same".
 *
 * Expected: the second reversal of an already reversed (or being reversed) transaction is answered
 * from the first rollback's record (or refused), never forwarded.
 */
import t from 'tap';
import { sportsbookRig } from '../helpers/sportsbook-rig.js';

t.test('sportsbook: two rollbacks with different ids for one bet reach the wallet once', async (tt) => {
  const { bet, rollback, wallet } = await sportsbookRig(tt);
  tt.equal((await bet('b-1', 10)).body.error, null);
  const first = await rollback('rb-1', 'b-1', 10);
  tt.equal(first.body.error, null);
  const second = await rollback('rb-2', 'b-1', 10);
  tt.not(second.body.error, 'INTERNAL_ERROR', 'a decided answer, not a retry request');
  tt.equal(wallet.callsOf('rollback').length, 1, `the second reversal of b-1 is not forwarded (wallet saw keys ${wallet.callsOf('rollback').map((c) => c.headers['idempotency-key']).join(', ')})`);
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('sportsbook: two concurrent rollbacks with different ids for one bet reach the wallet once', async (tt) => {
  const { bet, rollback, wallet } = await sportsbookRig(tt);
  await bet('b-9', 10);
  wallet.delayMs = 150;
  await Promise.all([rollback('rb-a', 'b-9', 10), rollback('rb-b', 'b-9', 10)]);
  tt.equal(wallet.callsOf('rollback').length, 1, 'one reversal forwarded');
});
