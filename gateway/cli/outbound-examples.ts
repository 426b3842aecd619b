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
import type { CallConfig, Descriptor, ExampleConfig } from '../compile/descriptor.js';
import type { SignConfig } from '../outbound/outbound-config.js';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { EngineDeps } from '../compile/engine.js';
import type { ConfigProblem } from '../compile/problem.js';
import { compose, type RequestContext } from '../pipeline/context.js';
import { MemoryStore } from '../store/memory-store.js';
import { captureAll } from './captures.js';

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
  const texts = [d.outbound?.base_url, d.sessions?.call?.base_url, d.sessions?.demo_call?.base_url, d.sessions?.launch?.base_url, ...Object.values(d.catalogs ?? {}).map((c) => c.call.base_url), ...Object.values(d.outbound?.tokens ?? {}).map((t) => t.call.base_url)];
  const out: Record<string, string> = {};
  for (const t of texts) {
    for (const m of (t ?? '').matchAll(/\{setting\.([A-Za-z0-9_]+)\}/g)) {
      const env = d.settings?.[m[1]!]?.env;
      if (env) out[env] = url;
    }
  }
  return out;
}

/** Every call of a descriptor with its method, a matcher of its path, and the recipe it signs with. */
function callsOf(d: Descriptor): { method: string; path: RegExp; sign: SignConfig | undefined }[] {
  const calls: (CallConfig | undefined)[] = [d.sessions?.call, d.sessions?.demo_call, ...Object.values(d.catalogs ?? {}).map((c) => c.call), ...Object.values(d.outbound?.tokens ?? {}).map((t) => t.call)];
  return calls
    .filter((c): c is CallConfig => c !== undefined)
    .map((c) => {
      const re = c.path.split(/\{[^{}]+\}/).map((lit) => lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+');
      const sign = c.sign ?? d.outbound?.sign;
      return { method: c.method ?? 'POST', path: new RegExp(`${re}$`), sign: sign === 'none' ? undefined : sign };
    });
}

/**
 * Whether the recorded request passes the recipe of the call that sent it, run as the gateway's
 * own verifier, and its JWT (if the recipe mints one) verifies with the public half of the key.
 */
async function verifies(p: CompiledProvider, r: Recorded, deps: EngineDeps, secrets: ReadonlyMap<string, Buffer>): Promise<string | undefined> {
  const call = callsOf(p.descriptor).find((c) => c.method === r.method && c.path.test(r.path));
  if (!call) return `no call of the descriptor sends ${r.method} ${r.path}`;
  if (!call.sign) return 'the call that sent it is unsigned';
  const { jwt, ...recipe } = call.sign;
  if (Object.keys(recipe).length > 0) {
    const problems: ConfigProblem[] = [];
    const stages = compileVerify(recipe, ['outbound', 'sign'], { provider: p.id, secrets, settings: {}, deps, store: new MemoryStore() }, problems, true);
    if (problems.length) return problems.map((x) => x.message).join('; ');
    const { handler } = compose(stages, async () => ({ status: 200, body: '' }));
    const ctx: RequestContext = { requestId: 'verify', method: r.method, path: r.path, query: r.query.toString(), headers: r.headers, raw: r.raw, now: Date.now(), params: {} };
    try {
      await handler(ctx);
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (jwt) {
    const pem = secrets.get(jwt.key);
    const value = r.headers[(jwt.header ?? 'Authorization').toLowerCase()];
    const prefix = jwt.prefix ?? 'Bearer ';
    if (!pem || typeof value !== 'string' || !value.startsWith(prefix)) return 'no JWT in the request';
    try {
      const { payload } = await jwtVerify(value.slice(prefix.length), createPublicKey(createPrivateKey(pem)), { algorithms: [jwt.algorithm] });
      if (jwt.body_digest && payload[jwt.body_digest.claim] !== createHash(jwt.body_digest.hash ?? 'sha256').update(r.raw).digest(jwt.body_digest.encoding ?? 'base64')) return 'the JWT body digest does not match the body';
    } catch (e) {
      return `the JWT does not verify (${(e as Error).message})`;
    }
  }
  return undefined;
}

function headerNames(h: IncomingHttpHeaders): Set<string> {
  return new Set(Object.keys(h).map((k) => k.toLowerCase()));
}

/**
 * Runs one outbound example; returns the first problem, or undefined when it passes.
 */
export async function runOutboundExample(adminUrl: string, p: CompiledProvider, ex: ExampleConfig, stub: ExampleProvider, deps: EngineDeps, secrets: ReadonlyMap<string, Buffer>, subsetMatch: (e: unknown, a: unknown, at?: string) => string | undefined, captured?: Map<string, string>): Promise<string | undefined> {
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
      // Verified with the recipe of the call that sent it (outbound.sign, or the call's own).
      const why = await verifies(p, got, deps, secrets);
      if (why) return `${at}: the signature does not verify with the gateway's verifier (${why})`;
    }
  }
  if (ex.expect.status !== undefined && res.status !== ex.expect.status) return `admin status: expected ${ex.expect.status}, got ${res.status} ${text.slice(0, 200)}`;
  if (ex.expect.body !== undefined) {
    const m = subsetMatch(ex.expect.body, json);
    if (m) return m;
  }
  if (captured) captureAll(ex.capture, json, captured);
  return undefined;
}
