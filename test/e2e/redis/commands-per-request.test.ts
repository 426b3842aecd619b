/**
 * Redis commands per request through a real gateway process, on a private redis-server (so the
 * figures are ours alone):
 * - `INFO commandstats` deltas over N requests: what Redis executed, the calls the scripts make
 *   inside Redis included;
 * - `MONITOR`: the commands the gateway itself sent (script-internal calls come from `lua`).
 * Target (issue 3): a money request = 2 commands (claim + commit); a nonce adds 1.
 */
import { Redis } from 'ioredis';
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { randomPrefix, requireRedisBinaries, startRedisServer } from '../../helpers/redis.js';
import { predictionHeaders } from '../../helpers/sign.js';
import { startStubWallet } from '../../helpers/stub-wallet.js';
import { PREDICTION_SECRET, startGatewayProcess } from './rig.js';

const N = 20;

if (requireRedisBinaries(t)) {
  const redis = await startRedisServer({ t });
  const wallet = await startStubWallet({ 'player-1': { currency: 'USD', balance: '100000.00' } });
  t.teardown(() => wallet.close());
  const opts = { storeUrl: redis.url, prefix: randomPrefix(), walletUrl: wallet.url, enabled: ['jackpot-rgs', 'prediction-markets'] };
  const [gw, failReads] = await Promise.all([startGatewayProcess(t, 'A', opts), startGatewayProcess(t, 'F', { ...opts, reads: 'fail' })]);

  const admin = new Redis({ host: '127.0.0.1', port: redis.port, retryStrategy: () => null });
  admin.on('error', () => {});
  await admin.ping();
  const adminPort = `:${admin.stream.localPort}`;
  const monitor = await admin.monitor();
  monitor.on('error', () => {});
  t.teardown(() => {
    monitor.disconnect();
    admin.disconnect();
  });
  let sent: string[] = [];
  let marker = '';
  let markerSeen: () => void = () => {};
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const name = args[0]!.toLowerCase();
    if (source === 'lua') return;
    if (!source.endsWith(adminPort)) sent.push(name);
    else if (name === 'echo' && args[1] === marker) markerSeen();
  });

  async function commandstats(): Promise<Map<string, number>> {
    const text = await admin.info('commandstats');
    const m = new Map<string, number>();
    for (const [, name, calls] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) m.set(name!, Number(calls));
    return m;
  }

  /** Runs `fn` N times; returns the per-request commands the gateway sent and Redis executed. */
  async function cost(fn: (i: number) => Promise<void>): Promise<{ sentPerRequest: number; sent: Record<string, number>; executed: Record<string, number> }> {
    const before = await commandstats();
    sent = [];
    for (let i = 0; i < N; i++) await fn(i);
    marker = `marker-${Math.random()}`;
    const seen = new Promise<void>((resolve) => (markerSeen = resolve));
    await admin.echo(marker);
    await seen;
    const after = await commandstats();
    const executed: Record<string, number> = {};
    for (const [name, calls] of after) {
      if (['info', 'echo', 'ping', 'monitor'].includes(name)) continue;
      const d = calls - (before.get(name) ?? 0);
      if (d > 0) executed[name] = d / N;
    }
    const bySent: Record<string, number> = {};
    for (const s of sent) bySent[s] = (bySent[s] ?? 0) + 1;
    for (const k of Object.keys(bySent)) bySent[k]! /= N;
    return { sentPerRequest: sent.length / N, sent: bySent, executed };
  }

  const run = randomBytes(4).toString('hex');
  const jackpotDebit = async (tx: string, requestId = tx): Promise<void> => {
    const r = await gw.jackpot('debit', { requestId, playerId: 'player-1', transactionId: `${run}-${tx}`, roundId: 'r', gameCode: 'dice-alpha', amount: '1.00' });
    if (r.body.status !== 'OK') throw new Error(`debit ${tx}: ${r.text}`);
  };
  const withdrawal = async (tx: string): Promise<string> => {
    const body = JSON.stringify({ transaction_id: `${run}-${tx}`, bettor_id: 'player-1', amount: '1.00', currency: 'USD' });
    const r = await gw.send('POST', '/prediction-markets/v1/withdrawals', body, predictionHeaders(PREDICTION_SECRET, body));
    if (r.status !== 200) throw new Error(`withdrawal ${tx}: ${r.status} ${r.text}`);
    return r.body.transaction_id as string;
  };

  t.test('warm-up: the first money request sends the script bodies (EVAL) once per connection', async (t) => {
    await jackpotDebit('warm-1');
    await withdrawal('warm-2');
    t.pass('warm');
  });

  t.test('jackpot-rgs debit (no nonce): 2 commands, claim + commit', async (t) => {
    const c = await cost((i) => jackpotDebit(`d-${i}`));
    t.comment(JSON.stringify(c));
    t.equal(c.sentPerRequest, 2, '2 commands per money request');
    t.same(c.sent, { evalsha: 2 }, 'EVALSHA claim, EVALSHA commit');
    t.equal((c.executed.evalsha ?? 0) + (c.executed.eval ?? 0), 2, 'INFO commandstats: eval + evalsha grow by exactly 2 per request');
  });

  t.test('jackpot-rgs retry of a decided debit: 1 command', async (t) => {
    const c = await cost((i) => jackpotDebit(`d-${i}`, `retry-${i}`));
    t.comment(JSON.stringify(c));
    t.same(c.sent, { evalsha: 1 }, 'one claim answering done');
  });

  t.test('jackpot-rgs balance read: no Redis command', async (t) => {
    const c = await cost(async (i) => {
      const r = await gw.jackpot('balance', { requestId: `b-${i}`, playerId: 'player-1' });
      if (r.body.status !== 'OK') throw new Error(r.text);
    });
    t.equal(c.sentPerRequest, 0);
  });

  t.test('jackpot-rgs balance read with store.on_unavailable.reads: fail: 1 PING', async (t) => {
    const c = await cost(async (i) => {
      const r = await failReads.jackpot('balance', { requestId: `bf-${i}`, playerId: 'player-1' });
      if (r.body.status !== 'OK') throw new Error(r.text);
    });
    t.comment(JSON.stringify(c));
    t.same(c.sent, { ping: 1 });
  });

  const walletTxs: string[] = [];
  t.test('prediction-markets withdrawal (nonce, indexed wallet tx id): 3 commands, nonce + claim + commit', async (t) => {
    const c = await cost(async (i) => void walletTxs.push(await withdrawal(`w-${i}`)));
    t.comment(JSON.stringify(c));
    t.equal(c.sentPerRequest, 3, '3 commands');
    t.same(c.sent, { set: 1, evalsha: 2 }, 'SET NX PX (nonce), EVALSHA claim, EVALSHA commit (the index is written inside the commit script)');
    t.equal(c.executed.evalsha, 2, 'INFO commandstats: evalsha + 2 per request');
    t.equal(c.executed.set, 2, 'INFO commandstats: set + 2 per request (the nonce, and the index SET inside the commit script)');
  });

  t.test('prediction-markets rollback by wallet transaction id: nonce + index lookup + the reversed record + a claim and a commit per key it holds', async (t) => {
    const c = await cost(async (i) => {
      const r = await gw.send('DELETE', `/prediction-markets/v1/rollbacks/${walletTxs[i]}`, '', predictionHeaders(PREDICTION_SECRET, ''));
      if (r.status !== 200) throw new Error(`rollback: ${r.status} ${r.text}`);
    });
    t.comment(JSON.stringify(c));
    t.equal(c.sent.set, 1, 'SET NX PX: the nonce');
    t.equal(c.sent.get, 1, 'GET: the wallet-tx index lookup');
    // EVAL once per new script on a connection (the peek's first run), EVALSHA after.
    const scripts = Math.round((c.sent.evalsha ?? 0) + (c.sent.eval ?? 0));
    // One peek reads the withdrawal's record (the empty body names no player: CONTRACT player_id
    // on every operation), then claims and their commits in pairs.
    t.ok(scripts >= 3 && (scripts - 1) % 2 === 0, `EVALSHA: the reversed record's peek, then claims and their commits in pairs (${scripts})`);
    t.equal(c.sentPerRequest, 2 + scripts, 'nothing else');
  });
}
