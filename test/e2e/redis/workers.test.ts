/**
 * `server.workers: 2`: one `gateway serve` process tree (a primary and two workers on one public
 * port) in front of a stub wallet, with Redis. The workers behave as one gateway (duplicates across
 * workers reach the wallet once), the primary's admin API speaks for all of them (summed metrics,
 * reload of every worker, readiness), a killed worker is replaced, and SIGTERM stops everything.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { crashSigns, sharedRedisSetup, startGatewayProcess, until } from './rig.js';

const rig = await sharedRedisSetup(t, { 'player-1': { currency: 'USD', balance: '1000.00' } });
if (rig) {
  const { url, prefix, wallet } = rig;
  const g = await startGatewayProcess(t, 'W', { storeUrl: url, prefix, walletUrl: wallet.url, workers: 2 });
  const run = randomBytes(4).toString('hex');
  const debit = (tx: string, amount: string, requestId: string) => ({ requestId, playerId: 'player-1', transactionId: `${run}-${tx}`, roundId: `r-${tx}`, gameCode: 'dice-alpha', amount });
  const lines = (): Record<string, any>[] => g.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  const serving = (): Record<string, any>[] => lines().filter((l) => l.msg === 'worker serving');
  const metric = async (name: string, labels: string): Promise<number | undefined> => {
    const text = await (await fetch(`${g.admin}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `) || (labels === '' && l.startsWith(`${name} `)));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  t.test('the primary says it listens once both workers serve', async (t) => {
    const listening = lines().find((l) => l.msg === 'gateway listening');
    t.equal(listening?.workers, 2);
    t.same(serving().map((l) => l.worker).sort(), [1, 2]);
    t.equal(new Set(serving().map((l) => l.pid)).size, 2, 'two worker processes');
    const r = await g.readyz();
    t.equal(r.status, 200);
    t.same(r.body.checks, { store: true, wallet: true, workers: true });
  });

  t.test('40 concurrent identical debits over both workers: one wallet call, 40 identical answers', async (t) => {
    wallet.delayMs = 150;
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => g.jackpot('debit', debit('same', '2.00', `dup-${i}`))));
    wallet.delayMs = 0;
    t.equal(wallet.callsOf('debit').length, 1, 'exactly one wallet call');
    answers.forEach((r, i) => t.same(r.body, { requestId: `dup-${i}`, status: 'OK', balance: '998.00' }, `answer ${i}`));
    const audits = g.audit().filter((l) => l.transaction_id === `${run}-same`);
    t.equal(audits.length, 40, 'one audit line per request');
    t.same([...new Set(audits.map((l) => l.worker))].sort(), [1, 2], 'both workers answered some');
    t.equal(audits.filter((l) => !l.replayed).length, 1, 'one forwarded, the rest answered from the shared record');
  });

  t.test('40 concurrent different debits: 40 wallet calls, exact ledger, summed metrics', async (t) => {
    const before = wallet.callsOf('debit').length;
    const okBefore = (await metric('gateway_requests_total', 'provider="jackpot-rgs",route="debit",status="200",outcome="success"')) ?? 0;
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => g.jackpot('debit', debit(`many-${i}`, '1.00', `many-${i}`))));
    t.ok(answers.every((r) => r.status === 200 && r.body.status === 'OK'), 'all OK');
    t.equal(wallet.callsOf('debit').length - before, 40);
    t.equal(wallet.balance('player-1'), '958.00');
    t.equal(await metric('gateway_requests_total', 'provider="jackpot-rgs",route="debit",status="200",outcome="success"'), okBefore + 40, "/metrics sums both workers' counters");
    t.equal(await metric('gateway_workers_up', ''), 2);
  });

  t.test('a reload through the primary reloads every worker', async (t) => {
    const before = lines().filter((l) => l.msg === 'providers reloaded').length;
    const res = await fetch(`${g.admin}/v1/reload`, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(await res.json(), { status: 'reloaded', providers: ['jackpot-rgs'] });
    t.ok(await until(() => lines().filter((l) => l.msg === 'providers reloaded').length === before + 3, 5000), 'the primary and both workers reloaded');
    const byWho = lines().filter((l) => l.msg === 'providers reloaded').slice(before).map((l) => l.worker ?? 'primary');
    t.same(byWho.map(String).sort(), ['1', '2', 'primary']);
  });

  t.test('a killed worker is replaced; requests keep being answered', async (t) => {
    const victim = serving().find((l) => l.worker === 1)!;
    process.kill(victim.pid as number, 'SIGKILL');
    t.ok(await until(() => lines().some((l) => l.msg === 'worker exited; starting another' && l.pid === victim.pid), 5000), 'the primary saw it die');
    t.ok(await until(() => serving().filter((l) => l.worker === 1).length === 2, 10_000), 'a new worker 1 serves');
    const fresh = serving().filter((l) => l.worker === 1).at(-1)!;
    t.not(fresh.pid, victim.pid);
    t.ok(await until(async () => (await g.readyz()).status === 200, 5000), 'ready again');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => g.jackpot('debit', debit(`after-${i}`, '1.00', `after-${i}`))));
    t.ok(answers.every((r) => r.status === 200 && r.body.status === 'OK'), 'all answered after the replacement');
    t.same(crashSigns(g.stderr()), []);
  });

  t.test('SIGTERM to the primary stops the workers and the primary', async (t) => {
    const pids = serving().map((l) => l.pid as number);
    const live = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    g.child.kill('SIGTERM');
    t.ok(await until(() => !g.alive(), 20_000), 'the primary exited');
    t.equal(g.child.exitCode, 0);
    await sleep(100);
    t.same(pids.filter(live), [], 'no worker left behind');
    t.ok(lines().some((l) => l.msg === 'shutting down'));
  });
}
