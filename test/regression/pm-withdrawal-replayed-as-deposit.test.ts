/**
 * Review: prediction-markets signs the raw body only (seed 000): path, X-Timestamp and X-Nonce are
 * not covered, so a signed withdrawal body is an equally valid *deposit* body — anyone who holds one
 * captured request can POST it to /v1/deposits with a fresh timestamp and nonce. The descriptor keys
 * withdrawals and deposits separately (`{provider}:{operation}:{transaction_id}`), so the deposit
 * with the withdrawal's transaction_id is a new key and is forwarded: the stake is credited back
 * while the bet stands. The seed's own idempotency rule is per transaction_id, across endpoints:
 * "if you receive a request with a transaction_id you have already processed, return the same
 * response you returned the first time. Do not debit or credit the bettor a second time."
 *
 * Expected: the deposit that reuses a withdrawal's transaction_id is refused (409 conflict) and not
 * forwarded, as sportsbook already does with its shared `{provider}:{transaction_id}` key.
 */
import t from 'tap';
import { TEST_JWT_KEY } from '../helpers/keys.js';
import { randomUUID } from 'node:crypto';
import { startStubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway } from '../helpers/gateway.js';
import { isoSeconds, predictionHeaders } from '../helpers/sign.js';

const SECRET = 'pm-review-secret';

t.test('a captured withdrawal, replayed to /v1/deposits with fresh unsigned headers, credits nothing', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { PREDICTION_MARKETS_HMAC_SECRET: SECRET, PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY }, walletUrl: wallet.url, enabled: ['prediction-markets'] });
  const body = JSON.stringify({ transaction_id: 'txn-1', bettor_id: 'player-1', amount: '10.50', currency: 'USD', metadata: { market_id: 'mkt-1' } });
  const signed = predictionHeaders(SECRET, body);
  const w = await gw.send('POST', '/prediction-markets/v1/withdrawals', body, signed);
  tt.equal(w.status, 200);
  tt.equal(wallet.balance('player-1'), '89.50');

  // Same bytes, same X-Payload-Signature; only the unsigned headers are refreshed.
  const replay = await gw.send('POST', '/prediction-markets/v1/deposits', body, { ...signed, 'x-timestamp': isoSeconds(), 'x-nonce': randomUUID() });
  tt.equal(replay.status, 409, `refused as a reused transaction id (got ${replay.status} ${replay.text})`);
  tt.equal(wallet.callsOf('credit').length, 0, 'nothing forwarded');
  tt.equal(wallet.balance('player-1'), '89.50', 'the stake is not credited back');
});
