/**
 * `gateway test` for outbound calls: an example states the operator's admin request, each provider
 * request the gateway must send (method, path, query, headers present, body, and that the signature
 * verifies with the gateway's own verifier), the provider answer to feed back, and the operator's
 * expected answer. A loopback stub stands in for the provider; the descriptor's base URL settings
 * are pointed at it for the run.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompiledProvider } from '../compile/compile-provider.js';
import { compileVerify } from '../compile/compile-verify.js';
import type { Descriptor, ExampleConfig } from '../compile/descriptor.js';
import type { EngineDeps } from '../compile/engine.js';
import type { ConfigProblem } from '../compile/problem.js';
import { compose, type RequestContext } from '../pipeline/context.js';
import { MemoryStore } from '../store/memory-store.js';

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A loopback provider that answers each request with the next queued answer. */
export class ExampleProvider {
  private server: Server | undefined;
  url = '';
  requests: Recorded[] = [];
  answers: { status?: number; body?: unknown }[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://stub');
        this.requests.push({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, raw: Buffer.concat(chunks) });
        const a = this.answers.shift() ?? { status: 599, body: { error: 'the example states no answer for this request' } };
        const text = typeof a.body === 'string' ? a.body : a.body === undefined ? '' : JSON.stringify(a.body);
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json' }).end(text);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(answers: { status?: number; body?: unknown }[]): void {
    this.requests = [];
    this.answers = [...answers];
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Environment variables of the settings a descriptor's base URLs read, pointed at `url`. */
export function baseUrlOverrides(d: Descriptor, url: string): Record<string, string> {
  const texts = [d.outbound?.base_url, d.sessions?.call.base_url, d.sessions?.demo_call?.base_url, ...Object.values(d.catalogs ?? {}).map((c) => c.call.base_url), ...Object.values(d.outbound?.tokens ?? {}).map((t) => t.call.base_url)];
  const out: Record<string, string> = {};
  for (const t of texts) {
    for (const m of (t ?? '').matchAll(/\{setting\.([A-Za-z0-9_]+)\}/g)) {
      const env = d.settings?.[m[1]!]?.env;
      if (env) out[env] = url;
    }
  }
  return out;
}

/** Whether the recorded request passes the descriptor's default outbound recipe, run as a verifier. */
async function verifies(p: CompiledProvider, r: Recorded, deps: EngineDeps, secrets: ReadonlyMap<string, Buffer>): Promise<string | undefined> {
  const recipe = p.descriptor.outbound?.sign;
  if (!recipe) return 'the descriptor has no outbound.sign recipe to verify with';
  const { jwt: _jwt, ...verify } = recipe;
  const problems: ConfigProblem[] = [];
  const stages = compileVerify(verify, ['outbound', 'sign'], { provider: p.id, secrets, settings: {}, deps, store: new MemoryStore() }, problems, true);
  if (problems.length) return problems.map((x) => x.message).join('; ');
  const { handler } = compose(stages, async () => ({ status: 200, body: '' }));
  const ctx: RequestContext = { requestId: 'verify', method: r.method, path: r.path, query: r.query.toString(), headers: r.headers, raw: r.raw, now: Date.now(), params: {} };
  try {
    await handler(ctx);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function headerNames(h: IncomingHttpHeaders): Set<string> {
  return new Set(Object.keys(h).map((k) => k.toLowerCase()));
}

/**
 * Runs one outbound example; returns the first problem, or undefined when it passes.
 */
export async function runOutboundExample(adminUrl: string, p: CompiledProvider, ex: ExampleConfig, stub: ExampleProvider, deps: EngineDeps, secrets: ReadonlyMap<string, Buffer>, subsetMatch: (e: unknown, a: unknown, at?: string) => string | undefined): Promise<string | undefined> {
  const o = ex.outbound!;
  stub.reset(o.exchanges.map((x) => x.answer));
  let res: Response;
  if (o.admin.session) {
    res = await fetch(`${adminUrl}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: p.id, ...o.admin.session }) });
  } else if (o.admin.catalog) {
    const q = new URLSearchParams(o.admin.query ?? {}).toString();
    res = await fetch(`${adminUrl}/v1/providers/${encodeURIComponent(p.id)}/catalog/${encodeURIComponent(o.admin.catalog)}${q ? `?${q}` : ''}`);
  } else return 'the example names neither admin.session nor admin.catalog';
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* compared as text */
  }
  if (stub.requests.length !== o.exchanges.length) return `the gateway sent ${stub.requests.length} provider request(s), the example states ${o.exchanges.length} (admin answer ${res.status} ${text.slice(0, 200)})`;
  for (const [i, x] of o.exchanges.entries()) {
    const got = stub.requests[i]!;
    const want = x.request;
    const at = `provider request ${i + 1}`;
    if ((want.method ?? 'POST') !== got.method) return `${at}: method ${got.method}, expected ${want.method ?? 'POST'}`;
    if (want.path !== got.path) return `${at}: path ${got.path}, expected ${want.path}`;
    for (const [k, v] of Object.entries(want.query ?? {})) if (got.query.get(k) !== v) return `${at}: query ${k}=${got.query.get(k) ?? '(absent)'}, expected ${v}`;
    const names = headerNames(got.headers);
    for (const h of want.headers ?? []) if (!names.has(h.toLowerCase())) return `${at}: header ${h} is missing`;
    if (want.body !== undefined) {
      let body: unknown;
      try {
        body = JSON.parse(got.raw.toString('utf8'));
      } catch {
        return `${at}: the body is not JSON`;
      }
      const m = subsetMatch(want.body, body, `${at} body`);
      if (m) return m;
    }
    if (want.signed === true) {
      const why = await verifies(p, got, deps, secrets);
      if (why) return `${at}: the signature does not verify with the gateway's verifier (${why})`;
    }
  }
  if (ex.expect.status !== undefined && res.status !== ex.expect.status) return `admin status: expected ${ex.expect.status}, got ${res.status} ${text.slice(0, 200)}`;
  if (ex.expect.body !== undefined) return subsetMatch(ex.expect.body, json);
  return undefined;
}
