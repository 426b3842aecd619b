/**
 * Measures what one request costs in Redis commands and network round trips, on a private
 * redis-server (so the numbers are ours alone):
 * - commands the store sends: MONITOR, which tells client commands apart from the calls a Lua
 *   script makes inside Redis (`INFO commandstats` counts both, so it is used only for the
 *   server-side work per script);
 * - round trips: a counting TCP proxy between the store and Redis (a round trip = the client
 *   sending after it has received everything it waited for).
 *
 * Target (issue 3): a money request = claim + commit = 2 round trips; a nonce = 1.
 */
import { Redis } from 'ioredis';
import { createConnection, createServer, type Socket } from 'node:net';
import t from 'tap';
import { createStore } from '../../gateway/store/create-store.js';
import type { ClaimRequest, IdempotencyRecord, Store } from '../../gateway/store/store.js';
import { randomPrefix, requireRedisBinaries, startRedisServer, untilUp } from '../helpers/redis.js';

interface Proxy {
  port: number;
  turns: number;
  close(): Promise<void>;
}

function countingProxy(upstreamPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const proxy: Proxy = { port: 0, turns: 0, close: async () => {} };
  const server = createServer((client) => {
    const up = createConnection({ host: '127.0.0.1', port: upstreamPort });
    let waiting = false;
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => {
      if (!waiting) proxy.turns++;
      waiting = true;
      up.write(d);
    });
    up.on('data', (d) => {
      waiting = false;
      client.write(d);
    });
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      proxy.port = (server.address() as { port: number }).port;
      proxy.close = () =>
        new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        });
      resolve(proxy);
    });
  });
}

const req = (key: string): ClaimRequest => ({ group: `p:${key}`, key, fingerprint: 'fp', leaseMs: 5_000, mode: 'guarded', ttlMs: 60_000 });
const rec: IdempotencyRecord = { fingerprint: 'fp', outcome: { class: 'success', balance: '1.00', wallet_transaction_id: 'w' }, committed_at: 1 };

if (requireRedisBinaries(t)) {
  const server = await startRedisServer({ t });
  const proxy = await countingProxy(server.port);
  t.teardown(() => proxy.close());
  const admin = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => null });
  admin.on('error', () => {});
  await admin.ping();
  const adminSource = `:${admin.stream.localPort}`;
  const monitor = await admin.monitor(); // a second connection, in MONITOR mode
  monitor.on('error', () => {});
  t.teardown(() => {
    monitor.disconnect();
    admin.disconnect();
  });

  let sent: string[] = [];
  let inScripts: string[] = [];
  let marker = '';
  let markerSeen: () => void = () => {};
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const name = args[0]!.toLowerCase();
    if (source === 'lua') inScripts.push(name);
    else if (!source.endsWith(adminSource)) sent.push(name);
    else if (name === 'echo' && args[1] === marker) markerSeen();
  });

  /** The commands and round trips `fn` costs (our admin traffic is excluded). */
  async function cost(fn: () => Promise<unknown>): Promise<{ commands: number; turns: number; sent: string[]; inScripts: string[] }> {
    sent = [];
    inScripts = [];
    const turns0 = proxy.turns;
    await fn();
    const turns = proxy.turns - turns0;
    // MONITOR streams in order: once our marker shows up, every command of `fn` has been seen.
    marker = `marker-${Math.random()}`;
    const seen = new Promise<void>((resolve) => (markerSeen = resolve));
    await admin.echo(marker);
    await seen;
    return { commands: sent.length, turns, sent, inScripts };
  }

  async function moneyRequest(s: Store, key: string, withIndex: boolean): Promise<void> {
    const c = await s.claim(req(key));
    if (c.kind !== 'claimed') throw new Error(`expected a claim, got ${c.kind}`);
    const index = withIndex ? { index: { scope: 'p', walletTxId: `w-${key}` } } : {};
    if (!(await s.commit({ group: `p:${key}`, key, token: c.token, record: rec, ttlMs: 60_000, ...index }))) throw new Error('commit refused');
  }

  const store = createStore(`redis://127.0.0.1:${proxy.port}`, { prefix: randomPrefix() });
  t.teardown(() => store.close());
  await untilUp(store, 5_000);
  // The epoch check the first connection runs (GET amnesia, GET epoch, SET NX epoch) is done before
  // anything is measured; the periodic one runs every 5 s, far apart from these measurements.
  await new Promise((r) => setTimeout(r, 200));

  t.test('cold connection: scripts go as EVAL once, no NOSCRIPT round trip', async (t) => {
    const c = await cost(() => moneyRequest(store, 'cold', true));
    t.comment(`cold money request: ${JSON.stringify(c)}`);
    t.equal(c.commands, 2, 'claim + commit = 2 commands');
    t.equal(c.turns, 2, '2 round trips');
    t.same(c.sent, ['eval', 'eval'], 'each script sent with its body the first time on this connection');
  });

  /** eval + evalsha calls in INFO commandstats (scripts cannot call scripts, so these are all client commands). */
  async function scriptCalls(): Promise<number> {
    const info = await admin.info('commandstats');
    let n = 0;
    for (const m of info.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)) n += Number(m[1]);
    return n;
  }

  t.test('money request (claim + commit with wallet-tx index) = 2 commands, 2 round trips', async (t) => {
    const before = await scriptCalls();
    const c = await cost(() => moneyRequest(store, 'warm', true));
    t.equal((await scriptCalls()) - before, 2, 'INFO commandstats agrees: 2 script calls');
    t.comment(`money request: ${JSON.stringify(c)}`);
    t.equal(c.commands, 2);
    t.equal(c.turns, 2);
    t.same(c.sent, ['evalsha', 'evalsha'], 'the index SET runs inside the commit script');
    t.ok(c.inScripts.includes('set'), 'index written by the script');
  });

  t.test('money request without index = 2 commands, 2 round trips', async (t) => {
    const c = await cost(() => moneyRequest(store, 'noindex', false));
    t.equal(c.commands, 2);
    t.equal(c.turns, 2);
  });

  t.test('uncertain outcome (claim + release) = 2; a replayed duplicate = 1', async (t) => {
    const released = await cost(async () => {
      const c = await store.claim(req('uncertain'));
      if (c.kind === 'claimed') await store.release({ group: 'p:uncertain', key: 'uncertain', token: c.token });
    });
    t.equal(released.commands, 2);
    t.equal(released.turns, 2);
    const replay = await cost(() => store.claim(req('warm')));
    t.comment(`replayed duplicate: ${JSON.stringify(replay)}`);
    t.equal(replay.commands, 1);
    t.equal(replay.turns, 1);
  });

  t.test('nonce = 1 command (SET NX PX), 1 round trip', async (t) => {
    const c = await cost(() => store.rememberNonce('p', 'n-1', 60_000));
    t.comment(`nonce: ${JSON.stringify(c)}`);
    t.same(c.sent, ['set']);
    t.same(c.inScripts, []);
    t.equal(c.turns, 1);
  });

  t.test('awaitKey polls with backoff: a 500 ms wait costs at most ~16 polls', async (t) => {
    await store.claim(req('busy'));
    const c = await cost(() => store.awaitKey('p:busy', 'busy', 500));
    t.comment(`awaitKey 500 ms on a busy key: ${JSON.stringify(c)}`);
    t.ok(c.commands >= 5 && c.commands <= 16, `${c.commands} polls (2, 4, … 50 ms apart)`);
  });
}
