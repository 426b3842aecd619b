/**
 * Review: a wallet 4xx whose code is about the gateway→wallet hop itself (INVALID_SIGNATURE,
 * INVALID_TIMESTAMP, UNAUTHORIZED, REPLAYED_NONCE — CONTRACT §4.1 signing) is classified `rejected`
 * by classifyAnswer and cached by idempotency for idempotency_ttl_s. It says nothing about the
 * player's transaction: a rotated wallet.hmac_secret or a few seconds of clock skew turns every
 * money call into a *final* answer. For a must-succeed settlement (sportsbook result) the winnings
 * are then never credited: the operator's retries get the cached INVALID_HASH for a week.
 *
 * Expected: such answers are uncertain (not cached; must-succeed retries them), so the settlement
 * is credited exactly once as soon as the wallet accepts the gateway's calls again.
 */
import t from 'tap';
import { startStubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway } from '../helpers/gateway.js';
import { jackpotHeaders, sportsbookHeaders } from '../helpers/sign.js';

const HASH = 'sportsbook-review-hash';

for (const code of ['INVALID_SIGNATURE', 'INVALID_TIMESTAMP', 'UNAUTHORIZED']) {
  t.test(`sportsbook result (must succeed): one wallet 401 ${code} is not a final answer`, async (tt) => {
    const wallet = await startStubWallet();
    tt.teardown(() => wallet.close());
    const gw = await startTestGateway(tt, { env: { SPORTSBOOK_SECURITY_HASH: HASH }, walletUrl: wallet.url, enabled: ['sportsbook'], retryBudgetMs: 1000 });
    let refused = 0;
    // The wallet refuses the gateway's signature once (key rotation / clock skew), then recovers.
    wallet.reject = (call) => (call.operation === 'credit' && refused++ === 0 ? { code, status: 401 } : undefined);
    const text = JSON.stringify({ transaction_id: `res-${code}`, action: 'result', user_id: 'player-1', currency: 'USD', amount: 25 });
    const send = () => gw.send('POST', '/sportsbook/transaction', text, sportsbookHeaders(HASH, text));

    // The operator retries a result until it is answered with success (PROVIDERS.md: must succeed).
    let last = await send();
    for (let i = 0; i < 3 && last.body?.error !== null; i++) last = await send();

    tt.equal(last.body?.error, null, `the settlement eventually succeeds (last answer ${last.text})`);
    tt.equal(wallet.balance('player-1'), '125.00', 'the winnings are credited exactly once');
  });
}

t.test('jackpot-rgs credit: a wallet 401 INVALID_TIMESTAMP is not replayed to the RGS as its own INVALID_SIGNATURE', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const secret = 'jackpot-review-secret';
  const gw = await startTestGateway(tt, { env: { JACKPOT_RGS_HMAC_SECRET: secret }, walletUrl: wallet.url, enabled: ['jackpot-rgs'] });
  let refused = 0;
  wallet.reject = (call) => (call.operation === 'credit' && refused++ === 0 ? { code: 'INVALID_TIMESTAMP', status: 401 } : undefined);
  const path = '/jackpot-rgs/callback/credit';
  const body = (rid: string) => JSON.stringify({ requestId: rid, playerId: 'player-1', transactionId: 'win-1', roundId: 'r-1', gameCode: 'g', amount: '5.00' });
  const first = await gw.send('POST', path, body('a'), jackpotHeaders(secret, path, body('a')));
  tt.not(first.status, 401, 'a wallet-side auth failure is not rendered as the RGS\'s own signature failure');
  const retry = await gw.send('POST', path, body('b'), jackpotHeaders(secret, path, body('b')));
  tt.same(retry.body, { requestId: 'b', status: 'OK', balance: '105.00' }, 'the retry reaches the recovered wallet');
  tt.equal(wallet.balance('player-1'), '105.00');
});
