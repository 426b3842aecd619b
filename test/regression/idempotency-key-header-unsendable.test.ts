/**
 * Review: mapping accepts any JSON string ≤ 256 characters as a transaction id, and the wallet
 * client puts `{provider}:{operation}:{transaction_id}` verbatim into the `Idempotency-Key` HTTP
 * header. undici refuses header values with control characters or characters above U+00FF, throws
 * before anything is sent, and HttpWalletClient turns that into an *uncertain* WALLET_UNAVAILABLE.
 * So a signed callback with, say, transactionId "tx-€1" or "tx-日本" is answered "retry later"
 * forever: the RGS's rollback of it carries the same id and is uncertain forever too, and a
 * must-succeed settlement with such an id burns its whole retry budget on every attempt and can
 * never pass. Nothing ever reaches the wallet.
 *
 * Expected: either the id is carried safely (encoded) and the call is forwarded, or the request is
 * refused up front as INVALID_REQUEST (final, CONTRACT §5.7) — never an endless uncertain answer.
 */
import t from 'tap';
import { startStubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway } from '../helpers/gateway.js';
import { jackpotHeaders } from '../helpers/sign.js';

const SECRET = 'jackpot-review-secret';

for (const tx of ['tx-€1', 'tx-日本', 'tx\u0001x']) {
  t.test(`jackpot-rgs debit and rollback with transactionId ${JSON.stringify(tx)} get a decided answer`, async (tt) => {
    const wallet = await startStubWallet();
    tt.teardown(() => wallet.close());
    const gw = await startTestGateway(tt, { env: { JACKPOT_RGS_HMAC_SECRET: SECRET }, walletUrl: wallet.url, enabled: ['jackpot-rgs'] });
    const call = (route: string, body: object) => {
      const path = `/jackpot-rgs/callback/${route}`;
      const text = JSON.stringify(body);
      return gw.send('POST', path, text, jackpotHeaders(SECRET, path, text));
    };
    const d = await call('debit', { requestId: 'd', playerId: 'player-1', transactionId: tx, roundId: 'r', gameCode: 'g', amount: '1.00' });
    tt.not(d.status, 503, `the debit is decided, not "retry later" (got ${d.status} ${d.text})`);
    const rb = await call('rollback', { requestId: 'rb', playerId: 'player-1', transactionId: tx, roundId: 'r', gameCode: 'g' });
    tt.not(rb.status, 503, `its rollback is decided too (got ${rb.status} ${rb.text})`);
    tt.equal(wallet.balance('player-1'), '100.00');
  });
}
