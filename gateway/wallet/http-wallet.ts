/**
 * The operator's core wallet over HTTP (CONTRACT §4.1): `POST {wallet.url}/{operation}`, JSON,
 * X-Request-Id, Idempotency-Key on money operations, optional HMAC signature, pooled keep-alive
 * connections (undici Pool). Never throws: failures are uncertain outcomes.
 */
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import { stringifyJson } from '../json/stringify-json.js';
import type { Outcome } from '../types.js';
import { classifyAnswer } from './classify-answer.js';
import type { WalletCall, WalletClient } from './wallet-client.js';

export interface HttpWalletOptions {
  url: string;
  connections?: number;
  hmacSecret?: string;
  /** Clock for the signature timestamp (tests). */
  now?: () => number;
}

/**
 * The Idempotency-Key header value: the key itself when it is visible ASCII without `%`, else
 * percent-encoded UTF-8 (with `%` always encoded, so the mapping stays one-to-one). The body's
 * `idempotency_key` is always the exact key.
 *
 * @example headerSafeKey('acme:debit:tx-€1') // 'acme:debit:tx-%E2%82%AC1'
 */
export function headerSafeKey(key: string): string {
  return /^[\x21-\x24\x26-\x7e]*$/.test(key) ? key : key.replace(/[^\x21-\x24\x26-\x7e]/gu, (ch) => encodeURIComponent(ch));
}

/** Largest wallet answer read; anything bigger is not a canonical answer. */
const MAX_ANSWER = 64 * 1024;

export class HttpWalletClient implements WalletClient {
  readonly describe: string;
  private readonly pool: Pool;
  private readonly base: string;
  private readonly secret: string | undefined;
  private readonly now: () => number;

  constructor(opts: HttpWalletOptions) {
    const u = new URL(opts.url);
    this.base = u.pathname.replace(/\/+$/, '');
    this.pool = new Pool(u.origin, { connections: opts.connections ?? 64, pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
    this.secret = opts.hmacSecret || undefined;
    this.now = opts.now ?? Date.now;
    this.describe = `${u.origin}${this.base} (${opts.connections ?? 64} connections${this.secret ? ', signed' : ''})`;
  }

  async call(c: WalletCall): Promise<Outcome> {
    // stringifyJson writes provider numbers (metadata) exactly as received.
    const body = stringifyJson(c.body);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': c.requestId };
    if (c.idempotencyKey) headers['idempotency-key'] = headerSafeKey(c.idempotencyKey);
    if (this.secret) {
      const ts = String(Math.floor(this.now() / 1000));
      headers['x-gateway-timestamp'] = ts;
      headers['x-gateway-signature'] = createHmac('sha256', this.secret).update(`${ts}.${body}`).digest('hex');
    }
    // One deadline for the whole call (pool queue, connect, answer), cleared as soon as the call
    // ends. AbortSignal.timeout() would keep every call's signal, timer and listeners alive for the
    // full timeout after the answer: at 2000 calls/s that is ~100 MiB of old-space garbage and an
    // RSS that keeps climbing (npm run bench:soak; docs/performance.md).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), c.timeoutMs);
    try {
      const res = await this.pool.request({
        path: `${this.base}/${c.operation}`,
        method: 'POST',
        headers,
        body,
        headersTimeout: c.timeoutMs,
        bodyTimeout: c.timeoutMs,
        signal: deadline.signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_ANSWER) {
          res.body.destroy();
          return { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: 'wallet answer too large' };
        }
        chunks.push(chunk as Buffer);
      }
      return classifyAnswer(c.operation, res.statusCode, Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      const name = (e as Error).name;
      const timeout = name === 'TimeoutError' || name === 'HeadersTimeoutError' || name === 'BodyTimeoutError' || name === 'AbortError';
      return { class: 'uncertain', code: 'WALLET_UNAVAILABLE', message: timeout ? `wallet timeout after ${c.timeoutMs}ms` : `wallet unreachable: ${(e as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Readiness: the wallet answers HTTP at all (any status) within a second. */
  async ping(): Promise<boolean> {
    try {
      const res = await this.pool.request({ path: `${this.base}/balance`, method: 'OPTIONS', headersTimeout: 1000, bodyTimeout: 1000, signal: AbortSignal.timeout(1000) });
      await res.body.dump();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
