/**
 * A credential obtained by a call (a login token), cached per provider in this process:
 * - renewed `marginMs` before it expires, so no call is sent with a token about to lapse;
 * - one renewal at a time: every caller that needs a token while one is being fetched waits for
 *   that fetch (single flight), however many there are;
 * - `invalidate(token)` after a 401 forgets that token only if it is still the current one, so 20
 *   calls refused with the same stale token cause one renewal, not 20.
 * A renewal that fails is reported to every caller that waited for it and is not cached: the next
 * caller tries again (no loop: each caller causes at most one fetch). An early renewal that fails
 * falls back on the token still held until that one really expires.
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
  /** Fetches made (for `/v1/providers` and tests; the tokens themselves are never exposed). */
  fetches = 0;

  constructor(
    private readonly fetchToken: () => Promise<FetchedToken>,
    private readonly marginMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A valid token: the cached one, or the one the renewal in flight (or a new one) brings. */
  get(): Promise<string> {
    const c = this.current;
    if (c && this.now() < c.renewAt) return Promise.resolve(c.token);
    return (this.inflight ??= this.renew());
  }

  /** Forgets `token` if it is still the current one (the provider refused it). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async renew(): Promise<string> {
    try {
      this.fetches++;
      let fetched: FetchedToken;
      try {
        fetched = await this.fetchToken();
      } catch (e) {
        // Renewing early failed: the token still held stays usable until it really expires.
        const c = this.current;
        if (c && this.now() < c.expiresAt) return c.token;
        throw e;
      }
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
