/**
 * Chaos through both example adapters: 2,000 jackpot-rgs rounds each (debit, then a credit or, when
 * the debit stays uncertain, its rollback), with 5% of the wallet's money calls faulted — unusable
 * answers, and answers lost after the wallet applied the call (503, reset, hang). The RGS behaves
 * as its seed says: retries, rolls back what stays uncertain, retries credits until answered. At
 * the end the legacy ledger matches exactly what the RGS was told, and no debit was applied twice.
 */
import t from 'tap';
import { adapterRig, txOf, walletVariant, withoutStatusQueries, type AdapterName } from './rig.js';
import type { LegacyFault } from '../../helpers/legacy-wallets.js';

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 2000);
const CONCURRENCY = 10;
const FAULTS: LegacyFault[] = ['503', 'reset', 'garbage', 'applied-503', 'applied-reset', 'applied-hang', 'hang'];
/**
 * CHAOS_BLIND=1 measures the baseline instead: StatusWallet declared `idempotent: true` (a lie)
 * without its status queries, so uncertain calls are resent blindly; the run then reports how many
 * debits were applied twice instead of asserting the ledger.
 */
const BLIND = process.env.CHAOS_BLIND === '1';

function cents(d: string): bigint {
  const [i, f = ''] = d.split('.');
  return BigInt(i!) * 100n + BigInt(f.padEnd(2, '0'));
}

for (const name of (BLIND ? ['statuswallet'] : ['ledgerpro', 'statuswallet']) as AdapterName[]) {
  t.test(`${name}: ${ROUNDS} rounds with 5% faults — the ledger matches what the RGS was told`, async (t) => {
    const blindFile = BLIND ? walletVariant(t, 'statuswallet', (w) => {
      withoutStatusQueries(w);
      w['idempotent'] = true; // the lie: resends go out blind (the key it sends, the wallet ignores)
      for (const op of ['debit', 'credit', 'rollback']) w['operations'][op]['call']['headers'] = { 'Idempotency-Key': { $from: 'input.idempotency_key' } };
    }) : undefined;
    const r = await adapterRig(t, name, { timeoutMs: 250, players: { whale: { currency: 'USD', balance: '1000000.00' } }, ...(blindFile ? { file: blindFile } : {}) });
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let faulted = 0;
    const QUERY_FAULTS: LegacyFault[] = ['503', 'reset', 'garbage', 'hang'];
    r.wallet.fault = (c) => {
      // Status queries fail too (5%): an inconclusive look-up must never lead to a blind resend.
      if (c.method === 'GET' && c.path.startsWith('/transactions')) return rand() < 0.05 ? ((faulted++), QUERY_FAULTS[Math.floor(rand() * QUERY_FAULTS.length)]!) : 'none';
      if (c.method !== 'POST' || c.path.includes('balance') || rand() >= 0.05) return 'none';
      faulted++;
      return FAULTS[Math.floor(rand() * FAULTS.length)]!;
    };
    let told = 0n; // what the RGS believes moved, in cents (negative = debited)
    let uncertainEnds = 0;
    const round = async (i: number): Promise<void> => {
      const tx = `${name}-d${i}`;
      const amount = `${1 + (i % 500)}.${String(i % 100).padStart(2, '0')}`;
      const body = (id: string, amt: string, req: string) => ({ requestId: req, playerId: 'whale', transactionId: id, roundId: `r${i}`, gameCode: 'dice', amount: amt });
      let debit: any;
      for (let attempt = 0; attempt < 3; attempt++) {
        debit = await r.jackpot('debit', body(tx, amount, `${tx}-${attempt}`));
        if (debit.status === 200) break;
      }
      if (debit.status === 200 && debit.body.status === 'OK') {
        told -= cents(amount);
        const win = i % 3 === 0 ? '0' : `${i % 7}.50`;
        for (let attempt = 0; ; attempt++) {
          const c = await r.jackpot('credit', body(`${name}-c${i}`, win, `${tx}-c${attempt}`));
          if (c.status === 200 && c.body.status === 'OK') {
            told += cents(win);
            return;
          }
          if (attempt > 20) throw new Error(`credit ${i} never answered: ${JSON.stringify(c.body)}`);
        }
      }
      // Uncertain after its retries: the RGS rolls the debit back until the rollback is answered.
      for (let attempt = 0; ; attempt++) {
        const rb = await r.jackpot('rollback', { requestId: `${tx}-rb${attempt}`, playerId: 'whale', transactionId: tx, roundId: `r${i}`, gameCode: 'dice' });
        if (rb.status === 200 && rb.body.status === 'OK') return;
        if (attempt > 20) {
          uncertainEnds++;
          return;
        }
      }
    };
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < ROUNDS) await round(next++);
    }));
    t.comment(`${name}: ${ROUNDS} rounds, ${faulted} faulted wallet calls`);
    if (BLIND) {
      let doubled = 0;
      for (let i = 0; i < ROUNDS; i++) if (r.wallet.calls.filter((c) => c.applied && c.path === '/wallet/debit' && txOf(c) === `${name}-d${i}`).length > 1) doubled++;
      t.comment(`blind resends: ${doubled} debits applied twice; ledger off by ${cents(r.wallet.balance('whale')) - cents('1000000.00') - told} cents`);
      return;
    }
    t.ok(faulted >= ROUNDS * 0.05, `faults happened (${faulted})`);
    t.equal(uncertainEnds, 0, 'every round ended answered');
    t.equal(cents(r.wallet.balance('whale')) - cents('1000000.00'), told, 'the ledger moved exactly what the RGS was told');
    for (let i = 0; i < ROUNDS; i++) {
      const debits = r.wallet.calls.filter((c) => c.applied && c.method === 'POST' && !c.path.includes('refund') && !c.path.includes('deposit') && !c.path.includes('credit') && txOf(c) === `${name}-d${i}`).length;
      if (debits > 1) t.fail(`debit ${i} applied ${debits} times`);
    }
  });
}
