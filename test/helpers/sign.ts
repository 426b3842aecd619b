/**
 * Signing as each provider's seed document says, written directly with node:crypto in the tests —
 * never through the gateway's own recipe code — so a recipe bug cannot sign its own mistakes.
 */
import { createHmac } from 'node:crypto';

/** jackpot-rgs: hex HMAC-SHA256(secret, timestamp + path + body), X-Timestamp in unix seconds. */
export function jackpotHeaders(secret: string, path: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const ts = String(unixSeconds);
  return {
    'content-type': 'application/json',
    'x-timestamp': ts,
    'x-hmac-sha256': createHmac('sha256', secret).update(ts + path + body).digest('hex'),
  };
}
