/**
 * The Prometheus text the admin `/metrics` endpoint serves: one counter line per provider, route,
 * status and outcome; cumulative latency buckets; label values escaped as the format requires.
 */
import t from 'tap';
import { createMetrics } from '../../gateway/server/metrics.js';

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

t.test('counters per provider, route, status and outcome', async (t) => {
  const m = createMetrics();
  m.observeRequest('acme', 'debit', 200, 'success', 0.5);
  m.observeRequest('acme', 'debit', 200, 'success', 3);
  m.observeRequest('acme', 'debit', 402, 'INSUFFICIENT_FUNDS', 7);
  m.observeRequest('acme', 'credit', 200, 'success', 1);
  m.observeRequest('other', 'debit', 200, 'success', 1);
  const text = m.render({ gateway_store_up: 1 });
  t.equal(sample(text, 'gateway_requests_total', 'provider="acme",route="debit",status="200",outcome="success"'), 2);
  t.equal(sample(text, 'gateway_requests_total', 'provider="acme",route="debit",status="402",outcome="INSUFFICIENT_FUNDS"'), 1);
  t.equal(sample(text, 'gateway_requests_total', 'provider="acme",route="credit",status="200",outcome="success"'), 1);
  t.equal(sample(text, 'gateway_requests_total', 'provider="other",route="debit",status="200",outcome="success"'), 1);
  t.equal(text.split('\n').filter((l) => l.startsWith('gateway_requests_total{')).length, 4, 'no other series');
  t.match(text, /^# TYPE gateway_store_up gauge\ngateway_store_up 1$/m);
  t.ok(text.endsWith('\n'));
});

t.test('latency buckets are cumulative, with +Inf, sum and count', async (t) => {
  const m = createMetrics();
  for (const ms of [0.5, 1, 3, 7, 20000]) m.observeRequest('acme', 'debit', 200, 'success', ms);
  const text = m.render();
  const l = 'provider="acme",route="debit"';
  t.equal(sample(text, 'gateway_request_duration_ms_bucket', `${l},le="1"`), 2, '≤ 1 ms: 0.5 and 1');
  t.equal(sample(text, 'gateway_request_duration_ms_bucket', `${l},le="5"`), 3);
  t.equal(sample(text, 'gateway_request_duration_ms_bucket', `${l},le="10"`), 4);
  t.equal(sample(text, 'gateway_request_duration_ms_bucket', `${l},le="5000"`), 4, 'the 20 s request is only in +Inf');
  t.equal(sample(text, 'gateway_request_duration_ms_bucket', `${l},le="+Inf"`), 5);
  t.equal(sample(text, 'gateway_request_duration_ms_count', l), 5);
  t.equal(sample(text, 'gateway_request_duration_ms_sum', l), 20011.5);
});

t.test('label values are escaped (backslash, quote, newline)', async (t) => {
  const m = createMetrics();
  m.observeRequest('a"b', 'r\\1', 500, 'line\nbreak', 1);
  const text = m.render();
  t.ok(text.includes('gateway_requests_total{provider="a\\"b",route="r\\\\1",status="500",outcome="line\\nbreak"} 1'));
  t.notOk(text.split('\n').some((l) => l === 'break"} 1'), 'no raw newline inside a sample line');
});

t.test('a snapshot absorbed elsewhere adds up (the primary summing its workers)', async (t) => {
  const w1 = createMetrics();
  const w2 = createMetrics();
  w1.observeRequest('acme', 'debit', 200, 'success', 0.5);
  w1.observeRequest('acme', 'debit', 402, 'INSUFFICIENT_FUNDS', 7);
  w2.observeRequest('acme', 'debit', 200, 'success', 3);
  w2.observeRequest('acme', 'credit', 200, 'success', 1);
  const primary = createMetrics();
  // Through JSON, as over the IPC channel.
  for (const w of [w1, w2]) primary.absorb(JSON.parse(JSON.stringify(w.snapshot())) as ReturnType<typeof w.snapshot>);
  const text = primary.render();
  t.equal(sample(text, 'gateway_requests_total', 'provider="acme",route="debit",status="200",outcome="success"'), 2);
  t.equal(sample(text, 'gateway_requests_total', 'provider="acme",route="debit",status="402",outcome="INSUFFICIENT_FUNDS"'), 1);
  t.equal(sample(text, 'gateway_requests_total', 'provider="acme",route="credit",status="200",outcome="success"'), 1);
  t.equal(sample(text, 'gateway_request_duration_ms_count', 'provider="acme",route="debit"'), 3);
  t.equal(sample(text, 'gateway_request_duration_ms_sum', 'provider="acme",route="debit"'), 10.5);
  t.equal(sample(text, 'gateway_request_duration_ms_bucket', 'provider="acme",route="debit",le="5"'), 2);
  primary.absorb(w1.snapshot());
  t.equal(sample(primary.render(), 'gateway_request_duration_ms_count', 'provider="acme",route="debit"'), 5, 'absorbing adds, it does not replace');
});
