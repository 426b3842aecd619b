/**
 * A gateway process killed with SIGKILL while its debit is in flight at the wallet leaves a claim
 * nobody will commit or release. The provider gets no answer and retries on another instance
 * sharing the Redis, either the debit itself or (what an RGS does after a failed debit) its
 * rollback:
 * - before the lease ends the retry gets the retryable answer (TRANSACTION_IN_PROGRESS → the
 *   jackpot-rgs default row, 503 INTERNAL_ERROR) and reaches nothing at the wallet;
 * - after the lease it is forwarded and resolves to exactly one wallet effect — the debit once, or
 *   the debit reversed (or never made) — whether the wallet had applied the killed instance's call
 *   (answering into the void) or never applied it.
 * The four cases run at the same time: two victim processes (each with two debits in flight) and
 * one survivor, one player per case.
 */
import t from 'tap';
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault, WalletCallRecord } from '../../helpers/stub-wallet.js';
import { crashSigns, inspectLeaseMs, sharedRedisSetup, startGateways, type GatewayOptions, type GatewayProcess, until } from './rig.js';

const WALLET_TIMEOUT_MS = 1000;
const AWAIT_TIMEOUT_MS = 250;
/** How long the wallet holds the killed instance's call before applying it (the "applies" cases). */
const HOLD_MS = 2000;
/** The provider's pause between retries. */
const RETRY_PAUSE_MS = 200;

interface Case {
  label: string;
  victim: GatewayProcess;
  player: string;
  applies: boolean;
  retry: 'debit' | 'rollback';
  tx: string;
}

const players = ['p-applied-debit', 'p-applied-rollback', 'p-never-debit', 'p-never-rollback'];
const rig = await sharedRedisSetup(t, Object.fromEntries(players.map((p) => [p, { currency: 'USD', balance: '100.00' }])));
if (rig) {
  const { url, prefix, wallet } = rig;
  const opts: GatewayOptions = { storeUrl: url, prefix, walletUrl: wallet.url, walletTimeoutMs: WALLET_TIMEOUT_MS, awaitTimeoutMs: AWAIT_TIMEOUT_MS };
  const [leaseMs, [victimApplies, victimNever, survivor]] = await Promise.all([inspectLeaseMs(opts), startGateways(t, 3, opts)]);
  const run = randomBytes(4).toString('hex');

  /** Per transaction id: what the wallet does with the first (the doomed instance's) debit. */
  const doomed = new Map<string, { fault: Fault; arrived: () => void }>();
  wallet.fault = (call: WalletCallRecord): Fault => {
    const d = call.operation === 'debit' ? doomed.get(call.body.transaction_id) : undefined;
    if (!d) return 'none';
    doomed.delete(call.body.transaction_id);
    d.arrived();
    if (d.fault === 'none') {
      // Hold this one call, then apply it: the stub reads delayMs right after this returns.
      wallet.delayMs = HOLD_MS;
      queueMicrotask(() => (wallet.delayMs = 0));
    }
    return d.fault;
  };

  t.test('the lease of a jackpot-rgs debit is 2 × wallet timeout + await timeout + 5 s', async (t) => {
    t.equal(leaseMs, 2 * WALLET_TIMEOUT_MS + AWAIT_TIMEOUT_MS + 5000, `gateway inspect says lease ${leaseMs}ms`);
  });

  const debitBody = (c: Case, requestId: string) => ({ requestId, playerId: c.player, transactionId: c.tx, roundId: `r-${c.tx}`, gameCode: 'dice-alpha', amount: '7.00' });
  const rollbackBody = (c: Case, requestId: string) => ({ requestId, playerId: c.player, transactionId: c.tx, roundId: `r-${c.tx}`, gameCode: 'dice-alpha' });
  const callsOf = (op: string, c: Case) => wallet.callsOf(op).filter((x) => x.body.transaction_id === c.tx);
  /** Every wallet call about this case's transaction (the cases run at the same time). */
  const callsFor = (c: Case) => wallet.calls.filter((x) => x.body.transaction_id === c.tx).length;

  /** After the kill: the provider retries on the survivor until it gets a final answer. */
  async function afterKill(t: Test, c: Case, t0: number, tKill: number): Promise<void> {
    const { label, player } = c;
    if (c.applies) {
      t.ok(await until(() => wallet.balance(player) === '93.00', HOLD_MS + 3000), `${label} the wallet applied the call after the instance died`);
    } else {
      await sleep(500);
      t.equal(wallet.balance(player), '100.00', `${label} the wallet did not apply it`);
    }
    const attempts: { at: number; status: number; body: any; debits: number; rollbacks: number }[] = [];
    const deadline = t0 + leaseMs + 8000;
    for (let i = 0; performance.now() < deadline; i++) {
      const r = await survivor!.jackpot(c.retry, c.retry === 'debit' ? debitBody(c, `retry-${i}`) : rollbackBody(c, `retry-${i}`));
      attempts.push({ at: performance.now() - t0, status: r.status, body: r.body, debits: callsOf('debit', c).length, rollbacks: callsOf('rollback', c).length });
      if (r.status === 200) break;
      await sleep(RETRY_PAUSE_MS);
    }
    const ok = attempts.at(-1)!;
    // Attempts that ended before t0 + lease certainly ran while the dead instance's claim was live.
    const early = attempts.filter((x) => x.at < leaseMs);
    t.comment(`${label} lease ${leaseMs} ms; ${early.length} retries before it ended (last at +${Math.round(early.at(-1)?.at ?? 0)} ms); first success at +${Math.round(ok.at)} ms after the debit was sent (${Math.round(performance.now() - tKill)} ms after the kill), attempt ${attempts.length}; wallet calls for the id: ${callsOf('debit', c).length} debit, ${callsOf('rollback', c).length} rollback`);
    t.ok(early.length >= 3, `${label} several retries came before the lease ended (${early.length})`);
    early.forEach((a, i) => {
      t.equal(a.status, 503, `${label} retry ${i} before the lease end: 503`);
      t.same(a.body, { requestId: `retry-${i}`, status: 'INTERNAL_ERROR' }, `${label} retry ${i}: the retryable row`);
      t.same([a.debits, a.rollbacks], [1, 0], `${label} retry ${i} reached nothing at the wallet`);
    });
    for (const a of attempts.slice(early.length, -1)) t.equal(a.status, 503, `${label} a retry after the lease that did not succeed (+${Math.round(a.at)} ms) is 503 too`);
    t.equal(ok.status, 200, `${label} a retry after the lease succeeds`);
    t.ok(ok.at >= leaseMs - 100, `${label} not before the lease ended (+${Math.round(ok.at)} ms ≥ ${leaseMs} ms)`);
    t.ok(ok.at <= leaseMs + 4000, `${label} soon after it ended`);
    const n = attempts.length - 1;

    if (c.retry === 'debit') {
      t.same(ok.body, { requestId: `retry-${n}`, status: 'OK', balance: '93.00' }, `${label} with the balance of exactly one debit`);
      const calls = callsOf('debit', c);
      // Normally 2 (the killed call, the first retry after the lease); a retry whose wallet call timed
      // out on a loaded machine adds one more, with the same key, which the wallet dedupes.
      t.ok(calls.length >= 2, `${label} the wallet saw the killed call and the retry after the lease (${calls.length} calls)`);
      t.equal(new Set(calls.map((x) => x.headers['idempotency-key'])).size, 1, `${label} all with the same Idempotency-Key`);
      t.equal(wallet.balance(player), '93.00', `${label} ledger: exactly one debit of 7.00`);
      const settled = callsFor(c);
      const again = await survivor!.jackpot('debit', debitBody(c, 'again'));
      t.same(again.body, { requestId: 'again', status: 'OK', balance: '93.00' }, `${label} later retries replay the record`);
      t.equal(callsFor(c), settled, `${label} without reaching the wallet`);
    } else {
      t.same(ok.body, { requestId: `retry-${n}`, status: 'OK', balance: '100.00' }, `${label} the rollback answers the balance before the debit`);
      t.ok(callsOf('rollback', c).length >= 1, `${label} the rollback was forwarded after the lease`);
      t.equal(new Set(callsOf('rollback', c).map((x) => x.headers['idempotency-key'])).size, 1, `${label} with one Idempotency-Key`);
      t.equal(callsOf('debit', c).length, 1, `${label} the debit was never forwarded again`);
      t.equal(wallet.balance(player), '100.00', `${label} ledger: the debit ${c.applies ? 'made and reversed once' : 'never made'}`);
      const settled = callsFor(c);
      const lateDebit = await survivor!.jackpot('debit', debitBody(c, 'late-debit'));
      t.same(lateDebit.body, { requestId: 'late-debit', status: 'DUPLICATE_TRANSACTION' }, `${label} the debit retried after its rollback is refused`);
      const again = await survivor!.jackpot('rollback', rollbackBody(c, 'again'));
      t.same(again.body, { requestId: 'again', status: 'OK', balance: '100.00' }, `${label} the repeated rollback answers the same`);
      t.equal(callsFor(c), settled, `${label} neither reached the wallet`);
      t.equal(wallet.balance(player), '100.00');
    }
  }

  t.test('SIGKILL while debits are at the wallet: retries on another instance resolve to exactly one wallet effect', async (t) => {
    const cases: Case[] = ([
      { label: '[wallet applies, answers into the void; debit retried]', victim: victimApplies!, player: 'p-applied-debit', applies: true, retry: 'debit', tx: '' },
      { label: '[wallet applies, answers into the void; rollback sent]', victim: victimApplies!, player: 'p-applied-rollback', applies: true, retry: 'rollback', tx: '' },
      { label: '[wallet never applies; debit retried]', victim: victimNever!, player: 'p-never-debit', applies: false, retry: 'debit', tx: '' },
      { label: '[wallet never applies; rollback sent]', victim: victimNever!, player: 'p-never-rollback', applies: false, retry: 'rollback', tx: '' },
    ] satisfies Case[]).map((c) => ({ ...c, tx: `${run}-${c.player}` }));
    const t0 = performance.now();
    const sent = cases.map((c) => {
      const atWallet = new Promise<void>((arrived) => doomed.set(c.tx, { fault: c.applies ? 'none' : 'hang', arrived }));
      const first = c.victim.jackpot('debit', debitBody(c, 'first')).then(
        (r) => `answered ${r.status}`,
        () => 'no answer',
      );
      return { atWallet, first };
    });
    await Promise.race([Promise.all(sent.map((s) => s.atWallet)), sleep(10_000).then(() => Promise.reject(new Error('the debits never reached the wallet')))]);
    await Promise.all([victimApplies!.kill(), victimNever!.kill()]);
    const tKill = performance.now();
    for (const [i, c] of cases.entries()) {
      t.equal(await sent[i]!.first, 'no answer', `${c.label} the provider got no answer from the killed instance`);
      t.equal(wallet.balance(c.player), '100.00', `${c.label} nothing applied at the moment of the kill`);
    }
    await Promise.all(cases.map((c) => afterKill(t, c, t0, tKill)));
    t.ok(survivor!.alive(), 'the survivor is running');
    t.same(crashSigns(survivor!.stderr()), [], 'survivor: clean stderr');
  });
}
