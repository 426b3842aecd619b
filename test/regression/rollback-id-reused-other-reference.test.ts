/**
 * Review: a rollback's idempotency key is its own id (`{provider}:rollback:{transaction_id}`), but
 * its claim lives in the group of the *reversed* transaction (groupOf → `{provider}:{reference}`).
 * So the same rollback id sent again with another reference lands in another group, finds no entry,
 * and is claimed and forwarded: no TRANSACTION_CONFLICT, although CONTRACT §5.3 lists the
 * reference in the fingerprint ("same key with a different fingerprint (… reference …) →
 * TRANSACTION_CONFLICT, nothing forwarded"). The wallet then receives the same Idempotency-Key with
 * another payload; a key-idempotent wallet answers the first rollback's stored result, the gateway
 * renders it as "bet 2 rolled back" and drops a tombstone on bet 2 — yet bet 2's stake was never
 * returned.
 *
 * Expected: the reused rollback id with another reference is DUPLICATE_TRANSACTION (sportsbook) /
 * TRANSACTION_CONFLICT (solex), and nothing is forwarded.
 */
import t from 'tap';
import { startStubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway } from '../helpers/gateway.js';
import { solexHeaders } from '../helpers/sign.js';
import { sportsbookRig } from '../helpers/sportsbook-rig.js';

t.test('sportsbook: rollback rb-1 for bet b-1, then rb-1 again for bet b-2', async (tt) => {
  const { bet, rollback, wallet } = await sportsbookRig(tt);
  tt.equal((await bet('b-1', 10)).body.error, null);
  tt.equal((await bet('b-2', 10)).body.error, null);
  tt.equal(wallet.balance('player-1'), '80.00');
  const first = await rollback('rb-1', 'b-1', 10);
  tt.equal(first.body.error, null);
  tt.equal(wallet.balance('player-1'), '90.00');

  const reused = await rollback('rb-1', 'b-2', 10);
  tt.same(reused.body, { error: 'DUPLICATE_TRANSACTION' }, `same rollback id, other reference: conflict (got ${reused.text})`);
  tt.equal(wallet.callsOf('rollback').length, 1, 'the reused rollback id never reaches the wallet');
  tt.equal(wallet.balance('player-1'), '90.00');

  // And it must not have tombstoned bet b-2's group: b-2 was never reversed.
  const retryB2 = await bet('b-2', 10);
  tt.equal(retryB2.body.error, null, 'b-2 is still a live bet');
});

t.test('solex-igsp: refund r-1 for bet b-1, then refund r-1 again for bet b-2', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const env = { SOLEX_IGSP_API_KEY: 'k', SOLEX_IGSP_SECRET_KEY: 's' };
  const gw = await startTestGateway(tt, { env, walletUrl: wallet.url, enabled: ['solex-igsp'] });
  const hook = (body: object) => {
    const text = JSON.stringify(body);
    return gw.send('POST', '/solex-igsp/hooks', text, solexHeaders('k', 's', text));
  };
  const base = { player_id: 'player-1', currency: 'USD', game_id: 'g', session_id: 's-1' };
  tt.equal((await hook({ action: 'bet', ...base, amount: 5, transaction_id: 'b-1', type: 'bet' })).status, 200);
  tt.equal((await hook({ action: 'bet', ...base, amount: 5, transaction_id: 'b-2', type: 'bet' })).status, 200);
  tt.equal((await hook({ action: 'refund', ...base, amount: 5, transaction_id: 'r-1', bet_transaction_id: 'b-1' })).status, 200);
  const reused = await hook({ action: 'refund', ...base, amount: 5, transaction_id: 'r-1', bet_transaction_id: 'b-2' });
  tt.equal(reused.status, 400, `conflict (got ${reused.status} ${reused.text})`);
  tt.equal(reused.body.error, 'TRANSACTION_CONFLICT');
  tt.equal(wallet.callsOf('rollback').length, 1, 'nothing forwarded');
  tt.equal(wallet.balance('player-1'), '95.00');
});
