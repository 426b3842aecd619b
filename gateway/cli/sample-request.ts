/**
 * Builds a plausible request for a route from its mapping alone (the inverse of `map`), so the
 * start-up banner can print a ready-to-paste signed example for any descriptor.
 */
import type { Descriptor, RouteConfig } from '../compile/descriptor.js';
import { JsonNumber } from '../json/json-number.js';
import { stringifyJson } from '../json/stringify-json.js';

const SAMPLES: Record<string, string> = {
  player_id: 'player-1',
  currency: 'USD',
  session_id: 'session-1',
  game_id: 'demo-game',
  round_id: 'round-1',
  transaction_id: 'tx-demo-1',
  reference_transaction_id: 'tx-demo-1',
  reference_wallet_transaction_id: 'sbx-1',
  kind: 'bet',
};

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  if (!(keys.at(-1)! in cur)) cur[keys.at(-1)!] = value;
}

export function sampleRequest(d: Descriptor, route: RouteConfig, opts: { transactionId?: string } = {}): { path: string; body: string } {
  const body: Record<string, unknown> = {};
  let path = route.path;
  for (const [src, want] of Object.entries(route.when ?? {})) {
    const v = Array.isArray(want) ? want[0] : want;
    if (src.startsWith('body.')) setPath(body, src.slice(5), v);
  }
  const amountSpec = d.amounts?.input ?? { format: 'string' as const };
  for (const [field, m] of Object.entries(route.map ?? {})) {
    const src = typeof m === 'string' ? m : 'from' in m ? m.from : undefined;
    if (!src) continue;
    let value: unknown = field === 'transaction_id' || field === 'reference_transaction_id' ? opts.transactionId ?? SAMPLES[field] : SAMPLES[field];
    if (field === 'amount') {
      const spec = typeof m === 'object' && 'amount' in m && m.amount ? m.amount : amountSpec;
      value = spec.format === 'string' ? '1.00' : spec.format === 'number' ? new JsonNumber('1.00') : new JsonNumber(String(10 ** (typeof spec.scale === 'number' ? spec.scale : 2)));
    }
    if (field === 'round_closed') value = true;
    if (field === 'metadata') value = typeof m === 'object' && 'parse' in m && m.parse === 'json' ? '{}' : {};
    if (typeof m === 'object' && 'values' in m && m.values) value = Object.keys(m.values)[0];
    if (value === undefined) continue;
    if (src.startsWith('body.')) setPath(body, src.slice(5), value);
    else if (src.startsWith('param.')) path = path.replace(`{${src.slice(6)}}`, encodeURIComponent(String(value)));
  }
  // Echo fields read by the success template (e.g. requestId) make the example realistic.
  const responses = JSON.stringify(d.responses ?? {}) + JSON.stringify(d.errors.body);
  for (const m of responses.matchAll(/"\$from":"body\.([A-Za-z0-9_]+)"/g)) setPath(body, m[1]!, `req-${Date.now().toString(36)}`);
  const method = route.method ?? 'POST';
  return { path, body: method === 'GET' || method === 'DELETE' ? '' : stringifyJson(body) };
}
