/**
 * The admin listener (CONTRACT §6): health, readiness, the provider listing, reload, metrics.
 * Protected by `admin.token` (Bearer, constant-time) or, without a token, loopback clients only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { ReloadResult } from './gateway.js';
import type { ProviderSet } from './provider-set.js';

export interface AdminDeps {
  token: string | undefined;
  providers: () => ProviderSet;
  readiness: () => Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  reload: (opts?: { allowDisable?: boolean }) => Promise<ReloadResult>;
  /** Why the store is not trusted, or undefined. */
  lossDetected: () => string | undefined;
  /** Acknowledges a detected store data loss; undefined when the store cannot detect one. */
  acknowledgeLoss: () => Promise<{ was: string | undefined } | undefined>;
  /** The Prometheus text of /metrics, with these gauges added (this process's, or a cluster's sum). */
  metricsText: (gauges: Record<string, number>) => Promise<string>;
  log: Logger;
  /** Extra admin routes (e.g. sessions), tried after the built-in ones. */
  extra?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || (addr?.startsWith('127.') ?? false);
}

export function adminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const tokenDigest = deps.token ? digest(deps.token) : undefined;
  const authorized = (req: IncomingMessage): boolean => {
    if (!tokenDigest) return isLoopback(req.socket.remoteAddress);
    const h = req.headers.authorization ?? '';
    return h.startsWith('Bearer ') && timingSafeEqual(digest(h.slice(7)), tokenDigest);
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1 << 20) chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        // Liveness and readiness are open: a kubelet probes them on the pod address without
        // credentials, and they reveal only booleans. Everything else keeps the token rule.
        if (path === '/healthz') return json(res, 200, { status: 'ok' });
        if (req.method === 'GET' && path === '/readyz') {
          const r = await deps.readiness();
          return json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks });
        }
        if (!authorized(req)) return json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'admin token required' } });
        if (size > 1 << 20) return json(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'body too large' } });
        const set = deps.providers();
        if (req.method === 'GET' && path === '/metrics') {
          const text = await deps.metricsText({ gateway_providers_loaded: set.byId.size, gateway_providers_disabled: set.disabled.length, gateway_store_data_loss: deps.lossDetected() ? 1 : 0 });
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
          return;
        }
        if (req.method === 'GET' && path === '/v1/providers') {
          return json(res, 200, {
            loaded_at: set.loadedAt,
            providers: [...set.byId.values()].map((p) => ({
              id: p.id,
              name: p.name,
              mount: `/${p.id}`,
              sandbox_secrets: p.sandboxed.length > 0,
              routes: p.routes.map(({ route, shared }) => ({
                name: route.name,
                method: route.method,
                path: `/${p.id}${route.path}`,
                operation: route.operation,
                ...(route.when ? { when: route.when } : {}),
                stages: [...shared, ...route.stages].map((s) => s.name),
              })),
              ...(p.outbound ? { outbound: p.outbound.listing() } : {}),
            })),
            disabled: set.disabled,
          });
        }
        if (req.method === 'POST' && path === '/v1/store/acknowledge-loss') {
          const r = await deps.acknowledgeLoss();
          if (!r) return json(res, 409, { error: { code: 'INVALID_REQUEST', message: 'this store cannot detect a loss (memory store): nothing to acknowledge' } });
          deps.log.warn('store data loss acknowledged through the admin API', { was: r.was ?? 'none detected' });
          return json(res, 200, { status: 'acknowledged', detected: r.was ?? null });
        }
        if (req.method === 'POST' && path === '/v1/reload') {
          const allowDisable = /(?:^|&)allow_disable=(?:true|1)(?:&|$)/.test((req.url ?? '').split('?')[1] ?? '');
          const r = await deps.reload({ allowDisable });
          if (r.ok) return json(res, 200, { status: 'reloaded', providers: [...deps.providers().byId.keys()] });
          if (r.partial) {
            return json(res, 500, {
              error: { code: 'INTERNAL_ERROR', message: 'reload incomplete: the admin process loaded the new descriptors but some workers did not; they differ until a reload succeeds everywhere' },
              details: r.errors,
            });
          }
          return json(res, 422, { error: { code: 'INVALID_REQUEST', message: 'reload refused (descriptors invalid, or it would take serving providers out of service); running set kept' }, details: r.errors });
        }
        if (deps.extra && (await deps.extra(req, res, Buffer.concat(chunks)))) return;
        return json(res, 404, { error: { code: 'INVALID_REQUEST', message: 'no such admin route' } });
      })().catch((e: unknown) => {
        deps.log.error('admin request failed', { path, error: String(e) });
        if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
      });
    });
  };
}
