/**
 * Prometheus metrics, text format 0.0.4. Hand-rolled on purpose: a handful of counters and one
 * histogram with fixed label sets, updated with two map lookups per request.
 */
const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

interface Hist {
  counts: number[];
  sum: number;
  count: number;
}

/** A worker's counters as plain data, sent over IPC and summed by the primary. */
export interface MetricsSnapshot {
  series: { provider: string; route: string; requests: [status: number, outcome: string, count: number][]; latency: Hist }[];
}

export interface Metrics {
  observeRequest(provider: string, route: string, status: number, outcome: string, ms: number): void;
  render(extra?: Record<string, number>): string;
  snapshot(): MetricsSnapshot;
  /** Adds another instance's counters to these (the primary summing its workers). */
  absorb(s: MetricsSnapshot): void;
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** One provider route: its label text, made once, and its counters. */
interface Series {
  provider: string;
  route: string;
  labels: string;
  /** status → outcome → count */
  requests: Map<number, Map<string, number>>;
  latency: Hist;
}

export function createMetrics(): Metrics {
  // provider → route → series: no label string is built per request.
  const series = new Map<string, Map<string, Series>>();
  const seriesOf = (provider: string, route: string): Series => {
    let byRoute = series.get(provider);
    if (!byRoute) series.set(provider, (byRoute = new Map()));
    let s = byRoute.get(route);
    if (!s) {
      s = { provider, route, labels: `provider="${esc(provider)}",route="${esc(route)}"`, requests: new Map(), latency: { counts: BUCKETS_MS.map(() => 0), sum: 0, count: 0 } };
      byRoute.set(route, s);
    }
    return s;
  };
  return {
    observeRequest(provider, route, status, outcome, ms) {
      const s = seriesOf(provider, route);
      let byOutcome = s.requests.get(status);
      if (!byOutcome) s.requests.set(status, (byOutcome = new Map()));
      byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
      const h = s.latency;
      for (let i = 0; i < BUCKETS_MS.length; i++) if (ms <= BUCKETS_MS[i]!) h.counts[i]!++;
      h.sum += ms;
      h.count++;
    },
    snapshot() {
      const out: MetricsSnapshot = { series: [] };
      for (const byRoute of series.values()) {
        for (const { provider, route, requests, latency } of byRoute.values()) {
          const rows: MetricsSnapshot['series'][number]['requests'] = [];
          for (const [status, byOutcome] of requests) for (const [outcome, n] of byOutcome) rows.push([status, outcome, n]);
          out.series.push({ provider, route, requests: rows, latency: { counts: [...latency.counts], sum: latency.sum, count: latency.count } });
        }
      }
      return out;
    },
    absorb(snap) {
      for (const x of snap.series) {
        const s = seriesOf(x.provider, x.route);
        for (const [status, outcome, n] of x.requests) {
          let byOutcome = s.requests.get(status);
          if (!byOutcome) s.requests.set(status, (byOutcome = new Map()));
          byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + n);
        }
        for (let i = 0; i < BUCKETS_MS.length; i++) s.latency.counts[i]! += x.latency.counts[i] ?? 0;
        s.latency.sum += x.latency.sum;
        s.latency.count += x.latency.count;
      }
    },
    render(extra = {}) {
      const lines: string[] = [];
      lines.push('# HELP gateway_requests_total Provider callbacks answered, by route, HTTP status and outcome.');
      lines.push('# TYPE gateway_requests_total counter');
      const all = [...series.values()].flatMap((byRoute) => [...byRoute.values()]);
      for (const { labels, requests } of all) {
        for (const [status, byOutcome] of requests) {
          for (const [outcome, v] of byOutcome) lines.push(`gateway_requests_total{${labels},status="${status}",outcome="${esc(outcome)}"} ${v}`);
        }
      }
      lines.push('# HELP gateway_request_duration_ms Time from request arrival to answer.');
      lines.push('# TYPE gateway_request_duration_ms histogram');
      for (const { labels: k, latency: h } of all) {
        BUCKETS_MS.forEach((b, i) => lines.push(`gateway_request_duration_ms_bucket{${k},le="${b}"} ${h.counts[i]}`));
        lines.push(`gateway_request_duration_ms_bucket{${k},le="+Inf"} ${h.count}`);
        lines.push(`gateway_request_duration_ms_sum{${k}} ${h.sum.toFixed(3)}`);
        lines.push(`gateway_request_duration_ms_count{${k}} ${h.count}`);
      }
      for (const [name, v] of Object.entries(extra)) {
        lines.push(`# TYPE ${name} gauge`);
        lines.push(`${name} ${v}`);
      }
      return lines.join('\n') + '\n';
    },
  };
}
