/**
 * Stub *provider* servers: the outer edge the gateway's outbound calls talk to — the solex-igsp
 * provider API, the sportsbook auth + start-session API and the jackpot-rgs launch. Real HTTP on
 * 127.0.0.1 port 0, written from the seed documents and spec/PROVIDERS.md with node:http and
 * node:crypto only (no gateway code), so a signing bug in the gateway cannot be mirrored by the stub
 * that checks it. Each stub verifies what the real provider would (key, timestamp window, HMAC in
 * constant time, required fields and their JSON types), records every request, and takes faults.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest } from './recorded-request.js';

export interface ProviderRequestRecord extends RecordedRequest {
  /** What this stub concluded about the request's credentials / signature. */
  signatureValid: boolean;
}

/**
 * - `500`: HTTP 500 JSON error. `garbage`: HTTP 200 with non-JSON text. `reset`: socket destroyed.
 * - `hang`: never answered (released by the client's timeout or by close()).
 * - `huge`: HTTP 200 with a ~8 MiB JSON body, streamed in chunks (a client must cap what it reads).
 */
export type ProviderFault = 'none' | '500' | 'hang' | 'garbage' | 'huge' | 'reset';

export interface StubProvider {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  requests: ProviderRequestRecord[];
  requestsTo(path: string): ProviderRequestRecord[];
  /** Checked after a request is recorded and before it is handled; a function decides per request. */
  fault: ProviderFault | ((r: ProviderRequestRecord) => ProviderFault);
  /** Stops listening and destroys every open socket, hung requests included. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Signature checks, exported so a known-answer vector can be asserted against the stub's own code.

/** jackpot-rgs: hex HMAC-SHA256(secret, timestamp + path + raw body). */
export function verifyJackpotSignature(secret: string, timestamp: string, path: string, raw: Buffer | string, signature: string | undefined): boolean {
  return hmacMatches(secret, [timestamp, path, raw], signature);
}

/** solex-igsp: hex HMAC-SHA256(secret, raw body + X-Timestamp) — body first, no separator. */
export function verifySolexSignature(secret: string, raw: Buffer | string, timestamp: string, signature: string | undefined): boolean {
  return hmacMatches(secret, [raw, timestamp], signature);
}

/** Decodes the hex first so the comparison is of the 32 MAC bytes, in constant time. */
function hmacMatches(secret: string, parts: (string | Buffer)[], signature: string | undefined): boolean {
  if (signature === undefined || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  const mac = createHmac('sha256', secret);
  for (const p of parts) mac.update(p);
  const want = mac.digest();
  const got = Buffer.from(signature, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Constant time for secrets (api keys, passwords); the length check first, as timingSafeEqual needs. */
function safeEqual(got: string | undefined, want: string): boolean {
  if (got === undefined) return false;
  const a = Buffer.from(got, 'utf8');
  const b = Buffer.from(want, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function unixFresh(ts: string | undefined, toleranceS: number): boolean {
  if (ts === undefined || !/^\d{1,12}$/.test(ts)) return false;
  return Math.abs(Date.now() / 1000 - Number(ts)) <= toleranceS;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|\+00:00)$/;

function isoFresh(ts: string | undefined, toleranceS: number): boolean {
  if (ts === undefined || !ISO_UTC.test(ts)) return false;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) && Math.abs(Date.now() - ms) <= toleranceS * 1000;
}

// ---------------------------------------------------------------------------------------------
// Shared server core: recording, faults, JSON replies, close.

interface Reply {
  status: number;
  body: unknown;
}

type Unverified = Omit<ProviderRequestRecord, 'signatureValid'>;

interface CoreHooks {
  /** Why the request's credentials fail, or undefined when they pass. */
  verify(rec: Unverified): string | undefined;
  route(rec: ProviderRequestRecord, authProblem: string | undefined): Reply | Promise<Reply>;
}

interface Core {
  base: StubProvider;
  /** A delay that close() cancels, so a held answer never outlives the stub. */
  wait(ms: number): Promise<void>;
}

const ignore = (): void => {};

function header(rec: Unverified, name: string): string | undefined {
  const v = rec.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function bearer(rec: Unverified): string | undefined {
  return /^Bearer (\S+)$/i.exec(header(rec, 'authorization') ?? '')?.[1];
}

function parseJson(raw: Buffer): any {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toRecord(req: IncomingMessage, raw: Buffer): Unverified {
  const u = new URL(req.url ?? '/', 'http://stub.invalid');
  return { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, raw, body: parseJson(raw) };
}

function sendJson(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

const HUGE_CHUNK = 'x'.repeat(64 * 1024);
const HUGE_CHUNKS = 128; // 128 × 64 KiB = 8 MiB of padding

/** Honours backpressure and stops as soon as the client hangs up (res 'close'). */
async function streamHuge(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"padding":"');
  for (let i = 0; i < HUGE_CHUNKS && !res.destroyed; i++) {
    if (!res.write(HUGE_CHUNK)) await drainOrClose(res);
  }
  if (!res.destroyed) res.end('"}');
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function injectFault(fault: Exclude<ProviderFault, 'none'>, req: IncomingMessage, res: ServerResponse, hanging: Set<ServerResponse>): Promise<void> | void {
  switch (fault) {
    case 'hang':
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case '500':
      return sendJson(res, { status: 500, body: { error: 'INTERNAL_ERROR' } });
    case 'garbage':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>upstream maintenance</body></html>');
      return;
    case 'huge':
      return streamHuge(res);
  }
}

async function startCore(hooks: CoreHooks): Promise<Core> {
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> => {
    const unverified = toRecord(req, raw);
    const authProblem = hooks.verify(unverified);
    const rec: ProviderRequestRecord = { ...unverified, signatureValid: authProblem === undefined };
    base.requests.push(rec);
    const fault = typeof base.fault === 'function' ? base.fault(rec) : base.fault;
    if (fault !== 'none') return injectFault(fault, req, res, hanging);
    sendJson(res, await hooks.route(rec, authProblem));
  };

  const server: Server = createServer((req, res) => {
    // A client hanging up mid-answer must never surface as an unhandled 'error'.
    req.on('error', ignore);
    res.on('error', ignore);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => sendJson(res, { status: 500, body: { error: 'STUB_ERROR', message: String(err) } }));
    });
  });

  const base: StubProvider = {
    url: '',
    requests: [],
    requestsTo: (path) => base.requests.filter((r) => r.path === path),
    fault: 'none',
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, wait };
}

const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');
const notFound = (extra: Record<string, string> = {}): Reply => ({ status: 404, body: { error: 'NOT_FOUND', ...extra } });
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';

// ---------------------------------------------------------------------------------------------
// jackpot-rgs (seed 003): POST /operator/launch.

export interface JackpotSession {
  playerId?: string;
  currency: string;
  gameCode: string;
  countryCode: string;
  demo?: boolean;
  sessionToken: string;
}

export interface StubJackpotRgs extends StubProvider {
  /** Distinct sessions launched; a re-launch for the same player, game and country returns the existing one (seed 003). */
  sessions: JackpotSession[];
}

const LAUNCH_PATH = '/operator/launch';

/** The launch body, or undefined when a required field is missing or of the wrong type. */
function launchFields(b: unknown): Omit<JackpotSession, 'sessionToken'> | undefined {
  if (!isObject(b)) return undefined;
  if (!nonEmptyString(b.currency) || !nonEmptyString(b.gameCode) || !nonEmptyString(b.countryCode)) return undefined;
  if (b.demo !== undefined && typeof b.demo !== 'boolean') return undefined;
  // Demo mode: the RGS makes up a temporary player, so playerId may be left out.
  const playerOk = b.demo === true ? b.playerId === undefined || nonEmptyString(b.playerId) : nonEmptyString(b.playerId);
  if (!playerOk) return undefined;
  return {
    ...(b.playerId !== undefined ? { playerId: b.playerId } : {}),
    currency: b.currency,
    gameCode: b.gameCode,
    countryCode: b.countryCode,
    ...(b.demo !== undefined ? { demo: b.demo } : {}),
  };
}

export async function startStubJackpotRgs(opts: { secret: string; operatorId: string; toleranceS?: number }): Promise<StubJackpotRgs> {
  const toleranceS = opts.toleranceS ?? 30;
  const verify = (rec: Unverified): string | undefined => {
    const ts = header(rec, 'x-timestamp');
    if (!safeEqual(header(rec, 'x-operator-id'), opts.operatorId)) return 'operator id';
    if (!unixFresh(ts, toleranceS)) return 'timestamp';
    return verifyJackpotSignature(opts.secret, ts!, rec.path, rec.raw, header(rec, 'x-hmac-sha256')) ? undefined : 'signature';
  };
  const launch = (fields: Omit<JackpotSession, 'sessionToken'>): JackpotSession => {
    const same = (s: JackpotSession): boolean => s.demo !== true && s.playerId === fields.playerId && s.gameCode === fields.gameCode && s.countryCode === fields.countryCode;
    const existing = fields.demo === true ? undefined : stub.sessions.find(same);
    if (existing) return existing;
    const session = { ...fields, sessionToken: randomHex(16) };
    stub.sessions.push(session);
    return session;
  };
  const route = (rec: ProviderRequestRecord): Reply => {
    if (rec.method !== 'POST' || rec.path !== LAUNCH_PATH) return notFound();
    if (!rec.signatureValid) return { status: 401, body: { error: 'INVALID_SIGNATURE' } };
    const fields = launchFields(rec.body);
    if (!fields) return { status: 400, body: { error: 'INVALID_REQUEST' } };
    const s = launch(fields);
    const game = encodeURIComponent(s.gameCode);
    return { status: 200, body: { sessionToken: s.sessionToken, launchUrl: `https://play.jackpot.test/${game}?sessionToken=${s.sessionToken}&id=${game}` } };
  };
  const { base } = await startCore({ verify, route });
  const stub: StubJackpotRgs = Object.assign(base, { sessions: [] as JackpotSession[] });
  return stub;
}

// ---------------------------------------------------------------------------------------------
// sportsbook (seed 002): POST /{version}/auth, POST /{version}/start-session.

export interface SportsbookSession {
  user_id: string;
  currency: string;
  lang?: string;
  url: string;
}

export interface StubSportsbook extends StubProvider {
  /** Requests to /{version}/auth, whatever their outcome. */
  authCalls(): number;
  /** Holds every auth answer this long (ms), to keep a renewal open. */
  authDelayMs: number;
  /** Server-side invalidation of every token issued so far. */
  revokeAll(): void;
  /** Lifetime of tokens issued from now on (the token keeps the TTL it was issued with). */
  tokenTtlS: number;
  /** false: every auth is refused 401, whatever the credentials. */
  acceptCredentials: boolean;
  /** How `expires_in` is written: "3600" (as the seed shows) or 3600. */
  expiresInAs: 'string' | 'number';
  issuedTokens: string[];
  sessions: SportsbookSession[];
  /** true: every start-session is refused 401, whatever token it carries (a provider that lost its token store). */
  refuseTokens: boolean;
}

function startSessionFields(b: unknown): Omit<SportsbookSession, 'url'> | undefined {
  if (!isObject(b) || !nonEmptyString(b.user_id) || !nonEmptyString(b.currency)) return undefined;
  if (b.lang !== undefined && typeof b.lang !== 'string') return undefined;
  return { user_id: b.user_id, currency: b.currency, ...(b.lang !== undefined ? { lang: b.lang } : {}) };
}

export async function startStubSportsbook(opts: {
  username: string;
  password: string;
  version?: string;
  tokenTtlS?: number;
  expiresInAs?: 'string' | 'number';
}): Promise<StubSportsbook> {
  const authPath = `/${opts.version ?? 'v1'}/auth`;
  const sessionPath = `/${opts.version ?? 'v1'}/start-session`;
  /** Live tokens → expiry (ms, by this stub's clock). revokeAll() empties it; issuedTokens keeps history. */
  const live = new Map<string, number>();

  const credentialsOk = (b: unknown): boolean =>
    stub.acceptCredentials && isObject(b) && typeof b.username === 'string' && typeof b.password === 'string' && safeEqual(b.username, opts.username) && safeEqual(b.password, opts.password);
  const tokenOk = (token: string | undefined): boolean => token !== undefined && Date.now() < (live.get(token) ?? 0);
  const verify = (rec: Unverified): string | undefined => {
    if (rec.path === authPath) return credentialsOk(rec.body) ? undefined : 'credentials';
    if (rec.path === sessionPath) return !stub.refuseTokens && tokenOk(bearer(rec)) ? undefined : 'token';
    return 'no credentials on this route';
  };

  const auth = async (rec: ProviderRequestRecord): Promise<Reply> => {
    await wait(stub.authDelayMs);
    if (!isObject(rec.body)) return { status: 400, body: { error: 'INVALID_REQUEST' } };
    if (!rec.signatureValid) return { status: 401, body: { error: 'INVALID_CREDENTIALS' } };
    // Issued when answered (after the delay), so a revokeAll() during a held renewal spares it.
    const token = randomHex(24);
    const ttl = stub.tokenTtlS;
    live.set(token, Date.now() + ttl * 1000);
    stub.issuedTokens.push(token);
    return { status: 200, body: { token, expires_in: stub.expiresInAs === 'number' ? ttl : String(ttl) } };
  };
  const startSession = (rec: ProviderRequestRecord): Reply => {
    if (!rec.signatureValid) return { status: 401, body: { error: 'UNAUTHORIZED' } };
    const fields = startSessionFields(rec.body);
    if (!fields) return { status: 400, body: { error: 'INVALID_REQUEST' } };
    const session = { ...fields, url: `https://sportsbook.test/iframe?session=${randomHex(16)}&user=${encodeURIComponent(fields.user_id)}` };
    stub.sessions.push(session);
    return { status: 200, body: { url: session.url } };
  };
  const route = (rec: ProviderRequestRecord): Reply | Promise<Reply> => {
    if (rec.method === 'POST' && rec.path === authPath) return auth(rec);
    if (rec.method === 'POST' && rec.path === sessionPath) return startSession(rec);
    return notFound();
  };

  const { base, wait } = await startCore({ verify, route });
  const stub: StubSportsbook = Object.assign(base, {
    authCalls: () => base.requestsTo(authPath).length,
    authDelayMs: 0,
    revokeAll: () => live.clear(),
    tokenTtlS: opts.tokenTtlS ?? 3600,
    acceptCredentials: true,
    expiresInAs: opts.expiresInAs ?? 'string',
    issuedTokens: [] as string[],
    sessions: [] as SportsbookSession[],
    refuseTokens: false,
  });
  return stub;
}

// ---------------------------------------------------------------------------------------------
// solex-igsp (seed 001): the Provider API, signed; demo sessions, public.

export interface SolexSessionBody {
  game_id: string;
  player_id: string;
  player_name: string;
  currency: string;
  session_id: string;
  balance: number;
  device?: string;
  return_url?: string;
  language?: string;
  is_demo?: boolean;
}

export interface SolexCatalogueItem {
  id: string;
  name: string;
  updated_at: string;
}

export interface StubSolex extends StubProvider {
  /** Accepted bodies of POST /igsp/v1/sessions. */
  sessions: SolexSessionBody[];
  /** Accepted bodies of POST /igsp/v1/demo/sessions (only game_id and currency are required there). */
  demoSessions: Partial<SolexSessionBody>[];
  /** true: every catalogue page says has_more with a fresh cursor, forever (wrapping round the items). */
  endlessCursor: boolean;
  /** The catalogues served: game n is `game-<n>`, updated 2026-01-<n>T00:00:00Z. */
  games: SolexCatalogueItem[];
  providers: SolexCatalogueItem[];
}

const SESSION_FIELD_TYPES: Record<keyof SolexSessionBody, 'string' | 'number' | 'boolean'> = {
  game_id: 'string',
  player_id: 'string',
  player_name: 'string',
  currency: 'string',
  session_id: 'string',
  balance: 'number',
  device: 'string',
  return_url: 'string',
  language: 'string',
  is_demo: 'boolean',
};
const SIGNED_REQUIRED: (keyof SolexSessionBody)[] = ['game_id', 'player_id', 'player_name', 'currency', 'session_id', 'balance'];
const DEMO_REQUIRED: (keyof SolexSessionBody)[] = ['game_id', 'currency'];

/** Why a session body is refused (400), or undefined. Optional fields may be absent or null (DTO @IsOptional). */
function sessionProblem(b: unknown, required: (keyof SolexSessionBody)[]): string | undefined {
  if (!isObject(b)) return 'body must be a JSON object';
  for (const f of required) if (b[f] === undefined || b[f] === null) return `${f} is required`;
  for (const [f, type] of Object.entries(SESSION_FIELD_TYPES)) {
    const v = b[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== type || (type === 'number' && !Number.isFinite(v)) || (type === 'string' && v === '')) return `${f} must be a ${type}`;
  }
  if (!/^[A-Z]{3}$/.test(b.currency)) return 'currency must be ISO-4217';
  if (b.device != null && b.device !== 'desktop' && b.device !== 'mobile') return 'device must be desktop or mobile';
  return undefined;
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

function solexGames(n: number): SolexCatalogueItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `game-${i + 1}`, name: `Game ${i + 1}`, updated_at: isoSeconds(Date.UTC(2026, 0, i + 1)) }));
}

const SOLEX_PROVIDERS: SolexCatalogueItem[] = [
  { id: 'solex', name: 'Solex', updated_at: '2026-01-02T00:00:00Z' },
  { id: 'solex-originals', name: 'Solex Originals', updated_at: '2026-01-05T00:00:00Z' },
];

/** Where a cursor points: opaque to the client, it carries the delta filter so later pages keep it. */
interface CursorState {
  path: string;
  offset: number;
  after: number | undefined;
}

const MAX_LIMIT = 100;

/** The page size asked for (clamped to 100, as paging APIs do), or undefined when malformed. */
function pageLimit(q: URLSearchParams, dflt: number): number | undefined {
  const s = q.get('limit');
  if (s === null) return Math.min(dflt, MAX_LIMIT);
  return /^\d+$/.test(s) && Number(s) >= 1 ? Math.min(Number(s), MAX_LIMIT) : undefined;
}

/** The position a page request starts at, or why it is refused. */
function pagePosition(rec: ProviderRequestRecord, cursors: Map<string, CursorState>): CursorState | string {
  const c = rec.query.get('cursor');
  if (c !== null) {
    const state = cursors.get(c);
    if (!state || state.path !== rec.path) return 'unknown cursor';
    return state;
  }
  const after = rec.query.get('updated_after');
  if (after === null) return { path: rec.path, offset: 0, after: undefined };
  const ms = Date.parse(after);
  return /^\d{4}-\d{2}-\d{2}T/.test(after) && Number.isFinite(ms) ? { path: rec.path, offset: 0, after: ms } : 'updated_after must be an ISO-8601 timestamp';
}

function slice<T>(items: T[], offset: number, limit: number, wrap: boolean): T[] {
  if (!wrap) return items.slice(offset, offset + limit);
  return items.length === 0 ? [] : Array.from({ length: limit }, (_, i) => items[(offset + i) % items.length]!);
}

export async function startStubSolex(opts: { apiKey: string; secret: string; toleranceS?: number; games?: number; pageSize?: number }): Promise<StubSolex> {
  const toleranceS = opts.toleranceS ?? 300;
  const pageSize = opts.pageSize ?? 3;
  const usedSessionIds = new Set<string>();
  const cursors = new Map<string, CursorState>();
  const invalid = (message: string): Reply => ({ status: 400, body: { error: 'INVALID_REQUEST', message } });

  const verify = (rec: Unverified): string | undefined => {
    const ts = header(rec, 'x-timestamp');
    if (!safeEqual(bearer(rec), opts.apiKey)) return 'missing or unknown api key';
    if (!isoFresh(ts, toleranceS)) return 'X-Timestamp missing, malformed or outside the allowed window';
    return verifySolexSignature(opts.secret, rec.raw, ts!, header(rec, 'x-signature')) ? undefined : 'HMAC signature mismatch';
  };

  const createSession = (rec: ProviderRequestRecord): Reply => {
    const problem = sessionProblem(rec.body, SIGNED_REQUIRED);
    if (problem) return invalid(problem);
    const body = rec.body as SolexSessionBody;
    if (usedSessionIds.has(body.session_id)) return { status: 409, body: { error: 'DUPLICATE_SESSION', message: `session_id ${body.session_id} already exists` } };
    usedSessionIds.add(body.session_id);
    stub.sessions.push(body);
    return { status: 201, body: { url: `https://games.solex.test/launch?sid=${randomHex(16)}` } };
  };
  const createDemoSession = (rec: ProviderRequestRecord): Reply => {
    const problem = sessionProblem(rec.body, DEMO_REQUIRED);
    if (problem) return invalid(problem);
    stub.demoSessions.push(rec.body as Partial<SolexSessionBody>);
    return { status: 201, body: { url: `https://games.solex.test/demo?sid=${randomHex(16)}` } };
  };
  const page = (rec: ProviderRequestRecord, items: SolexCatalogueItem[]): Reply => {
    const limit = pageLimit(rec.query, pageSize);
    if (limit === undefined) return invalid('limit must be a positive integer');
    const at = pagePosition(rec, cursors);
    if (typeof at === 'string') return invalid(at);
    const { after } = at;
    const matching = after === undefined ? items : items.filter((i) => Date.parse(i.updated_at) > after);
    const data = slice(matching, at.offset, limit, stub.endlessCursor);
    const hasMore = stub.endlessCursor || at.offset + limit < matching.length;
    let next: string | null = null;
    if (hasMore) {
      next = randomHex(12);
      cursors.set(next, { path: rec.path, offset: at.offset + limit, after: at.after });
    }
    return { status: 200, body: { data, cursor: { next }, meta: { has_more: hasMore } } };
  };

  const signedRoutes: Record<string, (rec: ProviderRequestRecord) => Reply> = {
    'POST /igsp/v1/sessions': createSession,
    'GET /igsp/v1/games': (rec) => page(rec, stub.games),
    'GET /igsp/v1/providers': (rec) => page(rec, stub.providers),
  };
  const route = (rec: ProviderRequestRecord, authProblem: string | undefined): Reply => {
    const key = `${rec.method} ${rec.path}`;
    // Public route: the signature is recorded but never required.
    if (key === 'POST /igsp/v1/demo/sessions') return createDemoSession(rec);
    const handler = signedRoutes[key];
    if (!handler) return notFound({ message: `no route ${key}` });
    if (authProblem !== undefined) return { status: 401, body: { error: 'INVALID_SIGNATURE', message: authProblem } };
    return handler(rec);
  };

  const { base } = await startCore({ verify, route });
  const stub: StubSolex = Object.assign(base, {
    sessions: [] as SolexSessionBody[],
    demoSessions: [] as Partial<SolexSessionBody>[],
    endlessCursor: false,
    games: solexGames(opts.games ?? 7),
    providers: SOLEX_PROVIDERS.map((p) => ({ ...p })),
  });
  return stub;
}
