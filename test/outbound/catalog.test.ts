/**
 * Catalogue paging on a real loopback server: next links followed on the provider's own origin
 * only, a repeated cursor stopped, has_more: false ends paging even with a cursor, and a page
 * without a list of items is a 502.
 */
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileAmountRules } from '../../gateway/compile/amount-rules.js';
import { DEFAULT_SETTINGS } from '../../gateway/compile/engine.js';
import type { ConfigProblem } from '../../gateway/compile/problem.js';
import { silentLogger } from '../../gateway/log.js';
import { catalogFeature, CATALOG_ANSWER } from '../../gateway/outbound/catalog.js';
import { compileCall, type CallEnv } from '../../gateway/outbound/compile-call.js';
import type { CallConfig } from '../../gateway/outbound/outbound-config.js';
import { staticRegistry } from '../../gateway/plugins/registry.js';
import { MemoryStore } from '../../gateway/store/memory-store.js';
import { SandboxWallet } from '../../gateway/wallet/sandbox-wallet.js';

async function server(t: { teardown(fn: () => unknown): void }, answer: (path: string, query: URLSearchParams) => unknown) {
  const seen: string[] = [];
  const s = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    seen.push(u.pathname + u.search);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(u.pathname, u.searchParams)));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => s.close(() => r())));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

function feature(base: string, cfg: CallConfig, maxPages = 10, query: string[] = [], maxItems = 1000) {
  const env: CallEnv = {
    provider: 'acme',
    outbound: { base_url: '{setting.base_url}' },
    settings: { base_url: base },
    secrets: new Map(),
    declaredSecrets: new Set(),
    amounts: compileAmountRules(undefined, {}),
    deps: { store: new MemoryStore(), wallet: new SandboxWallet(), log: silentLogger, settings: DEFAULT_SETTINGS, env: {}, plugins: staticRegistry([]), now: Date.now },
    tokens: new Map(),
  };
  const problems: ConfigProblem[] = [];
  const call = compileCall(cfg, ['catalogs', 'x', 'call'], env, { label: 'catalog x', inputFields: new Set([...query, 'cursor']), answerNames: CATALOG_ANSWER, requiredAnswer: ['items'] }, problems);
  if (!call) throw new Error(problems.map((p) => p.message).join('; '));
  return catalogFeature('acme', 'x', query, { maxPages, maxItems, timeoutMs: 10_000 }, call, undefined);
}

const LINKS: CallConfig = { method: 'GET', path: '/items', answer: { items: 'answer.items', next_url: 'answer._links.next.href' } };

t.test('next links are followed to the end', async (t) => {
  const s = await server(t, (_p, q) => {
    const page = Number(q.get('page') ?? '1');
    return { items: [`i${page}`], _links: page < 3 ? { next: { href: `/items?page=${page + 1}` } } : {} };
  });
  const items = await feature(s.url, LINKS).fetch(new URLSearchParams(), 'r1');
  t.same(items, ['i1', 'i2', 'i3']);
  t.same(s.seen, ['/items', '/items?page=2', '/items?page=3']);
});

t.test('an absolute next link on the same origin is followed; another origin is refused', async (t) => {
  const s = await server(t, (_p, q) => (q.get('page') === '2' ? { items: ['b'] } : { items: ['a'], _links: { next: { href: `${s.url}/items?page=2` } } }));
  t.same(await feature(s.url, LINKS).fetch(new URLSearchParams(), 'r'), ['a', 'b']);
  const evil = await server(t, () => ({ items: ['a'], _links: { next: { href: 'http://127.0.0.2:9/steal' } } }));
  await t.rejects(feature(evil.url, LINKS).fetch(new URLSearchParams(), 'r'), { status: 502, message: /another origin .* not followed/ });
  t.equal(evil.seen.length, 1, 'nothing was sent elsewhere');
});

t.test('a repeated cursor stops paging; has_more: false ends it even with a cursor', async (t) => {
  const s = await server(t, () => ({ data: [1], next: 'same' }));
  const cursor: CallConfig = { method: 'GET', path: '/c', query: { cursor: { $from: 'input.cursor' } }, answer: { items: 'answer.data', next_cursor: 'answer.next', has_more: 'answer.more' } };
  await t.rejects(feature(s.url, cursor).fetch(new URLSearchParams(), 'r'), { status: 502, message: /repeated a page cursor/ });
  t.same(s.seen, ['/c', '/c?cursor=same']);
  const done = await server(t, () => ({ data: ['x', 'y'], next: 'c2', more: false }));
  t.same(await feature(done.url, cursor).fetch(new URLSearchParams(), 'r'), ['x', 'y']);
  t.equal(done.seen.length, 1);
});

t.test('a page without a list of items is a 502; an undeclared parameter a 400 before any call', async (t) => {
  const s = await server(t, () => ({ items: { not: 'a list' } }));
  await t.rejects(feature(s.url, LINKS).fetch(new URLSearchParams(), 'r'), { status: 502, message: /page 1 .* has no list of items/ });
  await t.rejects(feature(s.url, LINKS, 10, ['since']).fetch(new URLSearchParams('until=x'), 'r'), { status: 400, message: /takes no query parameter `until` \(it takes since\)/ });
  t.equal(s.seen.length, 1);
});

t.test('bounds: a catalogue with too many items is a 502; a 200k-item page does not overflow the stack', async (t) => {
  const big = await server(t, () => ({ items: Array.from({ length: 200_000 }, (_, i) => i) }));
  const items = await feature(big.url, { ...LINKS, max_answer_bytes: 4 << 20 }, 10, [], 500_000).fetch(new URLSearchParams(), 'r');
  t.equal(items.length, 200_000, 'a large page is collected whole');
  const many = await server(t, (_p, q) => ({ items: Array.from({ length: 400 }, () => 'x'), _links: { next: { href: `/items?page=${Number(q.get('page') ?? '1') + 1}` } } }));
  await t.rejects(feature(many.url, LINKS, 10, [], 1000).fetch(new URLSearchParams(), 'r'), { status: 502, message: /more than 1000 items/ });
  t.equal(many.seen.length, 3, 'stopped at the page that went over');
});
