/**
 * `createStore(url)`: every accepted URL form, the refusals, and that no password ever reaches an
 * error message or a log line. The Redis forms are also connected for real where a redis-server
 * binary exists: a password-protected server, and a Sentinel.
 */
import { Redis } from 'ioredis';
import t from 'tap';
import type { Test } from 'tap';
import { createStore, parseStoreUrl, redactUrl } from '../../gateway/store/create-store.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { RedisStore } from '../../gateway/store/redis-store.js';
import { StoreUnavailableError } from '../../gateway/store/store.js';
import type { Store } from '../../gateway/store/store.js';
import { deleteByPrefix, randomPrefix, requireRedisBinaries, startRedisSentinel, startRedisServer } from '../helpers/redis.js';

t.test('accepted forms', async (t) => {
  t.same(parseStoreUrl('memory://'), { kind: 'memory' });
  t.same(parseStoreUrl('redis://localhost'), { kind: 'redis', host: 'localhost', port: 6379, db: 0, tls: false });
  t.same(parseStoreUrl('redis://10.0.0.5:6380/3'), { kind: 'redis', host: '10.0.0.5', port: 6380, db: 3, tls: false });
  t.same(parseStoreUrl('REDIS://h:1/'), { kind: 'redis', host: 'h', port: 1, db: 0, tls: false }, 'scheme is case-insensitive');
  t.same(parseStoreUrl('rediss://gw:s3cret@cache.example.com:6380/1'), {
    kind: 'redis', host: 'cache.example.com', port: 6380, db: 1, tls: true, username: 'gw', password: 's3cret',
  });
  t.same(parseStoreUrl('redis://:s3cret@h:6379'), { kind: 'redis', host: 'h', port: 6379, db: 0, tls: false, password: 's3cret' });
  t.same(parseStoreUrl('redis://s3cret@h'), { kind: 'redis', host: 'h', port: 6379, db: 0, tls: false, password: 's3cret' }, 'a lone secret is a password');
  t.same(parseStoreUrl('redis://u:p%40ss%2Fw%3Ard@h'), { kind: 'redis', host: 'h', port: 6379, db: 0, tls: false, username: 'u', password: 'p@ss/w:rd' }, 'percent-decoded');
  t.same(parseStoreUrl('redis://u:p@ss/w@h:7/2'), { kind: 'redis', host: 'h', port: 7, db: 2, tls: false, username: 'u', password: 'p@ss/w' }, 'unencoded @ and / in a password');
  t.same(parseStoreUrl('redis://[::1]:6380'), { kind: 'redis', host: '::1', port: 6380, db: 0, tls: false }, 'IPv6');
  t.same(parseStoreUrl('redis+sentinel://s3cret@s1:26380,s2,[::1]:26381/mymaster/4'), {
    kind: 'sentinel',
    sentinels: [{ host: 's1', port: 26380 }, { host: 's2', port: 26379 }, { host: '::1', port: 26381 }],
    name: 'mymaster',
    db: 4,
    password: 's3cret',
  });
  t.same(parseStoreUrl('redis+sentinel://s1:26379/mymaster'), { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster', db: 0 });
  t.same(parseStoreUrl('redis+cluster://n1:7000,n2:7001,n3'), {
    kind: 'cluster',
    nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }, { host: 'n3', port: 6379 }],
  });
});

t.test('refused forms name the accepted ones and never show the password', async (t) => {
  const bad: [string, RegExp][] = [
    ['http://h:6379', /unknown scheme 'http'/],
    ['redis+foo://:hunter2@h', /unknown scheme 'redis\+foo'/],
    ['localhost:6379', /not a URL/],
    ['redis://', /no host/],
    ['redis://:hunter2@', /no host/],
    ['redis://h:70000', /bad port/],
    ['redis://h:6379/x', /bad database number/],
    ['redis://h1:1,h2:2', /redis\+sentinel:\/\/ or redis\+cluster:\/\//],
    ['redis://h?db=1', /query strings/],
    ['redis+sentinel://hunter2@s1:26379', /masterName/],
    ['redis+sentinel://s1:26379/m/1/2', /masterName/],
    ['redis+cluster://hunter2@n1:7000/0', /cluster has no database/],
    ['redis+cluster://n1:7000,,n2', /no host/],
    ['memory://x', /memory:\/\/ takes nothing/],
    ['redis://u:%E0%A4%A@h', /percent-encoding/],
  ];
  for (const [url, why] of bad) {
    try {
      createStore(url);
      t.fail(`${url} accepted`);
    } catch (e) {
      const msg = (e as Error).message;
      t.match(msg, why, `${redactUrl(url)}: ${why}`);
      t.match(msg, /Accepted forms: memory:\/\/, redis:\/\/.*rediss:\/\/.*redis\+sentinel:\/\/.*redis\+cluster:\/\//, 'lists the accepted forms');
      t.notMatch(msg, /hunter2|%E0/, 'no password in the message');
    }
  }
});

t.test('redactUrl', async (t) => {
  t.equal(redactUrl('redis://user:hunter2@h:6379/0'), 'redis://user:***@h:6379/0');
  t.equal(redactUrl('redis://:hunter2@h'), 'redis://:***@h');
  t.equal(redactUrl('redis+sentinel://hunter2@s1,s2/m'), 'redis+sentinel://***@s1,s2/m');
  t.equal(redactUrl('redis://u:p@ss/w@h:7/2'), 'redis://u:***@h:7/2', 'up to the last @');
  t.equal(redactUrl('redis:hunter2@h'), 'redis:***@h', 'even without //');
  t.equal(redactUrl('redis://h:6379'), 'redis://h:6379', 'nothing to hide');
  t.equal(redactUrl('memory://'), 'memory://');
});

t.test('memory:// gives the memory store, with maxGroups passed on', async (t) => {
  const s = createStore('memory://', { maxGroups: 1 });
  t.teardown(() => s.close());
  t.ok(s instanceof MemoryStore);
  t.equal(s.kind, 'memory');
  const rec = { fingerprint: 'f', outcome: { class: 'success' as const }, committed_at: 1 };
  for (const g of ['g1', 'g2']) {
    const c = await s.claim({ group: g, key: 'k', fingerprint: 'f', leaseMs: 1_000, mode: 'plain', ttlMs: 60_000 });
    if (c.kind === 'claimed') await s.commit({ group: g, key: 'k', token: c.token, record: rec, ttlMs: 60_000 });
  }
  t.equal((await s.claim({ group: 'g1', key: 'k', fingerprint: 'f', leaseMs: 1_000, mode: 'plain', ttlMs: 60_000 })).kind, 'claimed', 'bound of 1 group applied');
});

t.test('redis forms give the Redis store without connecting synchronously', async (t) => {
  for (const url of ['redis://127.0.0.1:1', 'redis+sentinel://127.0.0.1:1/m', 'redis+cluster://127.0.0.1:1']) {
    const s = createStore(url, { commandTimeoutMs: 100 });
    t.ok(s instanceof RedisStore, url);
    t.equal(s.kind, 'redis');
    await t.rejects(s.ping(), StoreUnavailableError, `${url}: nothing listens, fails closed`);
    await s.close();
  }
  t.throws(() => createStore('redis://127.0.0.1:1', { prefix: 'gw:{x}:' }), /prefix must not contain/, 'a brace in the prefix would pin every key to one Cluster slot');
});

async function works(t: Test, s: Store): Promise<void> {
  await s.ping();
  const c = await s.claim({ group: 'p:tx', key: 'k', fingerprint: 'f', leaseMs: 1_000, mode: 'plain', ttlMs: 60_000 });
  t.equal(c.kind, 'claimed', 'claims');
}

if (requireRedisBinaries(t)) {
  t.test('a password-protected Redis: right password works, wrong one fails closed and is never logged', async (t) => {
    const pw = 'hunter2-pw';
    const server = await startRedisServer({ t, args: ['--requirepass', pw] });
    const prefix = randomPrefix();
    const lines: string[] = [];
    const onEvent = (level: string, msg: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${msg} ${JSON.stringify(fields)}`);
    };
    const good = createStore(`redis://:${pw}@127.0.0.1:${server.port}`, { prefix, onEvent });
    t.teardown(() => good.close());
    await works(t, good);

    const wrong = createStore(`redis://default:wrong-${pw}@127.0.0.1:${server.port}`, { prefix, onEvent, commandTimeoutMs: 200 });
    t.teardown(() => wrong.close());
    try {
      await wrong.claim({ group: 'p:tx', key: 'k2', fingerprint: 'f', leaseMs: 1_000, mode: 'plain', ttlMs: 60_000 });
      t.fail('claimed with a wrong password');
    } catch (e) {
      t.type(e, StoreUnavailableError);
      t.notMatch((e as Error).message, pw, 'no password in the error');
    }
    t.ok(lines.some((l) => l.includes(`redis://:***@127.0.0.1:${server.port}`)), 'the target is logged redacted');
    t.notOk(lines.some((l) => l.includes(pw)), `no password in any log line: ${JSON.stringify(lines)}`);
  });

  t.test('Sentinel: the store finds the master through a real Sentinel, in the URL database', async (t) => {
    const pw = 'sentinel-master-pw';
    const master = await startRedisServer({ t, args: ['--requirepass', pw] });
    const sentinel = await startRedisSentinel(t, master.port, pw);
    const prefix = randomPrefix();
    const s = createStore(`redis+sentinel://${pw}@127.0.0.1:${sentinel.port}/mymaster/2`, { prefix });
    t.teardown(() => s.close());
    await works(t, s);
    const admin = new Redis({ port: master.port, host: '127.0.0.1', password: pw, db: 2, retryStrategy: () => null });
    admin.on('error', () => {});
    t.teardown(() => admin.disconnect());
    t.same((await admin.keys(`${prefix}*`)).filter((k) => k !== `${prefix}epoch`).sort(), [`${prefix}{p:tx}`], 'the group hash is in db 2 of the master (beside the store epoch)');
    await deleteByPrefix(`redis://:${pw}@127.0.0.1:${master.port}/2`, prefix);
  });
}
