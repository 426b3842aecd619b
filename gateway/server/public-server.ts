/**
 * The public listener: providers' callbacks arrive here, each under its mount `/{id}`. Every
 * failure is answered in the provider's own envelope; nothing a provider sends can crash the process.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createError, GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Reply, RequestContext } from '../pipeline/context.js';
import type { Metrics } from './metrics.js';
import type { ProviderSet } from './provider-set.js';
import { BodyTooLargeError, readBody } from './read-body.js';

export interface PublicServerDeps {
  providers: () => ProviderSet;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  /** True once the listener is closing: answers then end their connection (`Connection: close`). */
  draining?: () => boolean;
  /** Told when a provider request starts and when it has been answered (graceful close waits). */
  inflight?: { begin(): void; end(): void };
}

const NOT_FOUND = JSON.stringify({ error: { code: 'INVALID_REQUEST', message: 'unknown provider' } });

function send(res: ServerResponse, reply: Reply, draining = false): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers, 'content-length': Buffer.byteLength(reply.body), ...(draining ? { connection: 'close' } : {}) });
  res.end(reply.body);
}

/**
 * The path of a request target: origin-form as is; absolute-form (`POST http://host/acme/x`, which
 * proxies send and servers must accept) reduced to its path and query.
 */
export function originForm(target: string): string {
  if (!/^https?:\/\//i.test(target)) return target;
  const i = target.indexOf('/', target.indexOf('//') + 2);
  return i === -1 ? '/' : target.slice(i);
}

/**
 * What node:http cannot hand us as a request (an unknown method such as `FOO`; `CONNECT`), answered
 * on the raw socket in the provider's envelope when the request line names a provider's route:
 * 405 with Allow. Undefined when there is nothing better to say than closing the connection.
 */
export function rawRefusal(head: string, providers: ProviderSet, now: number): string | undefined {
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.[01]\r?\n/.exec(head);
  if (!m) return undefined;
  const path = originForm(m[2]!).split('?')[0]!;
  const slash = path.indexOf('/', 1);
  const provider = providers.byId.get(slash === -1 ? path.slice(1) : path.slice(1, slash));
  if (!provider) return undefined;
  const allowed = provider.allowed(slash === -1 ? '/' : path.slice(slash));
  const ctx: RequestContext = { requestId: randomUUID(), method: m[1]!, path, query: '', headers: {}, raw: Buffer.alloc(0), now, params: {} };
  const reply = provider.errors.render(ctx, createError(allowed.length ? 'GW_ERR_REQUEST_METHOD' : 'GW_ERR_REQUEST_ROUTE_UNKNOWN'));
  const status = allowed.length ? 405 : reply.status;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)), connection: 'close' };
  if (allowed.length) headers['allow'] = allowed.join(', ');
  return `HTTP/1.1 ${status} ${status === 405 ? 'Method Not Allowed' : 'Error'}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${reply.body}`;
}

/** Builds the request listener. */
export function publicHandler(deps: PublicServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { log, metrics, now } = deps;
  const draining = deps.draining ?? (() => false);
  return (req, res) => {
    const started = performance.now();
    const url = originForm(req.url ?? '/');
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    const slash = path.indexOf('/', 1);
    const id = slash === -1 ? path.slice(1) : path.slice(1, slash);
    const set = deps.providers();
    const provider = set.byId.get(id);
    if (!provider) {
      req.resume();
      // A provider taken out of service (its secrets unset) still answers in its own envelope: a
      // retryable 503-class error, never the gateway's 404 that reads as "wrong URL".
      const envelope = set.disabledErrors.get(id);
      if (envelope) {
        const ctx: RequestContext = { requestId: randomUUID(), method: req.method ?? 'GET', path, query, headers: req.headers, raw: Buffer.alloc(0), now: now(), params: {} };
        const reply = envelope.render(ctx, createError('GW_ERR_PROVIDER_DISABLED'));
        send(res, reply, draining());
        metrics.observeRequest(id, 'disabled', reply.status, 'WALLET_UNAVAILABLE', performance.now() - started);
        return;
      }
      send(res, { status: 404, body: NOT_FOUND }, draining());
      return;
    }
    const method = req.method ?? 'GET';
    deps.inflight?.begin();
    let answered = false;
    const ctx: RequestContext = {
      requestId: randomUUID(),
      method,
      path,
      query,
      headers: req.headers,
      raw: Buffer.alloc(0),
      now: now(),
      params: {},
    };
    const finish = (reply: Reply, code?: string): void => {
      if (answered) return;
      answered = true;
      try {
        send(res, reply, draining());
        metrics.observeRequest(provider.id, ctx.routeName ?? 'unknown', reply.status, code ?? ctx.errorView?.canonical ?? ctx.outcome?.class ?? 'ok', performance.now() - started);
      } finally {
        deps.inflight?.end();
      }
    };
    const fail = (e: unknown): void => {
      let err: GatewayError;
      if (e instanceof GatewayError) err = e;
      else {
        err = createError('GW_ERR_INTERNAL');
        log.error('unexpected error', { provider: provider.id, request_id: ctx.requestId, error: e instanceof Error ? e.stack ?? e.message : String(e) });
      }
      if (log.enabled('debug')) log.debug('request failed', { provider: provider.id, request_id: ctx.requestId, code: err.code, canonical: err.canonical, message: err.message });
      finish(provider.errors.render(ctx, err), err.canonical);
    };
    const subpath = slash === -1 ? '/' : path.slice(slash);
    const match = provider.match(method, subpath);
    readBody(req, provider.bodyLimit).then(
      (raw) => {
        (ctx as { raw: Buffer }).raw = raw;
        if (!match) {
          // A route that exists for other methods: 405 with Allow, in the provider's envelope.
          const allowed = provider.allowed(subpath);
          if (allowed.length > 0) {
            const reply = provider.errors.render(ctx, createError('GW_ERR_REQUEST_METHOD', `use ${allowed.join(', ')}`));
            return finish({ ...reply, status: 405, headers: { ...reply.headers, allow: allowed.join(', ') } }, 'INVALID_REQUEST');
          }
          throw createError('GW_ERR_REQUEST_ROUTE_UNKNOWN');
        }
        ctx.params = match.params;
        return match.handler(ctx).then((reply) => finish(reply));
      },
      (e: unknown) => {
        throw e instanceof BodyTooLargeError ? createError('GW_ERR_REQUEST_TOO_LARGE') : createError('GW_ERR_REQUEST_MALFORMED_JSON', 'body could not be read');
      },
    ).catch(fail);
  };
}
