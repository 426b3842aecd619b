/**
 * WorkerPool (gateway/server/cluster.ts) with real forked processes running the real worker side
 * (test/fixtures/cluster/worker.ts) around a stand-in gateway: start, a start that fails or is too
 * slow, a worker that dies and is replaced, a fork that cannot spawn, a stop that arrives while
 * workers start, reloads that must end on one descriptor set, and summed metrics.
 */
import cluster from 'node:cluster';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createLogger } from '../../gateway/log.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { restartDelay, WorkerPool } from '../../gateway/server/cluster.js';

const FIXTURE = path.join(PACKAGE_ROOT, 'dist', 'test', 'fixtures', 'cluster', 'worker.js');
cluster.setupPrimary({ exec: FIXTURE, args: [], silent: false });

const dir = mkdtempSync(path.join(tmpdir(), 'gwtest-cluster-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function pool(t: Tap, env: Record<string, string>, o: { workers?: number; startTimeoutMs?: number; stopTimeoutMs?: number } = {}) {
  for (const k of Object.keys(process.env)) if (k.startsWith('FIXTURE_')) delete process.env[k];
  Object.assign(process.env, { FIXTURE_DIR: dir }, env);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const p = new WorkerPool({ workers: o.workers ?? 2, log, startTimeoutMs: o.startTimeoutMs ?? 10_000, stopTimeoutMs: o.stopTimeoutMs ?? 5_000, callTimeoutMs: 2_000 });
  t.teardown(() => p.stop());
  return { p, lines };
}
type Tap = { teardown(fn: () => unknown): void };

const livePids = (): number[] => Object.values(cluster.workers ?? {}).flatMap((w) => (w && !w.isDead() && w.process.pid ? [w.process.pid] : []));
async function until(fn: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (fn()) return true;
  return fn();
}

t.test('start: resolves once every worker serves; metrics summed, readiness, stop closes each gracefully', async (t) => {
  const { p } = pool(t, {});
  t.match(await p.start(), /^http:\/\/worker-[12]$/, 'the URL the workers share');
  t.same(p.readiness(), { workers: true });
  const snaps = await p.metrics();
  t.same(snaps[0], { series: [] }, 'no retired counters yet');
  t.same(snaps.slice(1).map((s) => s.series[0]!.requests[0]![2]).sort(), [1, 2], 'one snapshot per worker');
  t.equal(p.serving(), 2);
  const pids = livePids();
  t.equal(pids.length, 2);
  await p.stop();
  t.same(livePids(), [], 'no worker left');
  t.same(readdirSync(dir).filter((f) => pids.some((pid) => f.endsWith(`-${pid}`))).length, 2, 'each closed its gateway before exiting');
});

t.test('a worker that cannot start fails the start at once (not after the start timeout)', async (t) => {
  const { p } = pool(t, { FIXTURE_MODE: 'fail-start' }, { startTimeoutMs: 20_000 });
  const t0 = Date.now();
  await t.rejects(p.start(), /worker \d exited before it served/);
  t.ok(Date.now() - t0 < 10_000, `rejected after ${Date.now() - t0} ms`);
  t.ok(await until(() => livePids().length === 0, 5000), 'no worker left');
});

t.test('workers slower than the start timeout: the start fails, and a late "ready" does not revive it', async (t) => {
  const { p } = pool(t, { FIXTURE_MODE: 'slow-start', FIXTURE_START_MS: '800' }, { startTimeoutMs: 300, stopTimeoutMs: 5000 });
  const t0 = Date.now();
  await t.rejects(p.start(), /did not start within 300 ms/);
  t.ok(Date.now() - t0 < 3000, `the stop sent while they started was heard at once (${Date.now() - t0} ms; kill after 5000)`);
  t.same(livePids(), [], 'every worker exited');
  t.same(p.readiness(), { workers: false });
});

t.test('a worker that dies after serving is replaced; readiness follows; summed counters never go down', async (t) => {
  const { p, lines } = pool(t, {}, { workers: 2 });
  await p.start();
  const total = async (): Promise<number> => (await p.metrics()).reduce((sum, s) => sum + s.series.reduce((a, x) => a + x.requests.reduce((b, r) => b + r[2], 0), 0), 0);
  t.equal(await total(), 3, 'worker 1 counted 1, worker 2 counted 2');
  const [victim] = livePids();
  process.kill(victim!, 'SIGKILL');
  t.ok(await until(() => p.readiness().workers === false, 3000), 'not ready while one is missing');
  t.ok(await until(() => p.readiness().workers === true && livePids().length === 2 && !livePids().includes(victim!), 5000), 'replaced and ready again');
  const exited = lines.find((l) => l.msg === 'worker exited; starting another');
  t.match(exited, { why: 'SIGKILL', restart_in_ms: 250 });
  t.ok((await total()) >= 3 + 1, "the replaced worker's counters are kept and the new one's added");
});

t.test('a replacement that cannot start backs off further each time, and serves once it can', async (t) => {
  const broken = path.join(dir, 'broken');
  const { p, lines } = pool(t, { FIXTURE_BROKEN: broken }, { workers: 1 });
  await p.start();
  writeFileSync(broken, '');
  process.kill(livePids()[0]!, 'SIGKILL');
  t.ok(await until(() => lines.filter((l) => l.msg === 'worker exited; starting another').length >= 4, 10_000), 'several failed restarts');
  const delays = lines.filter((l) => l.msg === 'worker exited; starting another').map((l) => l.restart_in_ms as number);
  t.same(delays.slice(0, 4), [250, 500, 1000, 2000], 'growing back-off');
  rmSync(broken);
  t.ok(await until(() => p.readiness().workers, 10_000), 'serves again once the cause is gone');
});

t.test('a fork that cannot spawn does not crash the primary; the slot is retried', async (t) => {
  const { p, lines } = pool(t, {}, { workers: 1 });
  await p.start();
  cluster.setupPrimary({ cwd: path.join(dir, 'does-not-exist') });
  process.kill(livePids()[0]!, 'SIGKILL');
  t.ok(await until(() => lines.some((l) => l.msg === 'worker exited; starting another' && String(l.why).startsWith('could not start a process')), 5000), 'the spawn failure is logged and retried');
  cluster.setupPrimary({ cwd: process.cwd() });
  t.ok(await until(() => p.readiness().workers, 10_000), 'serves again');
});

t.test('reload: ok only when every worker loaded the same set as the admin process', async (t) => {
  const { p } = pool(t, { FIXTURE_FP_2: 'other' });
  await p.start();
  t.same(await p.reload('fp'), { ok: false, partial: true, errors: ['worker 2: loaded a different descriptor set than the admin process (files changed during the reload?)'] });
  t.same(await p.reload('other'), { ok: false, partial: true, errors: ['worker 1: loaded a different descriptor set than the admin process (files changed during the reload?)'] });
  await p.stop();
  const again = pool(t, {});
  await again.p.start();
  t.same(await again.p.reload('fp'), { ok: true, fingerprint: 'fp' });
});

t.test('stop() while the workers start ends the start at once', async (t) => {
  const { p } = pool(t, { FIXTURE_MODE: 'slow-start', FIXTURE_START_MS: '3000' }, { startTimeoutMs: 20_000 });
  const starting = p.start();
  await sleep(200);
  const t0 = Date.now();
  await p.stop();
  await t.rejects(starting, /stopped while the workers were starting/);
  t.ok(Date.now() - t0 < 5000, `start and stop settled in ${Date.now() - t0} ms`);
  t.same(livePids(), []);
});

t.test('two forks that cannot spawn at start: the start fails, it does not hang', async (t) => {
  cluster.setupPrimary({ cwd: path.join(dir, 'does-not-exist') });
  t.teardown(() => cluster.setupPrimary({ cwd: process.cwd() }));
  const { p } = pool(t, {}, { workers: 2, startTimeoutMs: 20_000 });
  const t0 = Date.now();
  await t.rejects(p.start(), /could not start a process/);
  t.ok(Date.now() - t0 < 5000, `failed in ${Date.now() - t0} ms`);
});

t.test('restartDelay: 250 ms doubling to 30 s', async (t) => {
  t.same([0, 1, 2, 6, 7, 20].map(restartDelay), [250, 500, 1000, 16_000, 30_000, 30_000]);
});
