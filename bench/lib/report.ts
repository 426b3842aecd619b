/** Plain-text tables of a bench report, for the terminal and for docs/performance.md. */
import type { BenchReport, Check } from './harness.js';
import { LABELS, fmtTrips } from './harness.js';

function table(head: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (align[i] === 'r' ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(' | ')} |`;
  const sep = `|${w.map((n, i) => (align[i] === 'r' ? `${'-'.repeat(n + 1)}:` : `:${'-'.repeat(n + 1)}`)).join('|')}|`;
  return [line(head), sep, ...rows.map(line)].join('\n');
}

const f = (v: number, d = 2): string => v.toFixed(d);

/** The throughput table: one row per target. */
export function phaseTable(r: BenchReport): string {
  const rows = (['a', 'b', 'c', 'd'] as const)
    .map((id) => r.phases[id])
    .filter((p) => p !== undefined)
    .map((p) => [
      `(${p.id}) ${LABELS[p.id]}`,
      String(p.rps),
      String(p.medianRps),
      f(p.cpuUsPerRequest, 0),
      f(p.latency.p50),
      f(p.latency.p99),
      f(p.latency.max),
      String(p.errors.total),
      f(p.peakRssMiB, 1),
      `${f(p.cpu.sut, 0)}%`,
      p.cpu.wallet !== undefined ? `${f(p.cpu.wallet, 0)}%` : '—',
      `${f(p.cpu.loadgen, 0)}%`,
      p.foreignCpu === null ? '—' : `${p.foreignCpu}%`,
    ]);
  return table(['target', 'req/s (best)', 'req/s (median)', 'CPU µs/req', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'peak RSS MiB', 'CPU target', 'CPU wallet', 'CPU loadgen', 'foreign CPU'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
}

export function ratioTable(r: BenchReport): string {
  const rows = Object.entries(r.ratios).map(([k, v]) => {
    const c = r.costRatios[k as keyof BenchReport['costRatios']];
    return [k, v === null ? '—' : f(v), c === null ? '—' : f(c)];
  });
  return table(['ratio', 'req/s (best rounds)', 'by CPU µs/request'], rows, ['l', 'r', 'r']);
}

export function halfLoadTable(r: BenchReport): string {
  const rows = r.halfLoad.map((h) => [
    `(${h.target}) at ${h.rate} req/s`,
    `${f(h.gateway.latency.p50)} / ${f(h.gateway.latency.p99)}`,
    `${f(h.baseline.latency.p50)} / ${f(h.baseline.latency.p99)}`,
    f(h.addedP99),
    f(h.addedP99Merged),
    f(h.addedP99Scheduled),
    String(h.gateway.errors + h.baseline.errors),
    `${h.gateway.foreignCpu ?? '—'}% / ${h.baseline.foreignCpu ?? '—'}%`,
  ]);
  return table(['fixed rate = 50% of max', 'gateway p50 / p99 ms', 'wallet alone p50 / p99 ms', 'added p99 ms (median of slices)', 'added p99 ms (merged)', 'added p99 ms (merged, from schedule)', 'errors', 'foreign CPU (max)'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
}

export function tripsTable(r: BenchReport): string {
  const t = r.redisRoundTrips;
  if (!t) return '(not measured)';
  return table(
    ['requests', 'round trips / request', 'commands sent (MONITOR)', 'inside scripts (not trips)'],
    [
      [`${t.unique.requests} unique money requests`, String(t.unique.perRequest), fmtTrips(t.unique.trips), Object.entries(t.unique.trips.inScripts).map(([k, v]) => `${k}×${v}`).join(', ')],
      [`${t.duplicates.requests} retried duplicates`, String(t.duplicates.perRequest), fmtTrips(t.duplicates.trips), Object.entries(t.duplicates.trips.inScripts).map(([k, v]) => `${k}×${v}`).join(', ')],
      ['bench mix (5% duplicates)', String(t.mixPerRequest), '', ''],
    ],
    ['l', 'r', 'l', 'l'],
  );
}

export function checksTable(checks: readonly Check[]): string {
  return table(['target', 'bar', 'measured', 'met'], checks.map((c) => [c.id, c.target, c.value, c.met === null ? '—' : c.met ? 'yes' : 'NO']), ['l', 'l', 'l', 'l']);
}

/** Everything, as printed at the end of `npm run bench`. */
export function renderReport(r: BenchReport): string {
  const m = r.machine;
  const parts = [
    `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, node ${m.node}, load average at start ${m.loadavgAtStart.join(' ')}`,
    `Load: ${r.settings.connections} connections, pipelining 1, ${r.settings.rounds} round(s) × ${r.settings.durationS}s per target after ${r.settings.warmupS}s warm-up; gateway log ${r.settings.gatewayLog}`,
    `Placement: ${r.settings.placement}`,
    '',
    phaseTable(r),
    '',
    ratioTable(r),
    '',
    halfLoadTable(r),
    '',
    tripsTable(r),
    '',
    checksTable(r.checks),
  ];
  for (const p of Object.values(r.phases)) {
    if (p && p.errors.samples.length > 0) parts.push('', `(${p.id}) first errors:`, ...p.errors.samples.map((s) => `  ${s}`));
  }
  if (r.notes.length > 0) parts.push('', 'Notes:', ...r.notes.map((n) => `  - ${n}`));
  parts.push('', `Total ${r.totalSeconds}s`);
  return parts.join('\n');
}
