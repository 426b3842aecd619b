/**
 * `gateway test` (conformance): every shipped descriptor's examples pass offline, and each provider
 * runs on its own sandbox ledger, so one provider's examples give the same results alone or after
 * the others.
 */
import t from 'tap';
import path from 'node:path';
import { PerProviderSandbox, runExamples } from '../../gateway/cli/conformance.js';
import { descriptorFiles } from '../../gateway/config/load-providers.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { testConfig } from '../helpers/gateway.js';

const CONFIG = path.join(PACKAGE_ROOT, 'gateway.config.yaml');
// No provider secrets in the environment: the examples run on the descriptors' sandbox values.
const env = { PATH: process.env.PATH ?? '' };

t.test('every shipped provider has examples, and they all pass', async (tt) => {
  const files = await descriptorFiles(path.join(PACKAGE_ROOT, 'providers'));
  const ids = files.map((f) => path.basename(f).replace(/\.ya?ml$/, ''));
  const results = await runExamples(CONFIG, [], env);
  for (const id of ids) {
    const mine = results.filter((r) => r.provider === id);
    tt.ok(mine.length >= 5, `${id} has examples (${mine.length})`);
  }
  for (const r of results) tt.ok(r.ok, `${r.provider}: ${r.name}${r.problem ? ` — ${r.problem}` : ''}`);
});

t.test('a provider alone and after the others: the same results (one ledger per provider)', async (tt) => {
  const alone = await runExamples(CONFIG, ['sportsbook'], env);
  const all = (await runExamples(CONFIG, [], env)).filter((r) => r.provider === 'sportsbook');
  tt.same(all, alone);
  tt.ok(alone.length > 0 && alone.every((r) => r.ok));
});

t.test('PerProviderSandbox keeps one ledger per provider', async (tt) => {
  const w = new PerProviderSandbox(testConfig());
  const debit = (provider: string, tx: string) => w.call({ operation: 'debit', requestId: 'r', timeoutMs: 100, idempotencyKey: `${provider}:debit:${tx}`, body: { provider, operation: 'debit', player_id: 'player-1', transaction_id: tx, amount: '100', idempotency_key: `${provider}:debit:${tx}` } });
  const a = await debit('a', 't1');
  const a2 = await debit('a', 't2');
  const b = await debit('b', 't1');
  tt.equal(a.balance, '900');
  tt.equal(a2.balance, '800');
  tt.equal(b.balance, '900', 'provider b starts from the demo balance');
  tt.equal(await w.ping(), true);
  await w.close();
});
