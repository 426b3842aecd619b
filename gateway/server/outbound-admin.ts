/**
 * The admin routes that make outbound calls (CONTRACT §6):
 * - `POST /v1/sessions` → the provider's session call → 201 `{provider, launch_url, session_token?, expires_at?}`;
 * - `GET /v1/providers/{id}/catalog/{name}` → every page of a declared catalogue → 200 `{provider, name, items}`.
 * Errors are `{"error":{"code","message"}}`: 400 before any call, 409 where the provider refuses a
 * duplicate (as its descriptor maps it), 502 for any other provider failure. Launch URLs and tokens
 * carry credentials: they are answered, never logged.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { stringifyJson } from '../json/stringify-json.js';
import { JsonNumber, parseJson } from '../json/parse-json.js';
import type { Logger } from '../log.js';
import { OutboundError } from '../outbound/outbound-error.js';
import type { SessionRequest } from '../outbound/sessions.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { ProviderSet } from './provider-set.js';

const CATALOG_PATH = /^\/v1\/providers\/([^/]+)\/catalog\/([^/]+)$/;

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = stringifyJson(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  reply(res, status, { error: { code, message } });
}

function loadValidator(): (v: unknown) => string | undefined {
  const schema = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'schemas', 'session-request.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  return (v) => {
    if (validate(v)) return undefined;
    const e = validate.errors?.[0];
    if (!e) return 'invalid request';
    if (e.keyword === 'additionalProperties') return `unknown field \`${String((e.params as { additionalProperty: string }).additionalProperty)}\``;
    if (e.keyword === 'required') return `\`${String((e.params as { missingProperty: string }).missingProperty)}\` is required`;
    return `${e.instancePath.slice(1) || 'body'} ${e.message ?? 'is invalid'}`;
  };
}

export interface OutboundAdminDeps {
  providers: () => ProviderSet;
  log: Logger;
}

/** The `extra` handler of the admin listener: true when it answered. */
export function outboundAdmin(deps: OutboundAdminDeps): (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean> {
  const validate = loadValidator();

  const guarded = async (res: ServerResponse, what: Record<string, unknown>, fn: () => Promise<void>): Promise<void> => {
    const started = Date.now();
    try {
      await fn();
    } catch (e) {
      if (e instanceof OutboundError) {
        deps.log.warn('outbound request failed', { ...what, status: e.status, code: e.code, message: e.message, ms: Date.now() - started });
        return fail(res, e.status, e.code, e.message);
      }
      deps.log.error('outbound request failed', { ...what, error: e instanceof Error ? e.message : String(e) });
      return fail(res, 500, 'INTERNAL_ERROR', 'internal error');
    }
  };

  const sessions = async (res: ServerResponse, body: Buffer): Promise<void> => {
    let req: unknown;
    try {
      req = JSON.parse(body.toString('utf8'));
    } catch {
      return fail(res, 400, 'INVALID_REQUEST', 'body is not valid JSON');
    }
    const problem = validate(req);
    if (problem) return fail(res, 400, 'INVALID_REQUEST', problem);
    const r = req as SessionRequest;
    // A balance sent as a JSON number is taken exactly as written, not as the float JSON.parse made.
    if (typeof r.balance === 'number') {
      const exact = parseJson(body) as Record<string, unknown>;
      const raw = exact['balance'];
      r.balance = raw instanceof JsonNumber ? raw.raw : String(r.balance);
    }
    const set = deps.providers();
    const p = set.byId.get(r.provider);
    if (!p) {
      const off = set.disabled.find((x) => x.id === r.provider);
      return fail(res, 400, 'INVALID_REQUEST', off ? `provider ${r.provider} is disabled: ${off.reason}` : `unknown provider ${r.provider}`);
    }
    const feature = p.outbound?.sessions;
    if (!feature) return fail(res, 400, 'INVALID_REQUEST', `provider ${r.provider} offers no sessions`);
    const requestId = randomUUID();
    await guarded(res, { provider: r.provider, request_id: requestId, route: 'sessions' }, async () => {
      const started = Date.now();
      const out = await feature.start(r, requestId);
      deps.log.info('session started', { provider: r.provider, request_id: requestId, player_id: r.player_id, demo: r.demo === true, ms: Date.now() - started });
      reply(res, 201, out);
    });
  };

  const catalog = async (res: ServerResponse, id: string, name: string, params: URLSearchParams): Promise<void> => {
    const p = deps.providers().byId.get(id);
    if (!p) return fail(res, 404, 'INVALID_REQUEST', `unknown provider ${id}`);
    const feature = p.outbound?.catalogs.get(name);
    if (!feature) return fail(res, 404, 'INVALID_REQUEST', `provider ${id} has no catalogue ${name}${p.outbound?.catalogs.size ? ` (it has ${[...p.outbound.catalogs.keys()].join(', ')})` : ''}`);
    const requestId = randomUUID();
    await guarded(res, { provider: id, request_id: requestId, route: `catalog ${name}` }, async () => {
      const items = await feature.fetch(params, requestId);
      reply(res, 200, { provider: id, name, items, ...(name === 'games' ? { games: items } : {}) });
    });
  };

  return async (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    if (url.pathname === '/v1/sessions') {
      if (req.method !== 'POST') {
        fail(res, 405, 'INVALID_REQUEST', 'use POST');
        return true;
      }
      await sessions(res, body);
      return true;
    }
    const m = CATALOG_PATH.exec(url.pathname);
    if (m) {
      if (req.method !== 'GET') {
        fail(res, 405, 'INVALID_REQUEST', 'use GET');
        return true;
      }
      let id: string, name: string;
      try {
        id = decodeURIComponent(m[1]!);
        name = decodeURIComponent(m[2]!);
      } catch {
        fail(res, 400, 'INVALID_REQUEST', 'malformed path');
        return true;
      }
      await catalog(res, id, name, url.searchParams);
      return true;
    }
    return false;
  };
}
