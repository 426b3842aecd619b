/**
 * Keeps the bench harness from rotting (CI does not run the bench itself): every target for about
 * 2 s with few connections, unpinned, no file written. Asserts a well-formed report with zero
 * errors, and the Redis round trips of a money request, which are exact counts, not timings.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { runBench, type PhaseResult } from '../../bench/lib/harness.js';
import { DEFAULTS } from '../../bench/lib/options.js';
import { answersPing, hasRedisServer } from '../../bench/lib/redis.js';
import { renderReport } from '../../bench/lib/report.js';

const run = promisify(execFile);

t.test('bench harness: a short run of every target gives a well-formed report with no errors', async (tt) => {
  const redisAvailable = Boolean(process.env.REDIS_URL) || (await answersPing(6379)) || hasRedisServer();
  if (!redisAvailable && process.env.CI === 'true') tt.fail('no Redis for target (d) (CI=true: a missing Redis is a failure)');
  const lines: string[] = [];
  const report = await runBench({
    ...DEFAULTS,
    connections: 4,
    duration: 2,
    rounds: 1,
    warmup: 1,
    halfDuration: 1,
    tripRequests: hasRedisServer() ? 200 : 0,
    pin: false,
    redisUrl: process.env.REDIS_URL || undefined,
    profileDir: undefined,
    out: '',
    log: (l) => lines.push(l),
  });

  tt.equal(report.schema, 1);
  tt.equal(report.settings.pipelining, 1);
  tt.equal(report.machine.nproc > 0, true);
  const expected = redisAvailable ? ['a', 'b', 'c', 'd'] : ['a', 'b', 'c'];
  tt.same(Object.keys(report.phases).sort(), expected, 'every available target measured');
  for (const p of Object.values(report.phases) as PhaseResult[]) {
    tt.ok(p.requests > 0 && p.rps > 0, `(${p.id}) answered requests`);
    tt.equal(p.errors.total, 0, `(${p.id}) no errors: ${p.errors.samples.join(' | ')}`);
    tt.ok(p.latency.p50 > 0 && p.latency.p50 <= p.latency.p99 && p.latency.p99 <= p.latency.max, `(${p.id}) latency percentiles ordered`);
    tt.ok(p.peakRssMiB > 0, `(${p.id}) peak RSS sampled`);
    tt.ok(p.cpuUsPerRequest > 0, `(${p.id}) CPU per request measured`);
    tt.ok(p.mix.debit > 0, `(${p.id}) debits sent`);
  }
  tt.ok(report.phases.c!.mix.credit > 0 && report.phases.c!.mix.duplicate > 0, 'the mix has credits and retried duplicates');
  // Behind the gateway, duplicates are replayed: fewer money calls reach the wallet than were sent.
  const c = report.phases.c!;
  tt.ok(c.walletMoneyCalls <= c.mix.debit + c.mix.credit, 'no duplicate reached the wallet through the gateway');
  tt.type(report.ratios['c/a'], 'number');
  tt.type(report.ratios['c/b'], 'number');
  tt.ok(report.halfLoad.some((h) => h.target === 'c'), 'latency at half load measured for (c)');
  for (const h of report.halfLoad) {
    tt.equal(h.gateway.errors + h.baseline.errors, 0, `(${h.target}) half-load runs without errors`);
    tt.ok(h.rate > 0 && h.gateway.latency.p99 > 0 && h.baseline.latency.p99 > 0, `(${h.target}) half-load latencies`);
  }
  if (report.redisRoundTrips) {
    tt.equal(report.redisRoundTrips.unique.perRequest, 2, 'a unique money request costs two Redis round trips (claim, commit)');
    tt.equal(report.redisRoundTrips.duplicates.perRequest, 1, 'a retried duplicate costs one (claim → replay)');
  }
  tt.ok(report.checks.length >= 6, 'every target of the issue is listed');
  const text = renderReport(report);
  tt.match(text, /\| target\s+\| req\/s \(best\)/);
  tt.match(text, /\| ratio\s+\| req\/s/);
  tt.ok(lines.some((l) => l.includes('round 1')), 'progress was logged');
});

const noRedisBinary = !hasRedisServer() && process.env.CI !== 'true' ? 'no redis-server binary' : false;
t.test('bench:workers: a short unpinned run of the real gateway serve (1 and 2 workers) next to the wallet', { skip: noRedisBinary }, async (tt) => {
  if (!hasRedisServer()) {
    tt.fail('no redis-server binary for bench:workers (CI=true: a missing Redis is a failure)');
    return;
  }
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'gwtest-bw-')), 'workers.json');
  tt.teardown(() => rmSync(path.dirname(out), { recursive: true, force: true }));
  const args = ['--workers', '1,2', '--rounds', '1', '--duration', '1', '--warmup', '0', '--connections', '4', '--out', out];
  const { stdout } = await run(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'bench', 'workers.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
  tt.match(stdout, /\| \(a\) wallet direct \|/);
  const report = JSON.parse(readFileSync(out, 'utf8')) as { rows: { target: string; workers: number | null; rps: number; errors: number }[] };
  tt.same(report.rows.map((r) => r.workers), [null, 1, 2]);
  for (const r of report.rows) {
    tt.ok(r.rps > 0, `${r.target}: answered requests`);
    tt.equal(r.errors, 0, `${r.target}: no errors`);
  }
});
