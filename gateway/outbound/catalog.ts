/**
 * Catalogues (admin `GET /v1/providers/{id}/catalog/{name}`): a declared call whose pages are
 * followed to the end — a cursor in the answer (sent back as `input.cursor`) while `has_more` is not
 * false, or a next link on the provider's own origin — bounded by `max_pages`. A catalogue that
 * does not end within the bound is an error, never a silently truncated list.
 */
import type { CompiledCall } from './compile-call.js';
import { outboundError } from './outbound-error.js';

export const DEFAULT_MAX_PAGES = 100;
/** Items a catalogue may hold in all: bounds the memory one admin request can take. */
export const DEFAULT_MAX_ITEMS = 100_000;
/** The whole catalogue's deadline (every page), not one page's. */
export const DEFAULT_CATALOG_TIMEOUT_MS = 60_000;
/** What a catalogue call's answer may give. */
export const CATALOG_ANSWER = ['items', 'next_cursor', 'next_url', 'has_more'] as const;

export interface CatalogLimits {
  maxPages: number;
  maxItems: number;
  timeoutMs: number;
}

export interface CatalogFeature {
  readonly name: string;
  readonly query: readonly string[];
  readonly maxPages: number;
  readonly limits: CatalogLimits;
  readonly call: CompiledCall;
  readonly unavailable: string | undefined;
  fetch(params: URLSearchParams, requestId: string): Promise<unknown[]>;
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'object' && 'raw' in (v as object)) return String((v as { raw: unknown }).raw);
  return typeof v === 'string' ? v : undefined;
}

export function catalogFeature(provider: string, name: string, query: readonly string[], limits: CatalogLimits, call: CompiledCall, unavailable: string | undefined): CatalogFeature {
  const label = `catalog ${name}`;
  const { maxPages, maxItems, timeoutMs } = limits;
  return Object.freeze({
    name,
    query,
    maxPages,
    limits,
    call,
    unavailable,
    async fetch(params: URLSearchParams, requestId: string): Promise<unknown[]> {
      const input: Record<string, unknown> = {};
      for (const [k, v] of params) {
        if (!query.includes(k)) throw outboundError('INVALID_REQUEST', `${provider} ${label} takes no query parameter \`${k}\`${query.length ? ` (it takes ${query.join(', ')})` : ''}`);
        input[k] = v;
      }
      if (unavailable) throw outboundError('PROVIDER_NOT_CONFIGURED', `${label} for ${provider} is not configured: ${unavailable}`);
      const items: unknown[] = [];
      const seen = new Set<string>();
      let next: { cursor?: string; url?: string } = {};
      const deadline = Date.now() + timeoutMs;
      for (let page = 1; ; page++) {
        if (page > maxPages) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider's catalogue did not end within ${maxPages} pages`);
        if (Date.now() > deadline) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider's catalogue did not end within ${timeoutMs} ms`);
        const pageInput = next.cursor !== undefined ? { ...input, cursor: next.cursor } : input;
        const a = await call.run(pageInput, { requestId, ...(next.url !== undefined ? { url: next.url } : {}) });
        const got = a.fields['items'];
        if (!Array.isArray(got)) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: page ${page} of the provider's answer has no list of items`);
        if (items.length + got.length > maxItems) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider's catalogue has more than ${maxItems} items`);
        // One at a time: a spread of a page with 100k+ items would overflow the call stack.
        for (const item of got) items.push(item);
        const url = text(a.fields['next_url']);
        const cursor = text(a.fields['next_cursor']);
        const more = a.fields['has_more'];
        if (more === false || (url === undefined && cursor === undefined)) return items;
        const key = url !== undefined ? `u:${url}` : `c:${cursor}`;
        // A provider that hands back a cursor it already gave would be followed forever.
        if (seen.has(key)) throw outboundError('PROVIDER_UNAVAILABLE', `${label}: the provider repeated a page cursor; paging stopped`);
        seen.add(key);
        next = url !== undefined ? { url } : { cursor: cursor! };
      }
    },
  });
}
