/**
 * Review: `DELETE /v1/rollbacks/{id}` is "failed bet compensation — reverse a prior withdrawal"
 * (seed 000; PROVIDERS.md: "Rollbacks are never sent for deposits"). The gateway indexes the wallet
 * transaction ids of *every* money route of the provider (compile-provider: indexWalletTx is
 * per-provider, compile-route passes it to debits and credits alike), so the id of a deposit
 * resolves too and its reversal is forwarded: a settled win is taken back from the player.
 * This matters because the DELETE is signed over the empty body only: its X-Payload-Signature is
 * the same constant for every rollback, and X-Timestamp / X-Nonce are unsigned, so whoever has
 * seen one rollback can send any id.
 *
 * Expected: a rollback whose wallet transaction id belongs to a deposit is refused like an unknown
 * id (404, tombstone) and never forwarded; only withdrawals are reversible through this route.
 */
import t from 'tap';
import { TEST_JWT_KEY } from '../helpers/keys.js';
import { startStubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway } from '../helpers/gateway.js';
import { predictionHeaders } from '../helpers/sign.js';

const SECRET = 'pm-review-secret';

t.test('DELETE /v1/rollbacks/{deposit wallet id} does not reverse the deposit', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { PREDICTION_MARKETS_HMAC_SECRET: SECRET, PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY }, walletUrl: wallet.url, enabled: ['prediction-markets'] });
  const post = (route: string, body: object) => {
    const text = JSON.stringify(body);
    return gw.send('POST', `/prediction-markets/v1/${route}`, text, predictionHeaders(SECRET, text));
  };
  const w = await post('withdrawals', { transaction_id: 'bet-1', bettor_id: 'player-1', amount: '10.00', currency: 'USD' });
  tt.equal(w.status, 200);
  const d = await post('deposits', { transaction_id: 'settle-1', bettor_id: 'player-1', amount: '21.00', currency: 'USD' });
  tt.equal(d.status, 200);
  tt.equal(wallet.balance('player-1'), '111.00');
  const depositWalletId = d.body.transaction_id as string;

  const rb = await gw.send('DELETE', `/prediction-markets/v1/rollbacks/${encodeURIComponent(depositWalletId)}`, '', predictionHeaders(SECRET, ''));
  tt.equal(rb.status, 404, `a deposit is not reversible here (got ${rb.status} ${rb.text})`);
  tt.equal(wallet.callsOf('rollback').length, 0, 'nothing forwarded');
  tt.equal(wallet.balance('player-1'), '111.00', 'the win stays credited');
});
