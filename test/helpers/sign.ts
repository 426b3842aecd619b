/**
 * Signing as each provider's seed document says, written directly with node:crypto in the tests —
 * never through the gateway's own recipe code — so a recipe bug cannot sign its own mistakes.
 */
import { createHmac, randomUUID } from 'node:crypto';

/** jackpot-rgs: hex HMAC-SHA256(secret, timestamp + path + body), X-Timestamp in unix seconds. */
export function jackpotHeaders(secret: string, path: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const ts = String(unixSeconds);
  return {
    'content-type': 'application/json',
    'x-timestamp': ts,
    'x-hmac-sha256': createHmac('sha256', secret).update(ts + path + body).digest('hex'),
  };
}

/** ISO 8601 UTC without milliseconds, as the seeds write it: 2024-03-04T12:00:00Z. */
export function isoSeconds(ms = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * prediction-markets (seed 000): X-Payload-Signature = hex HMAC-SHA256(secret, raw body) — an empty
 * body signs the empty string —, X-Timestamp ISO 8601 UTC, X-Nonce a fresh UUID v4 per request.
 */
export function predictionHeaders(secret: string, body: string, opts: { ts?: string; nonce?: string } = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-payload-signature': createHmac('sha256', secret).update(body).digest('hex'),
    'x-timestamp': opts.ts ?? isoSeconds(),
    'x-nonce': opts.nonce ?? randomUUID(),
  };
}

/**
 * solex-igsp (seed 001): Authorization: Bearer <api key>, X-Timestamp ISO 8601, X-Signature = hex
 * HMAC-SHA256(secret, raw body + X-Timestamp) — body first, no separator.
 */
export function solexHeaders(apiKey: string, secret: string, body: string, ts = isoSeconds()): Record<string, string> {
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${apiKey}`,
    'x-timestamp': ts,
    'x-signature': createHmac('sha256', secret).update(body + ts).digest('hex'),
  };
}

/** sportsbook (seed 002): X-Security-Hash = hex HMAC-SHA256(SECURITY_HASH, raw body); nothing else. */
export function sportsbookHeaders(securityHash: string, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-security-hash': createHmac('sha256', securityHash).update(body).digest('hex'),
  };
}
