/**
 * Picks the store twin from `store.url` (see store-url.ts for the accepted forms).
 */
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import type { StoreEventSink } from './shared.js';
import type { Store } from './store.js';
import { parseStoreUrl, redactUrl } from './store-url.js';

export { ACCEPTED_STORE_URLS, parseStoreUrl, redactUrl } from './store-url.js';

export interface StoreOptions {
  /** Key prefix for Redis (default `gw:`); lets several gateways or tests share one Redis. */
  prefix?: string;
  /** Memory store bound (default 1,000,000 groups). */
  maxGroups?: number;
  /** Redis: bound on one command (default 1000 ms). */
  commandTimeoutMs?: number;
  /** Redis: how often the store epoch is checked (default 5000 ms). */
  epochCheckMs?: number;
  onEvent?: StoreEventSink;
}

/** Throws (with the password redacted) when `url` is not one of the accepted forms. */
export function createStore(url: string, opts: StoreOptions = {}): Store {
  const target = parseStoreUrl(url);
  if (target.kind === 'memory') return new MemoryStore({ maxGroups: opts.maxGroups, onEvent: opts.onEvent });
  return new RedisStore(target, {
    label: redactUrl(url),
    prefix: opts.prefix,
    commandTimeoutMs: opts.commandTimeoutMs,
    ...(opts.epochCheckMs !== undefined ? { epochCheckMs: opts.epochCheckMs } : {}),
    onEvent: opts.onEvent,
  });
}
