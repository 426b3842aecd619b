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

/** Builds the request listener. */
export function publicHandler(deps: PublicServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { log, metrics, now } = deps;
  const draining = deps.draining ?? (() => false);
  return (req, res) => {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    const slash = path.indexOf('/', 1);
    const id = slash === -1 ? path.slice(1) : path.slice(1, slash);
    const provider = deps.providers().byId.get(id);
    if (!provider) {
      req.resume();
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
    const match = provider.match(method, slash === -1 ? '/' : path.slice(slash));
    readBody(req, provider.bodyLimit).then(
      (raw) => {
        (ctx as { raw: Buffer }).raw = raw;
        if (!match) throw createError('GW_ERR_REQUEST_ROUTE_UNKNOWN');
        ctx.params = match.params;
        return match.handler(ctx).then((reply) => finish(reply));
      },
      (e: unknown) => {
        throw e instanceof BodyTooLargeError ? createError('GW_ERR_REQUEST_TOO_LARGE') : createError('GW_ERR_REQUEST_MALFORMED_JSON', 'body could not be read');
      },
    ).catch(fail);
  };
}
