/**
 * Admin GET /v1/providers/{id}/catalog/{name} against the stub Solex Provider API: every page
 * followed (cursor, has_more), a delta with updated_after, a cursor that never ends stopped by the
 * page limit, signed empty-body GETs the stub verifies, and failures as 502.
 */
import t from 'tap';
import { outboundRig, providersWith } from './rig.js';

t.test('the games catalogue: three pages of a 7-game catalogue, all signed', async (t) => {
  const r = await outboundRig(t);
  const res = await r.admin('/v1/providers/solex-igsp/catalog/games?limit=3');
  t.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
  t.equal(res.body.provider, 'solex-igsp');
  t.equal(res.body.name, 'games');
  t.same(res.body.items.map((g: any) => g.id), r.solex.games.map((g) => g.id), 'every game, in order');
  t.same(res.body.games, res.body.items, 'games also as `games`');
  const pages = r.solex.requestsTo('/igsp/v1/games');
  t.equal(pages.length, 3, 'three pages');
  t.ok(pages.every((p) => p.signatureValid && p.method === 'GET' && p.raw.length === 0), 'empty-body GETs signed over "" + timestamp');
  t.notOk(pages[0]!.query.has('cursor'), 'no cursor on the first page');
  t.ok(pages[1]!.query.get('cursor'), 'the next pages carry the cursor');
  t.equal(pages[0]!.query.get('limit'), '3', 'a declared query parameter is passed on');
});

t.test('a delta with updated_after', async (t) => {
  const r = await outboundRig(t);
  const since = r.solex.games[3]!.updated_at;
  const res = await r.admin(`/v1/providers/solex-igsp/catalog/games?updated_after=${encodeURIComponent(since)}`);
  t.equal(res.status, 200);
  const want = r.solex.games.filter((g) => g.updated_at > since).map((g) => g.id);
  t.ok(want.length > 0 && want.length < r.solex.games.length, 'the delta is a real subset');
  t.same(res.body.items.map((g: any) => g.id), want);
  t.equal(r.solex.requestsTo('/igsp/v1/games')[0]!.query.get('updated_after'), since);
});

t.test('the providers catalogue', async (t) => {
  const r = await outboundRig(t);
  const res = await r.admin('/v1/providers/solex-igsp/catalog/providers');
  t.equal(res.status, 200);
  t.same(res.body.items.map((p: any) => p.id), r.solex.providers.map((p) => p.id));
  t.notOk('games' in res.body, 'only the games catalogue is also answered as `games`');
});

t.test('a cursor that never ends stops at the page limit with a 502, not a truncated list', async (t) => {
  const dir = providersWith(t, { 'solex-igsp.yaml': [['    query: [updated_after, limit]\n    call: &catalog_page', '    query: [updated_after, limit]\n    max_pages: 5\n    call: &catalog_page']] });
  const r = await outboundRig(t, { providersDir: dir });
  r.solex.endlessCursor = true;
  const res = await r.admin('/v1/providers/solex-igsp/catalog/games');
  t.equal(res.status, 502);
  t.match(res.body.error.message, /did not end within 5 pages/);
  t.equal(r.solex.requestsTo('/igsp/v1/games').length, 5, 'five pages asked, no more');
});

t.test('bad requests and failures', async (t) => {
  const r = await outboundRig(t);
  let res = await r.admin('/v1/providers/solex-igsp/catalog/games?colour=red');
  t.equal(res.status, 400, 'an undeclared query parameter: 400');
  t.match(res.body.error.message, /takes no query parameter `colour`/);
  res = await r.admin('/v1/providers/solex-igsp/catalog/tables');
  t.equal(res.status, 404, 'an unknown catalogue: 404');
  res = await r.admin('/v1/providers/nobody/catalog/games');
  t.equal(res.status, 404, 'an unknown provider: 404');
  t.equal(r.solex.requests.length, 0, 'nothing was called');
  r.solex.fault = (req) => (req.query.has('cursor') ? '500' : 'none');
  res = await r.admin('/v1/providers/solex-igsp/catalog/games?limit=3');
  t.equal(res.status, 502, 'a failing second page: 502 for the whole catalogue');
  t.match(res.body.error.message, /HTTP 500/);
  r.solex.fault = 'garbage';
  res = await r.admin('/v1/providers/solex-igsp/catalog/games');
  t.equal(res.status, 502);
  const post = await fetch(`${r.gw.admin}/v1/providers/solex-igsp/catalog/games`, { method: 'POST' });
  t.equal(post.status, 405);
});

t.test("Solex refusing the operator's catalogue query is the operator's 400, not a 502", async (t) => {
  const r = await outboundRig(t);
  const res = await r.admin('/v1/providers/solex-igsp/catalog/games?limit=-1');
  t.equal(res.status, 400, JSON.stringify(res.body));
  t.match(res.body.error.message, /refused the catalogue query/);
});
