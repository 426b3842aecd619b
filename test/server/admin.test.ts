/** The admin listener (CONTRACT §6): token, reload that keeps the running set on error, metrics. */
import t from 'tap';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSchemaChecker, loadSchemas } from '../../gateway/config/schema-check.js';
import { silentLogger } from '../../gateway/log.js';
import { startGateway } from '../../gateway/server/gateway.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { PROVIDERS_DIR, testConfig } from '../helpers/gateway.js';
import { jackpotHeaders } from '../helpers/sign.js';

const SECRET = 'admin-test-secret';

async function rig(tt: { teardown(fn: () => unknown): void }, token?: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-admin-'));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(path.join(PROVIDERS_DIR, 'jackpot-rgs.yaml'), path.join(dir, 'jackpot-rgs.yaml'));
  const base = testConfig({ providersDir: dir });
  const config = { ...base, admin: { ...base.admin, ...(token ? { token } : {}) } };
  const g = await startGateway({ config, env: { JACKPOT_RGS_HMAC_SECRET: SECRET }, checker: createSchemaChecker(await loadSchemas()), log: silentLogger, store: new MemoryStore() });
  tt.teardown(() => g.close());
  return { g, dir };
}

t.test('without a token: loopback only; liveness, readiness, providers', async (tt) => {
  const { g } = await rig(tt);
  tt.equal((await fetch(`${g.adminUrl}/healthz`)).status, 200);
  const ready = await (await fetch(`${g.adminUrl}/readyz`)).json();
  tt.same(ready, { status: 'ready', checks: { store: true, wallet: true } });
  const p = (await (await fetch(`${g.adminUrl}/v1/providers`)).json()) as { providers: { id: string; routes: { stages: string[]; path: string }[] }[] };
  const debit = p.providers[0]!.routes.find((r) => r.path.endsWith('/debit'))!;
  tt.same(debit.stages, ['verify-signature', 'verify-timestamp', 'parse-json', 'map-request', 'audit', 'idempotency', 'wallet']);
  tt.equal((await fetch(`${g.adminUrl}/nope`)).status, 404);
});

t.test('with a token: Bearer required (liveness and readiness stay open for probes)', async (tt) => {
  const { g } = await rig(tt, 's3cret-token');
  tt.equal((await fetch(`${g.adminUrl}/healthz`)).status, 200);
  const ready = await fetch(`${g.adminUrl}/readyz`);
  tt.equal(ready.status, 200, 'a kubelet probes /readyz without the token');
  tt.same(Object.keys(((await ready.json()) as { checks: object }).checks).sort(), ['store', 'wallet'], 'only booleans');
  tt.equal((await fetch(`${g.adminUrl}/metrics`)).status, 401, 'metrics keep the token rule');
  tt.equal((await fetch(`${g.adminUrl}/v1/reload`, { method: 'POST' })).status, 401);
  tt.equal((await fetch(`${g.adminUrl}/v1/providers`)).status, 401);
  tt.equal((await fetch(`${g.adminUrl}/v1/providers`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  tt.equal((await fetch(`${g.adminUrl}/v1/providers`, { headers: { authorization: 'Bearer s3cret-token' } })).status, 200);
});

t.test('reload: a broken descriptor is refused and the running set keeps serving; a good one swaps in', async (tt) => {
  const { g, dir } = await rig(tt);
  writeFileSync(path.join(dir, 'broken.yaml'), 'id: broken\nroutes: []\n');
  const refused = await fetch(`${g.adminUrl}/v1/reload`, { method: 'POST' });
  tt.equal(refused.status, 422);
  const body = (await refused.json()) as { details: string[] };
  tt.match(body.details.join('\n'), /broken\.yaml:\d+:\d+: /, 'file:line:col in the answer');
  const p = '/jackpot-rgs/callback/balance';
  const text = JSON.stringify({ requestId: 'r', playerId: 'player-1' });
  const res = await fetch(g.publicUrl + p, { method: 'POST', headers: jackpotHeaders(SECRET, p, text), body: text });
  tt.equal(res.status, 200, 'the running set still serves');
  rmSync(path.join(dir, 'broken.yaml'));
  const ok = await fetch(`${g.adminUrl}/v1/reload`, { method: 'POST' });
  tt.same(await ok.json(), { status: 'reloaded', providers: ['jackpot-rgs'] });
});

t.test('metrics: Prometheus text with request counts and latency', async (tt) => {
  const { g } = await rig(tt);
  const p = '/jackpot-rgs/callback/balance';
  const text = JSON.stringify({ requestId: 'r', playerId: 'player-1' });
  await fetch(g.publicUrl + p, { method: 'POST', headers: jackpotHeaders(SECRET, p, text), body: text });
  await fetch(g.publicUrl + p, { method: 'POST', headers: jackpotHeaders('wrong', p, text), body: text });
  const m = await (await fetch(`${g.adminUrl}/metrics`)).text();
  tt.match(m, /gateway_requests_total\{provider="jackpot-rgs",route="balance",status="200",outcome="success"\} 1/);
  tt.match(m, /gateway_requests_total\{provider="jackpot-rgs",route="unknown",status="401",outcome="INVALID_SIGNATURE"\} 1/);
  tt.match(m, /gateway_request_duration_ms_count\{provider="jackpot-rgs",route="balance"\} 1/);
  tt.match(m, /gateway_providers_loaded 1/);
});
