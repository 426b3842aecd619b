/**
 * Redis stopped mid-run and restarted on the same port, under three real gateway processes (A and
 * B with `store.on_unavailable.reads: pass`, C with `fail`) sharing it in front of one stub wallet:
 * - during the outage every money operation fails closed with the provider's retryable answer
 *   (jackpot-rgs: 503 INTERNAL_ERROR) and never reaches the wallet; balance reads pass through on
 *   A and B, with or without a nonce to store, and fail on C; /readyz is 503;
 * - a debit already at the wallet when Redis dies gets the wallet's answer; a duplicate waiting for
 *   it is told to retry;
 * - the gateways recover by themselves; the ledger is exactly the sum of the successful answers;
 *   no process crashes or logs an unhandled rejection.
 * The Redis runs with `appendonly yes` + `appendfsync always`, so the records of before the outage
 * survive the kill -9 and a retry of an old debit after the restart is replayed, not forwarded.
 * Also: a hung Redis (SIGSTOP) fails closed within the command timeout, and a gateway started
 * while its Redis is down starts, fails closed, and serves once Redis comes up.
 */
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../helpers/ports.js';
import { requireRedisBinaries, randomPrefix, startRedisServer } from '../../helpers/redis.js';
import { jackpotHeaders } from '../../helpers/sign.js';
import { startStubWallet, type WalletCallRecord } from '../../helpers/stub-wallet.js';
import { JACKPOT_SECRET, crashSigns, providersWithNonce, startGatewayProcess, until, type Answer, type GatewayOptions, type GatewayProcess } from './rig.js';

const COMMAND_TIMEOUT_MS = 500;
/** Slack for a loaded machine on top of the bounds asserted below; a hang would take far longer. */
const SLACK_MS = 1500;

if (requireRedisBinaries(t)) {
  const redis = await startRedisServer({ t, args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  const wallet = await startStubWallet({ 'player-1': { currency: 'USD', balance: '1000.00' } });
  t.teardown(() => wallet.close());
  const base: GatewayOptions = {
    storeUrl: redis.url,
    prefix: randomPrefix(),
    walletUrl: wallet.url,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    providersDir: providersWithNonce(t),
    enabled: ['jackpot-rgs', 'jackpot-nonce'],
  };
  const [a, b, c] = await Promise.all([
    startGatewayProcess(t, 'A', base),
    startGatewayProcess(t, 'B', base),
    startGatewayProcess(t, 'C', { ...base, reads: 'fail' }),
  ]) as [GatewayProcess, GatewayProcess, GatewayProcess];
  const all = [a, b, c];

  const money = (tx: string, amount: string, requestId: string) => ({ requestId, playerId: 'player-1', transactionId: tx, roundId: `r-${tx}`, gameCode: 'dice-alpha', amount });
  const rollback = (tx: string, requestId: string) => ({ requestId, playerId: 'player-1', transactionId: tx, roundId: `r-${tx}`, gameCode: 'dice-alpha' });
  const balance = (g: GatewayProcess, requestId: string) => g.jackpot('balance', { requestId, playerId: 'player-1' });
  /** A read of the nonce variant: the nonce stage needs the store. */
  const nonceBalance = (g: GatewayProcess, requestId: string): Promise<Answer> => {
    const p = '/jackpot-nonce/callback/balance';
    const text = JSON.stringify({ requestId, playerId: 'player-1' });
    return g.send('POST', p, text, { ...jackpotHeaders(JACKPOT_SECRET, p, text), 'x-nonce': randomUUID() });
  };
  const moneyCalls = () => wallet.calls.filter((c) => ['debit', 'credit', 'rollback'].includes(c.operation)).length;
  const readCalls = () => wallet.calls.filter((c) => c.operation === 'balance' && c.body.player_id !== undefined).length;

  /** The ledger as the provider sees it: what the successful answers say moved. */
  let expected = 100000n; // cents
  const cents = (s: string) => BigInt(s.replace('.', ''));

  t.test('before the outage: normal service on all three', async (t) => {
    for (const g of all) t.same((await g.readyz()).body, { status: 'ready', checks: { store: true, wallet: true } }, `${g.name} ready`);
    const d = await a.jackpot('debit', money('pre-1', '5.00', 'pre-1'));
    t.same(d.body, { requestId: 'pre-1', status: 'OK', balance: '995.00' });
    expected -= cents('5.00');
    const cr = await b.jackpot('credit', money('pre-c', '2.50', 'pre-c'));
    t.same(cr.body, { requestId: 'pre-c', status: 'OK', balance: '997.50' });
    expected += cents('2.50');
    const r = await c.jackpot('debit', money('pre-1', '5.00', 'pre-1-again'));
    t.same(r.body, { requestId: 'pre-1-again', status: 'OK', balance: '995.00' }, 'C replays what A decided');
    t.equal(wallet.callsOf('debit').length, 1);
  });

  t.test('Redis dies while a debit is at the wallet', async (t) => {
    let arrived!: () => void;
    const atWallet = new Promise<void>((r) => (arrived = r));
    wallet.fault = (call: WalletCallRecord) => {
      if (call.operation === 'debit' && call.body.transaction_id === 'mid-1') {
        arrived();
        wallet.delayMs = 500;
        queueMicrotask(() => (wallet.delayMs = 0));
      }
      return 'none';
    };
    const first = a.jackpot('debit', money('mid-1', '3.00', 'mid-1'));
    await Promise.race([atWallet, sleep(5000).then(() => Promise.reject(new Error('mid-1 never reached the wallet')))]);
    const duplicate = b.jackpot('debit', money('mid-1', '3.00', 'mid-1-dup'));
    await sleep(100); // the duplicate is now polling the claim
    await redis.stop();
    const dup = await duplicate;
    t.equal(dup.status, 503, 'the waiting duplicate is told to retry');
    t.same(dup.body, { requestId: 'mid-1-dup', status: 'INTERNAL_ERROR' });
    const r = await first;
    t.same(r.body, { requestId: 'mid-1', status: 'OK', balance: '994.50' }, 'the wallet decided: its answer reaches the provider although the commit failed');
    expected -= cents('3.00');
    t.equal(wallet.callsOf('debit').filter((x) => x.body.transaction_id === 'mid-1').length, 1, 'one wallet call');
    t.match(a.stdout(), /"msg":"idempotency commit failed"/, 'the lost commit is logged');
    wallet.fault = 'none';
  });

  const failed: { g: GatewayProcess; route: string; body: ReturnType<typeof money> }[] = [];

  t.test('during the outage: money fails closed and never reaches the wallet; reads pass; not ready', async (t) => {
    const moneyBefore = moneyCalls();
    const latencies: number[] = [];
    for (let round = 0; round < 3; round++) {
      const ops = [
        { g: a, route: 'debit', body: money(`out-${round}-a`, '1.00', `out-${round}-a`) },
        { g: b, route: 'debit', body: money(`out-${round}-b`, '1.00', `out-${round}-b`) },
        { g: c, route: 'credit', body: money(`out-${round}-c`, '0.50', `out-${round}-c`) },
      ];
      const answers = await Promise.all(ops.map((o) => o.g.jackpot(o.route, o.body)));
      answers.forEach((r, i) => {
        t.equal(r.status, 503, `round ${round}: ${ops[i]!.route} on ${ops[i]!.g.name} → 503`);
        t.same(r.body, { requestId: ops[i]!.body.requestId, status: 'INTERNAL_ERROR' }, 'the retryable row');
        latencies.push(r.ms);
      });
      failed.push(...ops);
      const replay = await b.jackpot('debit', money('pre-1', '5.00', `pre-1-replay-${round}`));
      t.equal(replay.status, 503, 'even a retry of a decided debit fails closed (the record cannot be read)');
      const rb = await c.jackpot('rollback', rollback('pre-1', `rb-${round}`));
      t.equal(rb.status, 503, 'rollbacks fail closed');
      for (const g of all) {
        const ready = await g.readyz();
        t.equal(ready.status, 503, `${g.name} /readyz 503`);
        t.same(ready.body, { status: 'not ready', checks: { store: false, wallet: true } });
      }
      await sleep(250);
    }
    t.equal(moneyCalls(), moneyBefore, 'no money call reached the wallet during the outage');
    const outageAudit = all.flatMap((g) => g.audit()).filter((l) => /^out-/.test(l.transaction_id));
    t.equal(outageAudit.length, 9, 'one audit line per failed operation');
    t.ok(outageAudit.every((l) => l.code === 'WALLET_UNAVAILABLE' && l.outcome === 'uncertain'), 'each says WALLET_UNAVAILABLE (store down), uncertain');
    t.comment(`fail-closed answers during the outage: max ${Math.round(Math.max(...latencies))} ms, median ${Math.round(latencies.sort((x, y) => x - y)[latencies.length >> 1]!)} ms`);
    t.ok(Math.max(...latencies) < SLACK_MS, 'answered at once: a dead Redis is not waited for');

    const readsBefore = readCalls();
    for (const g of [a, b]) t.same((await balance(g, `bal-${g.name}`)).body, { requestId: `bal-${g.name}`, status: 'OK', balance: '994.50' }, `${g.name} (reads: pass): a balance read passes`);
    const cBalance = await balance(c, 'bal-C');
    t.equal(cBalance.status, 503, 'C (reads: fail): a balance read fails too, although it needs no store step');
    t.same(cBalance.body, { requestId: 'bal-C', status: 'INTERNAL_ERROR' }, 'the retryable row');
    t.same((await nonceBalance(a, 'nb-a')).body, { requestId: 'nb-a', status: 'OK', balance: '994.50' }, 'A (reads: pass): a read whose nonce cannot be stored passes');
    t.same((await nonceBalance(b, 'nb-b')).body, { requestId: 'nb-b', status: 'OK', balance: '994.50' }, 'B (reads: pass): likewise');
    const cRead = await nonceBalance(c, 'nb-c');
    t.equal(cRead.status, 503, 'C (reads: fail): 503');
    // The nonce is checked while verifying, before the body is parsed: no requestId to echo yet.
    t.same(cRead.body, { status: 'INTERNAL_ERROR' }, 'the retryable row');
    t.equal(readCalls() - readsBefore, 4, 'the passing reads reached the wallet, the failed ones did not');
    for (const g of all) t.ok(g.alive(), `${g.name} still running`);
  });

  t.test('Redis back on the same port: the gateways recover by themselves, the ledger is exact', async (t) => {
    const restarted = performance.now();
    await redis.start();
    const back = await Promise.all(all.map(async (g) => {
      const ok = await until(async () => (await g.readyz()).status === 200, 10_000, 50);
      return { g, ok, ms: performance.now() - restarted };
    }));
    for (const r of back) t.ok(r.ok, `${r.g.name} ready again after ${Math.round(r.ms)} ms`);
    t.comment(`ready again after the restart: ${back.map((r) => `${r.g.name} ${Math.round(r.ms)} ms`).join(', ')}`);

    const debitsBefore = wallet.callsOf('debit').length;
    const replay = await a.jackpot('debit', money('pre-1', '5.00', 'pre-1-after'));
    t.same(replay.body, { requestId: 'pre-1-after', status: 'OK', balance: '995.00' }, 'a debit decided before the outage is replayed (the record survived)');
    t.equal(wallet.callsOf('debit').length, debitsBefore, 'not forwarded again');

    // The provider retries everything that failed during the outage, on another instance.
    const retried = await Promise.all(failed.map((f, i) => all[(all.indexOf(f.g) + 1) % 3]!.jackpot(f.route, { ...f.body, requestId: `${f.body.requestId}-retry` }).then((r) => ({ f, r, i }))));
    for (const { f, r } of retried) {
      t.equal(r.status, 200, `${f.route} ${f.body.transactionId} succeeds on retry`);
      t.match(r.body, { requestId: `${f.body.requestId}-retry`, status: 'OK' });
      expected += (f.route === 'debit' ? -1n : 1n) * cents(f.body.amount);
    }
    const rb = await b.jackpot('rollback', rollback('pre-1', 'rb-after'));
    t.equal(rb.status, 200, 'the rollback goes through now');
    expected += cents('5.00');
    t.same((await nonceBalance(c, 'nb-c-after')).body.status, 'OK', 'C serves nonce reads again');
    t.same((await balance(c, 'bal-C-after')).body.status, 'OK', 'and plain reads');

    const fmt = (v: bigint) => `${v / 100n}.${String(v % 100n).padStart(2, '0')}`;
    t.equal(wallet.balance('player-1'), fmt(expected), `ledger exact: ${fmt(expected)}`);
    t.same(rb.body, { requestId: 'rb-after', status: 'OK', balance: fmt(expected) });
    t.equal(wallet.callsOf('debit').length, 2 + 6, 'debits forwarded: pre-1, mid-1 and the 6 retried');
    t.equal(wallet.callsOf('credit').length, 1 + 3, 'credits forwarded: pre-c and the 3 retried');
    t.equal(wallet.callsOf('rollback').length, 1, 'one rollback');
    for (const g of all) {
      t.ok(g.alive(), `${g.name} never crashed`);
      t.same(crashSigns(g.stderr()), [], `${g.name}: no unhandled rejection or stack on stderr`);
      const out = g.stdout();
      t.equal((out.match(/"msg":"redis store (unavailable|connection lost, reconnecting)"/g) ?? []).length, 1, `${g.name}: one log line for the outage`);
      t.equal((out.match(/"msg":"redis store reconnected"/g) ?? []).length, 1, `${g.name}: one for the recovery`);
    }
  });

  t.test('Redis hung (SIGSTOP): money fails closed within the command timeout, nothing forwarded; service resumes on SIGCONT', async (t) => {
    const moneyBefore = moneyCalls();
    redis.freeze();
    let answers: Answer[];
    try {
      answers = await Promise.all([a.jackpot('debit', money('hung-1', '1.00', 'hung-1')), b.jackpot('credit', money('hung-c', '1.00', 'hung-c'))]);
      const ready = await c.readyz();
      t.equal(ready.status, 503, '/readyz 503 while Redis does not answer');
    } finally {
      redis.thaw();
    }
    for (const r of answers) {
      t.equal(r.status, 503, 'fails closed');
      t.equal(r.body.status, 'INTERNAL_ERROR');
      t.ok(r.ms >= COMMAND_TIMEOUT_MS - 50 && r.ms < COMMAND_TIMEOUT_MS + 250 + SLACK_MS, `answered when the command timed out: after ${Math.round(r.ms)} ms (command timeout ${COMMAND_TIMEOUT_MS} ms)`);
    }
    t.comment(`hung Redis: fail-closed answers after ${answers.map((r) => Math.round(r.ms)).join(', ')} ms`);
    t.equal(moneyCalls(), moneyBefore, 'nothing reached the wallet');
    t.ok(await until(async () => (await c.readyz()).status === 200, 5000, 50), 'ready again after SIGCONT');
    // The timed-out claims were queued in the frozen Redis and ran on SIGCONT: until their lease
    // ends, a retry of those ids is told to retry and still reaches nothing (docs/store.md, limits).
    const retry = await c.jackpot('debit', money('hung-1', '1.00', 'hung-1-retry'));
    t.equal(retry.status, 503, 'a retry of the timed-out debit: in progress until the orphaned claim lapses');
    t.equal(c.audit().filter((l) => l.transaction_id === 'hung-1').at(-1)?.code, 'TRANSACTION_IN_PROGRESS', 'its audit line says why');
    t.equal(moneyCalls(), moneyBefore, 'still nothing forwarded');
    const fresh = await c.jackpot('debit', money('hung-2', '1.00', 'hung-2'));
    expected -= cents('1.00');
    const fmt = (v: bigint) => `${v / 100n}.${String(v % 100n).padStart(2, '0')}`;
    t.same(fresh.body, { requestId: 'hung-2', status: 'OK', balance: fmt(expected) }, 'other transactions go through');
    t.equal(wallet.balance('player-1'), fmt(expected), 'ledger exact');
    for (const g of all) t.ok(g.alive(), `${g.name} running`);
  });

  t.test('a gateway started while its Redis is down: not ready and fail-closed, then serves once Redis is up', async (t) => {
    const port = await freePort();
    const d = await startGatewayProcess(t, 'D', { ...base, storeUrl: `redis://127.0.0.1:${port}` });
    t.equal((await d.readyz()).status, 503, 'not ready');
    const moneyBefore = moneyCalls();
    const r = await d.jackpot('debit', money('cold-1', '1.00', 'cold-1'));
    t.equal(r.status, 503, 'a debit fails closed');
    t.same(r.body, { requestId: 'cold-1', status: 'INTERNAL_ERROR' });
    t.ok(r.ms < COMMAND_TIMEOUT_MS + SLACK_MS, `within about the command timeout (${Math.round(r.ms)} ms)`);
    t.equal(moneyCalls(), moneyBefore, 'nothing forwarded');
    const started = performance.now();
    await startRedisServer({ t, port });
    t.ok(await until(async () => (await d.readyz()).status === 200, 10_000, 50), `ready ${Math.round(performance.now() - started)} ms after Redis came up`);
    const ok = await d.jackpot('debit', money('cold-1', '1.00', 'cold-1-retry'));
    expected -= cents('1.00');
    const fmt = (v: bigint) => `${v / 100n}.${String(v % 100n).padStart(2, '0')}`;
    t.same(ok.body, { requestId: 'cold-1-retry', status: 'OK', balance: fmt(expected) }, 'the retry goes through');
    t.equal(wallet.balance('player-1'), fmt(expected), 'ledger exact');
    t.ok(d.alive(), 'D never crashed');
    t.same(crashSigns(d.stderr()), [], 'D: clean stderr');
  });
}
