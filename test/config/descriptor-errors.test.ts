/**
 * One broken descriptor per kind of config error: each problem is reported with its file, line and
 * column, every problem of a file at once, and nothing broken is loaded.
 */
import t from 'tap';
import path from 'node:path';
import { formatDiagnostic } from '../../gateway/errors.js';
import { DEFAULT_SETTINGS } from '../../gateway/compile/engine.js';
import { loadProviders } from '../../gateway/config/load-providers.js';
import { createSchemaChecker, loadSchemas } from '../../gateway/config/schema-check.js';
import { silentLogger } from '../../gateway/log.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { staticRegistry } from '../../gateway/plugins/registry.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { SandboxWallet } from '../../gateway/wallet/sandbox-wallet.js';

const dir = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'descriptors-broken');

async function problems(files: string[], env: Record<string, string> = {}, enabled?: string[]): Promise<string[]> {
  const r = await loadProviders({
    ...(enabled ? { enabled } : {}),
    dir,
    files: files.map((f) => path.join(dir, f)),
    cwd: dir,
    checker: createSchemaChecker(await loadSchemas()),
    deps: { store: new MemoryStore(), wallet: new SandboxWallet(), log: silentLogger, settings: DEFAULT_SETTINGS, env, plugins: staticRegistry([]), now: Date.now },
  });
  // Nothing from a broken file is loaded (with a duplicate id, the first file is the valid one).
  const broken = new Set(r.diagnostics.map((d) => d.file));
  t.notOk(r.providers.some((p) => broken.has(`${p.id}.yaml`)), 'a broken descriptor is not loaded');
  return r.diagnostics.map(formatDiagnostic);
}

t.test('YAML syntax error', async (tt) => {
  tt.match(await problems(['yaml-syntax.yaml']), [/^yaml-syntax\.yaml:4:16: invalid YAML/]);
});

t.test('unknown key, with did-you-mean', async (tt) => {
  tt.same(await problems(['unknown-key.yaml']), ['unknown-key.yaml:2:1: unknown key `verfy` (hint: did you mean `verify`?)']);
});

t.test('bad enum value', async (tt) => {
  tt.match(await problems(['bad-enum.yaml'], { BAD_ENUM_SECRET: 's' }), [/^bad-enum\.yaml:9:15: .*encoding must be one of hex, base64, base64url.*did you mean `hex`/]);
});

t.test('wrong type', async (tt) => {
  tt.match(await problems(['wrong-type.yaml']), [/^wrong-type\.yaml:3:64: .*tolerance_s must be an integer/]);
});

t.test('missing required key', async (tt) => {
  tt.match(await problems(['missing-required.yaml']), [/^missing-required\.yaml:1:1: .*missing required key `errors`/]);
});

t.test('unset ${VAR}', async (tt) => {
  tt.match(await problems(['unset-env.yaml']), [/^unset-env\.yaml:3:20: .*SURELY_UNSET_GATEWAY_TEST_VAR/]);
});

t.test('a bad source expression', async (tt) => {
  tt.match(await problems(['bad-source.yaml']), [/^bad-source\.yaml:5:23: .*hint: start with body\./]);
});

t.test('references to nothing: every problem of the file at once, each at its place', async (tt) => {
  const p = await problems(['references.yaml'], { REFERENCES_SECRET: 's' });
  tt.same(p.map((l) => l.split(': ')[0]), [
    'references.yaml:7:18', // secret missing_secret
    'references.yaml:9:15', // message uses timestamp without verify.timestamp
    'references.yaml:14:15', // response okay
    'references.yaml:15:5', // route without response and no default template
    'references.yaml:18:7', // debit without amount
    'references.yaml:22:23', // setting.nope
  ]);
  tt.match(p[0], /secret `missing_secret` is not declared/);
  tt.match(p[2], /response template `okay` is not defined \(hint: define responses.okay or name one of: ok\)/);
  tt.match(p[4], /operation debit needs `amount` mapped/);
});

t.test('two routes for one method and path without `when`', async (tt) => {
  tt.match(await problems(['duplicate-route.yaml']), [/^duplicate-route\.yaml:7:5: two routes for POST \/a without `when`/]);
});

t.test('the same provider id in two files', async (tt) => {
  tt.match(await problems(['dup-id-1.yaml', 'dup-id-2.yaml']), [/^dup-id-2\.yaml:1:5: provider id `same-id` is also defined in dup-id-1\.yaml/]);
});

t.test('every problem of several files in one run', async (tt) => {
  const p = await problems(['unknown-key.yaml', 'wrong-type.yaml', 'bad-source.yaml']);
  tt.equal(p.length, 3);
});

t.test('a descriptor left out by providers.enabled does not block start-up with its problems', async (tt) => {
  tt.same(await problems(['unset-env.yaml', 'dup-id-1.yaml'], {}, ['same-id']), []);
  tt.equal((await problems(['unset-env.yaml', 'dup-id-1.yaml'], {}, ['unset-env'])).length, 1, 'an enabled one still does');
});

t.test('outbound calls: every reference checked at load time, each at its place', async (tt) => {
  tt.same(await problems(['outbound.yaml'], { OUTBOUND_SECRET: 's' }), [
    'outbound.yaml:20:32: secret `usr` is not declared (hint: declare it under secrets: (known: k))',
    'outbound.yaml:23:23: `gam_id` is not a field of a session request (hint: known: player_id, currency, game_id, player_name, language, device, country, demo, return_url, balance, session_id, theme)',
    'outbound.yaml:25:11: setting `version` is not declared in `/{setting.version}/sessions` (hint: declare it under settings: (known: base_url))',
    'outbound.yaml:26:12: no outbound token named `logn` (hint: did you mean `login`?)',
    "outbound.yaml:28:24: `input.player_idd`: the operator's request has no field `player_idd` (hint: did you mean input.player_id? (known: player_id, currency, game_id, player_name, language, device, country, demo, return_url, balance, session_id, theme))",
    "outbound.yaml:30:7: sessions needs answer.launch_url (hint: map it from the provider's answer, e.g. launch_url: answer.launch_url)",
    'outbound.yaml:30:18: sessions reads no answer field `launchurl` (hint: did you mean `launch_url`? (known: launch_url, session_token, expires_at))',
    'outbound.yaml:36:13: a GET call sends no body (hint: remove body:, or use POST)',
    'outbound.yaml:37:15: next_cursor and next_url are exclusive (hint: a provider pages by cursor or by next link)',
  ]);
});


t.test('per-route wallet timeouts are checked against the provider answer budget', async (tt) => {
  const p = await problems(['answer-budget.yaml'], { ANSWER_BUDGET_SECRET: 's' });
  tt.equal(p.length, 2, p.join('\n'));
  tt.match(p[0], /^answer-budget\.yaml:14:5: this route may take 5000 ms before it answers \(wallet timeout 1500 ms, must-succeed budget 5000 ms.*limits\.answer_within_ms/);
  tt.match(p[1], /^answer-budget\.yaml:20:24: this route may take 2500 ms .* the provider waits 2000 ms/);
});
