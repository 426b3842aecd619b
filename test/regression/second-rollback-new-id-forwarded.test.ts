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
import { startStubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway } from '../helpers/gateway.js';
import { sportsbookHeaders } from '../helpers/sign.js';

const HASH = 'sportsbook-review-hash';

t.test('sportsbook: two rollbacks with different ids for one bet reach the wallet once', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { SPORTSBOOK_SECURITY_HASH: HASH }, walletUrl: wallet.url, enabled: ['sportsbook'] });
  const post = (path: string, body: object) => {
    const text = JSON.stringify(body);
    return gw.send('POST', path, text, sportsbookHeaders(HASH, text));
  };
  tt.equal((await post('/sportsbook/transaction', { transaction_id: 'b-1', action: 'bet', user_id: 'player-1', currency: 'USD', amount: 10 })).body.error, null);
  const rb = (id: string) => post('/sportsbook/transaction-rollback', { transaction_id: id, rollback_transaction_id: 'b-1', action: 'rollback', user_id: 'player-1', currency: 'USD', amount: 10 });
  const first = await rb('rb-1');
  tt.equal(first.body.error, null);
  const second = await rb('rb-2');
  tt.not(second.body.error, 'INTERNAL_ERROR', 'a decided answer, not a retry request');
  tt.equal(wallet.callsOf('rollback').length, 1, `the second reversal of b-1 is not forwarded (wallet saw keys ${wallet.callsOf('rollback').map((c) => c.headers['idempotency-key']).join(', ')})`);
  tt.equal(wallet.balance('player-1'), '100.00');
});

t.test('sportsbook: two concurrent rollbacks with different ids for one bet reach the wallet once', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { SPORTSBOOK_SECURITY_HASH: HASH }, walletUrl: wallet.url, enabled: ['sportsbook'] });
  const post = (path: string, body: object) => {
    const text = JSON.stringify(body);
    return gw.send('POST', path, text, sportsbookHeaders(HASH, text));
  };
  await post('/sportsbook/transaction', { transaction_id: 'b-9', action: 'bet', user_id: 'player-1', currency: 'USD', amount: 10 });
  wallet.delayMs = 150;
  const rb = (id: string) => post('/sportsbook/transaction-rollback', { transaction_id: id, rollback_transaction_id: 'b-9', action: 'rollback', user_id: 'player-1', currency: 'USD', amount: 10 });
  await Promise.all([rb('rb-a'), rb('rb-b')]);
  tt.equal(wallet.callsOf('rollback').length, 1, 'one reversal forwarded');
});
