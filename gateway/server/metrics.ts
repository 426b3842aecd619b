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

export interface Metrics {
  observeRequest(provider: string, route: string, status: number, outcome: string, ms: number): void;
  render(extra?: Record<string, number>): string;
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  const latency = new Map<string, Hist>();
  return {
    observeRequest(provider, route, status, outcome, ms) {
      const k = `provider="${esc(provider)}",route="${esc(route)}",status="${status}",outcome="${esc(outcome)}"`;
      requests.set(k, (requests.get(k) ?? 0) + 1);
      const lk = `provider="${esc(provider)}",route="${esc(route)}"`;
      let h = latency.get(lk);
      if (!h) latency.set(lk, (h = { counts: BUCKETS_MS.map(() => 0), sum: 0, count: 0 }));
      for (let i = 0; i < BUCKETS_MS.length; i++) if (ms <= BUCKETS_MS[i]!) h.counts[i]!++;
      h.sum += ms;
      h.count++;
    },
    render(extra = {}) {
      const lines: string[] = [];
      lines.push('# HELP gateway_requests_total Provider callbacks answered, by route, HTTP status and outcome.');
      lines.push('# TYPE gateway_requests_total counter');
      for (const [k, v] of requests) lines.push(`gateway_requests_total{${k}} ${v}`);
      lines.push('# HELP gateway_request_duration_ms Time from request arrival to answer.');
      lines.push('# TYPE gateway_request_duration_ms histogram');
      for (const [k, h] of latency) {
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
