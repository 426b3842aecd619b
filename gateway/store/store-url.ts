/**
 * Parses and redacts `store.url`. Parsed by hand rather than with WHATWG `URL`, because the Sentinel
 * and Cluster forms carry a comma-separated host list that `URL` cannot represent.
 *
 * Credentials: `user:pass@` is an ACL user and password, `:pass@` or `pass@` a password alone
 * (`requirepass`). Percent-encoding is decoded in both. Passwords never leave this module except
 * inside the parsed target: every message uses {@link redactUrl}.
 */

export const ACCEPTED_STORE_URLS =
  'memory://, redis://[user:pass@]host:port[/db], rediss://[user:pass@]host:port[/db] (TLS), ' +
  'redis+sentinel://[pass@]host1:port1,host2:port2/masterName[/db], redis+cluster://[pass@]host1:port1,host2:port2';

export interface HostPort {
  host: string;
  port: number;
}

interface Credentials {
  username?: string;
  password?: string;
}

export type StoreTarget =
  | { kind: 'memory' }
  | ({ kind: 'redis'; host: string; port: number; db: number; tls: boolean } & Credentials)
  | ({ kind: 'sentinel'; sentinels: HostPort[]; name: string; db: number } & Credentials)
  | ({ kind: 'cluster'; nodes: HostPort[] } & Credentials);

/** Replaces the password of a store URL (anything between `scheme://` and the last `@`) with `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([^:/@]*:(?:\/\/)?)(.*)@/s, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon >= 0 ? `${userinfo.slice(0, colon)}:***` : '***'}@`;
  });
}

class StoreUrlError extends Error {
  constructor(url: string, why: string) {
    super(`invalid store.url '${redactUrl(url)}': ${why}. Accepted forms: ${ACCEPTED_STORE_URLS}`);
  }
}

export function parseStoreUrl(url: string): StoreTarget {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url);
  if (!m) throw new StoreUrlError(url, 'not a URL');
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === 'memory') {
    if (rest !== '' && rest !== '/') throw new StoreUrlError(url, 'memory:// takes nothing after the scheme');
    return { kind: 'memory' };
  }
  if (scheme !== 'redis' && scheme !== 'rediss' && scheme !== 'redis+sentinel' && scheme !== 'redis+cluster') {
    throw new StoreUrlError(url, `unknown scheme '${scheme}'`);
  }
  if (/[?#]/.test(rest)) throw new StoreUrlError(url, 'query strings and fragments are not supported');
  // The authority ends at the first '/' after the last '@' (a password may contain '/' or '@').
  const at = rest.lastIndexOf('@');
  const afterAuth = rest.slice(at + 1);
  const slash = afterAuth.indexOf('/');
  const hostPart = slash < 0 ? afterAuth : afterAuth.slice(0, slash);
  const path = slash < 0 ? '' : afterAuth.slice(slash + 1);
  const creds = at < 0 ? {} : credentials(url, rest.slice(0, at));

  if (scheme === 'redis' || scheme === 'rediss') {
    if (hostPart.includes(',')) throw new StoreUrlError(url, 'several hosts need redis+sentinel:// or redis+cluster://');
    const { host, port } = hostPort(url, hostPart, 6379);
    return { kind: 'redis', host, port, db: db(url, path), tls: scheme === 'rediss', ...creds };
  }
  if (scheme === 'redis+sentinel') {
    const sentinels = hostList(url, hostPart, 26379);
    const [name, dbPart, ...extra] = path.split('/');
    if (!name || extra.length > 0) throw new StoreUrlError(url, 'expected /masterName[/db] after the sentinel hosts');
    return { kind: 'sentinel', sentinels, name: decode(url, name), db: db(url, dbPart ?? ''), ...creds };
  }
  if (path !== '') throw new StoreUrlError(url, 'a cluster has no database number or path');
  return { kind: 'cluster', nodes: hostList(url, hostPart, 6379), ...creds };
}

function credentials(url: string, userinfo: string): Credentials {
  const colon = userinfo.indexOf(':');
  if (colon < 0) return userinfo ? { password: decode(url, userinfo) } : {};
  const username = decode(url, userinfo.slice(0, colon));
  const password = decode(url, userinfo.slice(colon + 1));
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function decode(url: string, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new StoreUrlError(url, 'bad percent-encoding');
  }
}

function hostList(url: string, s: string, defaultPort: number): HostPort[] {
  const list = s.split(',').map((h) => hostPort(url, h, defaultPort));
  if (list.length === 0) throw new StoreUrlError(url, 'no host');
  return list;
}

function hostPort(url: string, s: string, defaultPort: number): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]/]+))(?::(\d{1,5}))?$/.exec(s);
  if (!m) throw new StoreUrlError(url, s ? `bad host '${s}'` : 'no host');
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port < 1 || port > 65535) throw new StoreUrlError(url, `bad port in '${s}'`);
  return { host: (m[1] ?? m[2])!, port };
}

function db(url: string, s: string): number {
  if (s === '') return 0;
  if (!/^\d{1,5}$/.test(s)) throw new StoreUrlError(url, `bad database number '${s}'`);
  return Number(s);
}
