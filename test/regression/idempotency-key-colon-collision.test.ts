/**
 * Regression (money path hardening, defect 1): provider-controlled text containing `:` met another
 * record's key. sportsbook keys bets `{provider}:{transaction_id}` and rollbacks
 * `{provider}:rollback:{transaction_id}`: a bet with transaction_id `rollback:RB1` and the later real
 * rollback `RB1` of another bet both became `sportsbook:rollback:RB1` (in the store and as the wallet's
 * Idempotency-Key), so the rollback was answered as a duplicate and the player was never refunded.
 * Every interpolated key part is now escaped (`:` → %3A, `%` → %25).
 */
import t from 'tap';
import { keyPart, unkeyPart } from '../../gateway/pipeline/key-parts.js';
import { sportsbookRig } from '../helpers/sportsbook-rig.js';

t.test('sportsbook: a bet id that spells a rollback key does not swallow the real rollback', async (tt) => {
  const { bet, rollback, wallet } = await sportsbookRig(tt);
  tt.equal((await bet('rollback:RB1', 5)).body.error, null, 'the odd-looking bet is a bet');
  tt.equal((await bet('b-2', 3)).body.error, null);
  const rb = await rollback('RB1', 'b-2', 3);
  tt.equal(rb.body.error, null, `the real rollback is a rollback (${JSON.stringify(rb.body)})`);
  tt.equal(wallet.balance('player-1'), '95.00', 'b-2 refunded, the odd bet still standing');
  const keys = wallet.calls.map((c) => c.headers['idempotency-key']);
  tt.equal(new Set(keys).size, keys.length, `every wallet call has its own Idempotency-Key (${keys.join(', ')})`);
  tt.equal(wallet.callsOf('rollback').length, 1);
});

t.test('prediction-markets-like ids: a withdrawal id with colons keeps its own group', async (tt) => {
  const { bet, wallet } = await sportsbookRig(tt);
  tt.equal((await bet('a:b', 1)).body.error, null);
  tt.equal((await bet('a', 1)).body.error, null);
  tt.equal((await bet('a:b', 1)).body.error, null, 'a retry of a:b replays');
  tt.equal(wallet.callsOf('debit').length, 2, 'two distinct bets reached the wallet once each');
});

t.test('keyPart is one-to-one and leaves ordinary ids alone', async (tt) => {
  for (const id of ['tx-1', 'rollback:RB1', 'a%3Ab', '%', ':', 'a:%:b', '']) tt.equal(unkeyPart(keyPart(id)), id, JSON.stringify(id));
  tt.equal(keyPart('tx-123'), 'tx-123');
  tt.not(keyPart('a:b'), keyPart('a%3Ab'), 'the escape itself is escaped');
});
