/**
 * A credential obtained by a call (a login token), cached per provider in this process:
 * - renewed `marginMs` before it expires, in the background: callers keep the token still valid
 *   meanwhile, so a slow or hung login never delays a session while a usable token is held;
 * - one renewal at a time: every caller that needs a token while one is being fetched waits for
 *   that fetch (single flight), however many there are;
 * - `invalidate(token)` after a 401 forgets that token only if it is still the current one, so 20
 *   calls refused with the same stale token cause one renewal, not 20;
 * - a failed login is remembered for `failureBackoffMs`: callers in that window get the same error
 *   at once, without another login (a provider that locks an account after repeated failures is
 *   not hammered); after it, the next caller tries once more.
 * The token never leaves this object except to be placed in an outgoing header.
 */
export interface FetchedToken {
  token: string;
  /** Seconds the provider says the token lives. */
  lifetimeS: number;
}

interface Current {
  token: string;
  renewAt: number;
  expiresAt: number;
}

export class TokenCache {
  private current: Current | undefined;
  private inflight: Promise<string> | undefined;
  private failure: { until: number; error: unknown } | undefined;
  /** Fetches made (for `/v1/providers` and tests; the tokens themselves are never exposed). */
  fetches = 0;

  constructor(
    private readonly fetchToken: () => Promise<FetchedToken>,
    private readonly marginMs: number,
    private readonly now: () => number = Date.now,
    private readonly failureBackoffMs = 0,
  ) {}

  /** A valid token: the cached one, or the one the renewal in flight (or a new one) brings. */
  get(): Promise<string> {
    const c = this.current;
    const t = this.now();
    if (c && t < c.renewAt) return Promise.resolve(c.token);
    if (c && t < c.expiresAt) {
      // Inside the margin: renew in the background, answer with the token still valid.
      if (!this.inflight && !this.backingOff(t)) this.inflight = this.renew();
      this.inflight?.catch(() => undefined);
      return Promise.resolve(c.token);
    }
    if (this.inflight) return this.inflight;
    if (this.backingOff(t)) return Promise.reject(this.failure!.error);
    return (this.inflight = this.renew());
  }

  /** Forgets `token` if it is still the current one (the provider refused it). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private backingOff(t: number): boolean {
    return this.failure !== undefined && t < this.failure.until;
  }

  private async renew(): Promise<string> {
    try {
      this.fetches++;
      let fetched: FetchedToken;
      try {
        fetched = await this.fetchToken();
      } catch (e) {
        this.failure = { until: this.now() + this.failureBackoffMs, error: e };
        throw e;
      }
      this.failure = undefined;
      const { token, lifetimeS } = fetched;
      const at = this.now();
      const lifeMs = lifetimeS * 1000;
      // A lifetime shorter than twice the margin is renewed at half of it instead.
      const early = Math.min(this.marginMs, lifeMs / 2);
      this.current = { token, renewAt: at + lifeMs - early, expiresAt: at + lifeMs };
      return token;
    } finally {
      this.inflight = undefined;
    }
  }

  /** For listings: whether a token is held and until when (never the token). */
  state(): { held: boolean; expires_at?: string } {
    const c = this.current;
    return c ? { held: true, expires_at: new Date(c.expiresAt).toISOString() } : { held: false };
  }
}
