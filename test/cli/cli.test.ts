/**
 * The `gateway` binary as an operator runs it: validate, inspect, test, and serve in a child process
 * with GATEWAY_WALLET_URL pointing at a canonical wallet, driven by an independent signing client.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startStubWallet } from '../helpers/stub-wallet.js';
import { jackpotHeaders } from '../helpers/sign.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'gateway.js');
const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'descriptors-broken');

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('a strict command line: --version, COMMAND --help without starting anything, unknown flags exit 2', async (tt) => {
  const v = run(['--version']);
  tt.equal(v.code, 0);
  tt.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = run(['serve', '--help']);
  tt.equal(help.code, 0, 'serve --help prints and exits');
  tt.match(help.stdout, /usage: gateway serve/);
  tt.notMatch(help.stdout, /listening/, 'no listener was started');
  for (const cmd of ['validate', 'inspect', 'test', 'sandbox-wallet']) tt.equal(run([cmd, '--help']).code, 0, `${cmd} --help`);
  const typo = run(['validate', '--confg', 'typo.yaml']);
  tt.equal(typo.code, 2, 'a mistyped flag is not a false green');
  tt.match(typo.stderr, /Unknown option '--confg'/);
  tt.equal(run(['serve', 'extra']).code, 2, 'a command without positionals refuses one');
  tt.equal(run(['sandbox-wallet', '--port', 'abc']).code, 2);
});

t.test('validate: the shipped config and descriptors are valid', async (tt) => {
  const r = run(['validate']);
  tt.equal(r.code, 0, r.stderr);
  tt.match(r.stdout, /ok: \d+ provider\(s\) valid: .*jackpot-rgs/);
});

t.test('validate: every problem as file:line:col, exit 1', async (tt) => {
  const r = run(['validate', path.join(FIXTURES, 'unknown-key.yaml'), path.join(FIXTURES, 'wrong-type.yaml')]);
  tt.equal(r.code, 1);
  tt.match(r.stderr, /test\/fixtures\/descriptors-broken\/unknown-key\.yaml:2:1: unknown key `verfy` \(hint: did you mean `verify`\?\)/);
  tt.match(r.stderr, /wrong-type\.yaml:3:64: /);
  tt.match(r.stderr, /2 problems found/);
});

t.test('validate --json', async (tt) => {
  const r = run(['validate', '--json', path.join(FIXTURES, 'unknown-key.yaml')]);
  tt.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  tt.equal(j.ok, false);
  tt.match(j.diagnostics[0], { code: 'GW_ERR_CONFIG_UNKNOWN_KEY', line: 2, col: 1 });
});

t.test('inspect prints the compiled stages in pipeline order', async (tt) => {
  const r = run(['inspect', 'jackpot-rgs']);
  tt.equal(r.code, 0, r.stderr);
  const debit = r.stdout.split('\n\n').find((b) => b.includes('/callback/debit'))!;
  const names = [...debit.matchAll(/^\s+\d+\. (\S+)/gm)].map((m) => m[1]);
  tt.same(names, ['verify-signature', 'verify-timestamp', 'parse-json', 'map-request', 'audit', 'idempotency', 'wallet', 'respond']);
  const balance = r.stdout.split('\n\n').find((b) => b.includes('/callback/balance'))!;
  tt.notMatch(balance, /idempotency/, 'reads have no idempotency stage');
  tt.equal(run(['inspect', 'nope']).code, 1);
});

t.test('test: the descriptors\' examples pass offline', async (tt) => {
  const r = run(['test', 'jackpot-rgs']);
  tt.equal(r.code, 0, r.stdout + r.stderr);
  tt.match(r.stdout, /^\d+ passed, 0 failed$/m);
});

t.test('unknown command: usage, exit 1', async (tt) => {
  const r = run(['frobnicate']);
  tt.equal(r.code, 1);
  tt.match(r.stderr, /usage: gateway/);
});

t.test('serve with GATEWAY_WALLET_URL: an independent client gets every behaviour', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const secret = 'cli-serve-secret';
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, GATEWAY_PORT: '0', GATEWAY_ADMIN_PORT: '0', GATEWAY_HOST: '127.0.0.1', GATEWAY_WALLET_URL: wallet.url, JACKPOT_RGS_HMAC_SECRET: secret, GATEWAY_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  tt.teardown(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  const urls = await new Promise<{ pub: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"msg":"gateway listening","public":"([^"]+)","admin":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ pub: m[1]!, admin: m[2]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  tt.notMatch(out, /SANDBOX/, 'a real wallet and real secrets: no sandbox warnings');
  tt.notMatch(out, new RegExp(secret), 'the secret is never printed');
  const send = async (route: string, body: object) => {
    const p = `/jackpot-rgs/callback/${route}`;
    const text = JSON.stringify(body);
    const res = await fetch(urls.pub + p, { method: 'POST', headers: jackpotHeaders(secret, p, text), body: text });
    return { status: res.status, body: await res.json() };
  };
  tt.same((await send('debit', { requestId: 'r1', playerId: 'player-1', transactionId: 'cli-1', roundId: 'x', gameCode: 'g', amount: '2.50' })).body, { requestId: 'r1', status: 'OK', balance: '97.50' });
  tt.same((await send('debit', { requestId: 'r2', playerId: 'player-1', transactionId: 'cli-1', roundId: 'x', gameCode: 'g', amount: '2.50' })).body, { requestId: 'r2', status: 'OK', balance: '97.50' });
  tt.equal(wallet.callsOf('debit').length, 1);
  const providers = await (await fetch(`${urls.admin}/v1/providers`)).json() as { providers: { id: string }[]; disabled: { id: string; reason: string }[] };
  tt.ok(providers.providers.some((p) => p.id === 'jackpot-rgs'));
  for (const d of providers.disabled) tt.match(d.reason, /missing [A-Z_]+/, `${d.id} is disabled with the variable it needs`);
  tt.equal((await fetch(`${urls.admin}/healthz`)).status, 200);
  tt.equal((await fetch(`${urls.admin}/readyz`)).status, 200);
  const audit = out.split('\n').filter((l) => l.includes('"msg":"audit"'));
  tt.ok(audit.length >= 2, 'one audit line per money operation');
  tt.match(JSON.parse(audit[0]!), { provider: 'jackpot-rgs', operation: 'debit', transaction_id: 'cli-1', player_id: 'player-1', amount: '2.5', outcome: 'success' });
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('exit', r));
  tt.equal(code, 0, 'SIGTERM shuts down cleanly');
});

t.test('serve on the embedded defaults: the printed example request works as pasted', async (tt) => {
  const env: Record<string, string | undefined> = { ...process.env, GATEWAY_PORT: '0', GATEWAY_ADMIN_PORT: '0', GATEWAY_HOST: '127.0.0.1', GATEWAY_LOG_LEVEL: 'info' };
  for (const k of Object.keys(env)) if (/_(HMAC_SECRET|API_KEY|SECRET_KEY|SECURITY_HASH|PRIVATE_KEY)$/.test(k) || k === 'GATEWAY_WALLET_URL') delete env[k];
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  tt.teardown(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  const curl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no example printed: ${out}`)), 20_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^\s+(curl -sS .*)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  tt.match(out, /SANDBOX WALLET/, 'sandbox mode says so loudly');
  tt.match(out, /SANDBOX MODE: provider \S+ runs on its descriptor's sandbox secret/);
  // Take the curl apart the way a shell would (single-quoted arguments).
  const url = /-X (\w+) (\S+)/.exec(curl)!;
  const headers: Record<string, string> = {};
  for (const h of curl.matchAll(/-H '([^:]+): ([^']*)'/g)) headers[h[1]!] = h[2]!;
  const data = /--data-raw '([^']*)'/.exec(curl)?.[1];
  const res = await fetch(url[2]!, { method: url[1]!, headers, ...(data ? { body: data } : {}) });
  tt.equal(res.status, 200, await res.clone().text());
  const body = JSON.stringify(await res.json());
  tt.notMatch(body, /INVALID|ERROR|NOT_FOUND/, `the sandbox answers the example: ${body}`);
});
