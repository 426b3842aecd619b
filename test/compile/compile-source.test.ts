/** The source-expression grammar shared by mappings, recipes and templates. */
import t from 'tap';
import { compileSource, REQUEST_ROOTS, SourceSyntaxError, TEMPLATE_ROOTS } from '../../gateway/compile/compile-source.js';
import type { RequestContext } from '../../gateway/pipeline/context.js';

const ctx = (over: Partial<RequestContext> = {}): RequestContext => ({
  requestId: 'req-1', method: 'POST', path: '/p/x', query: 'a=1&b=two', headers: { 'x-ts': '17', 'x-multi': ['first', 'second'] }, raw: Buffer.alloc(0), now: Date.UTC(2024, 2, 4, 12, 0, 0, 500), params: { id: 'w-1' },
  body: { a: { b: [{ c: 'deep' }] }, n: null }, signatureParams: { t: '99' }, ...over,
});

function isSyntaxError(fn: () => unknown): boolean {
  try {
    fn();
  } catch (e) {
    return e instanceof SourceSyntaxError && typeof e.hint === 'string' && e.hint.length > 0;
  }
  return false;
}

t.test('request sources', async (tt) => {
  const get = (s: string, c = ctx()) => compileSource(s, REQUEST_ROOTS, { op: 'operator-7' }).get(c);
  tt.equal(get('body.a.b[0].c'), 'deep');
  tt.equal(get('body.a.missing.x'), undefined);
  tt.equal(get('body.a.b[3].c'), undefined);
  tt.same(get('body.a.b[0]'), { c: 'deep' });
  tt.equal(get('header.X-TS'), '17', 'headers are case-insensitive');
  tt.equal(get('header.X-Multi'), 'first', 'first value of a repeated header');
  tt.equal(get('param.id'), 'w-1');
  tt.equal(get('query.b'), 'two');
  tt.equal(get('query.zzz'), undefined);
  tt.equal(get('signature.t'), '99');
  tt.equal(get('setting.op'), 'operator-7');
  tt.equal(get('body.toString'), undefined, 'inherited properties are not sources');
});

t.test('template-only sources', async (tt) => {
  const c = ctx({ outcome: { class: 'success', balance: '1.5' }, errorView: { code: 'X', message: 'm', canonical: 'INVALID_REQUEST' } });
  const get = (s: string) => compileSource(s, TEMPLATE_ROOTS).get(c);
  tt.equal(get('outcome.balance'), '1.5');
  tt.equal(get('error.code'), 'X');
  tt.equal(get('error.message'), 'm');
  tt.equal(get('error.canonical'), 'INVALID_REQUEST');
  tt.equal(get('now.iso'), '2024-03-04T12:00:00Z');
  tt.equal(get('now.unix'), '1709553600');
  tt.equal(get('now.unix_ms'), '1709553600500');
  tt.equal(get('request.id'), 'req-1');
  tt.ok(isSyntaxError(() => compileSource('outcome.balance', REQUEST_ROOTS)), 'a mapping cannot read the outcome');
});

t.test('mistakes are SourceSyntaxErrors with hints', async (tt) => {
  for (const bad of ['bdy.x', 'header', 'param', 'body.a..b', 'body.a[x]', 'setting.nope', 'now.week', 'error.stack', 'request.ip', 'body.a b']) {
    tt.ok(isSyntaxError(() => compileSource(bad, TEMPLATE_ROOTS, {})), bad);
  }
  try {
    compileSource('bdy.x', REQUEST_ROOTS);
  } catch (e) {
    tt.match((e as SourceSyntaxError).hint, /start with one of: body\., header\./);
  }
});
