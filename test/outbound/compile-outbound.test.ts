/**
 * compileOutbound on small descriptors: token answers without a token or with an unusable
 * lifetime are 502s; an optional signing secret left unset makes the calls unavailable (503) and
 * leaves the rest of the provider loaded.
 */
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileAmountRules } from '../../gateway/compile/amount-rules.js';
import type { Descriptor } from '../../gateway/compile/descriptor.js';
import { DEFAULT_SETTINGS, type EngineDeps } from '../../gateway/compile/engine.js';
import type { ConfigProblem } from '../../gateway/compile/problem.js';
import { resolveSecrets } from '../../gateway/compile/resolve-secrets.js';
import { silentLogger } from '../../gateway/log.js';
import { compileOutbound } from '../../gateway/outbound/compile-outbound.js';
import { staticRegistry } from '../../gateway/plugins/registry.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { SandboxWallet } from '../../gateway/wallet/sandbox-wallet.js';

async function server(t: { teardown(fn: () => unknown): void }, answer: (path: string) => unknown) {
  const s = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(req.url ?? '/'))));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function build(d: Partial<Descriptor>, env: Record<string, string>) {
  const desc = { id: 'acme', routes: [], errors: { body: {}, default: { status: 500 } }, ...d } as Descriptor;
  const resolved = resolveSecrets(desc.secrets, desc.settings, env, false);
  const deps: EngineDeps = { store: new MemoryStore(), wallet: new SandboxWallet(), log: silentLogger, settings: DEFAULT_SETTINGS, env, plugins: staticRegistry([]), now: Date.now };
  const problems: ConfigProblem[] = [];
  const out = compileOutbound(desc, resolved, compileAmountRules(undefined, {}), deps, problems, { grants: new Map(), tokens: new Map() });
  return { out, problems: problems.map((p) => p.message) };
}

const tokenDescriptor = (base: string): Partial<Descriptor> => ({
  settings: { base_url: { default: base } },
  outbound: { base_url: '{setting.base_url}', tokens: { api: { call: { path: '/auth', answer: { token: 'answer.token', expires_in: 'answer.expires_in' } } } } },
  sessions: { call: { path: '/start', token: 'api', answer: { launch_url: 'answer.url' } } },
});

t.test('a login answer without a token is a 502', async (t) => {
  const base = await server(t, (p) => (p === '/auth' ? { expires_in: 60 } : { url: 'x' }));
  const { out, problems } = build(tokenDescriptor(base), {});
  t.same(problems, []);
  await t.rejects(out!.sessions!.start({ provider: 'acme', player_id: 'p' }, 'r'), { status: 502, message: /could not obtain the api token \(.*no token/ });
});

t.test('a login answer with an unusable expires_in is a 502; default_lifetime_s covers a missing one', async (t) => {
  for (const bad of ['soon', -5, 0, '1e9', null]) {
    const base = await server(t, (p) => (p === '/auth' ? { token: 'tk', expires_in: bad } : { url: 'x' }));
    const { out } = build(tokenDescriptor(base), {});
    await t.rejects(out!.sessions!.start({ provider: 'acme', player_id: 'p' }, 'r'), { status: 502, message: /no usable expires_in/ }, `expires_in ${JSON.stringify(bad)}`);
  }
  const base = await server(t, (p) => (p === '/auth' ? { token: 'tk' } : { url: 'https://x/launch' }));
  const d = tokenDescriptor(base);
  d.outbound!.tokens!['api']!.default_lifetime_s = 600;
  const { out } = build(d, {});
  t.same(await out!.sessions!.start({ provider: 'acme', player_id: 'p' }, 'r'), { provider: 'acme', launch_url: 'https://x/launch' });
});

t.test('an optional signing secret left unset: not a load error, the sessions are not configured (503)', async (t) => {
  const { out, problems } = build(
    {
      secrets: { launch: { env: 'ACME_LAUNCH_SECRET', required: false } },
      settings: { base_url: { default: 'https://acme.example' } },
      outbound: { base_url: '{setting.base_url}', sign: { signature: { algorithm: 'hmac-sha256', secrets: ['launch'], header: 'X-Sig' } } },
      sessions: { call: { path: '/start', answer: { launch_url: 'answer.url' } } },
    },
    {},
  );
  t.same(problems, [], 'the provider still loads');
  t.equal(out!.sessions!.unavailable, 'ACME_LAUNCH_SECRET is not set');
  await t.rejects(out!.sessions!.start({ provider: 'acme', player_id: 'p' }, 'r'), { status: 503, code: 'PROVIDER_NOT_CONFIGURED', message: /ACME_LAUNCH_SECRET/ });
});
