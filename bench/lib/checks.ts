/** The issue's targets as checks: each with its bar, its measured value, and met / not / not measured. */
import type { BenchReport } from './harness.js';
import type { TargetId } from './options.js';

/** Other processes' CPU (% of one core) above which a latency figure is not a verdict. */
const NOISY_CPU = 25;

export interface Check {
  id: string;
  target: string;
  value: string;
  met: boolean | null;
}

/** The issue's targets, each with its measured value; `met: null` when not measured in this run. */
export function evaluate(r: Pick<BenchReport, 'phases' | 'ratios' | 'costRatios' | 'halfLoad' | 'redisRoundTrips'>, soak?: { rssDriftPct: number } | undefined): Check[] {
  const checks: Check[] = [];
  const ra = (k: keyof BenchReport['ratios'], min: number) => {
    const v = r.ratios[k];
    const c = r.costRatios[k];
    const foreign = Math.max(...k.split('/').map((id) => r.phases[id as TargetId]?.foreignCpu ?? 0));
    const noisy = foreign > NOISY_CPU ? `; noisy: other processes took ${foreign}% CPU` : '';
    checks.push({ id: `${k} throughput`, target: `≥ ${min}`, value: v === null ? 'not measured' : `${v.toFixed(2)} (by CPU cost ${c === null ? '—' : c.toFixed(2)}${noisy})`, met: v === null ? null : v >= min });
  };
  ra('d/a', 0.5);
  ra('c/b', 0.75);
  for (const id of ['c', 'd'] as const) {
    const h = r.halfLoad.find((x) => x.target === id);
    const foreign = h ? Math.max(h.gateway.foreignCpu ?? 0, h.baseline.foreignCpu ?? 0) : 0;
    // Latency tails measure the scheduler when other processes take a CPU: not a verdict on the gateway.
    const invalid = h !== undefined && foreign > NOISY_CPU;
    checks.push({
      id: `p99 added latency at 50% load (${id})`,
      target: '≤ 2 ms',
      value: h ? `${h.addedP99.toFixed(2)} ms${invalid ? ` (invalid: other processes took up to ${foreign}% CPU)` : ''}` : 'not measured',
      met: h && !invalid ? h.addedP99 <= 2 : null,
    });
  }
  const t = r.redisRoundTrips;
  checks.push({ id: 'Redis round trips per money request', target: '2', value: t ? `${t.unique.perRequest} (duplicate ${t.duplicates.perRequest})` : 'not measured', met: t ? t.unique.perRequest <= 2.005 : null });
  checks.push({ id: 'RSS drift across the soak', target: '±10%', value: soak ? `${soak.rssDriftPct.toFixed(1)}%` : 'see npm run bench:soak', met: soak ? Math.abs(soak.rssDriftPct) <= 10 : null });
  const d = r.phases.d;
  checks.push({ id: 'errors under load, (d)', target: '0', value: d ? String(d.errors.total) : 'not measured', met: d ? d.errors.total === 0 : null });
  return checks;
}

