/** A sportsbook gateway in front of a stub wallet, with the seed's signing: bets, results, rollbacks. */
import { startStubWallet, type StubWallet } from './stub-wallet.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { sportsbookHeaders } from './sign.js';

export const SPORTSBOOK_HASH = 'sportsbook-rig-hash';

export interface SportsbookRig {
  gw: TestGateway;
  wallet: StubWallet;
  post(path: string, body: object): ReturnType<TestGateway['send']>;
  bet(id: string, amount: number): ReturnType<TestGateway['send']>;
  rollback(id: string, ref: string, amount: number): ReturnType<TestGateway['send']>;
}

export async function sportsbookRig(tt: { teardown(fn: () => unknown): void }, over: { timeoutMs?: number; awaitMs?: number } = {}): Promise<SportsbookRig> {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { SPORTSBOOK_SECURITY_HASH: SPORTSBOOK_HASH }, walletUrl: wallet.url, enabled: ['sportsbook'], ...over });
  const post = (path: string, body: object) => {
    const text = JSON.stringify(body);
    return gw.send('POST', path, text, sportsbookHeaders(SPORTSBOOK_HASH, text));
  };
  return {
    gw,
    wallet,
    post,
    bet: (id, amount) => post('/sportsbook/transaction', { transaction_id: id, action: 'bet', user_id: 'player-1', currency: 'USD', amount }),
    rollback: (id, ref, amount) => post('/sportsbook/transaction-rollback', { transaction_id: id, rollback_transaction_id: ref, action: 'rollback', user_id: 'player-1', currency: 'USD', amount }),
  };
}
