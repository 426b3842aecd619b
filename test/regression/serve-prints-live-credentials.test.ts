/**
 * Review: `gateway serve` (gateway/cli/serve.ts) writes "Try a signed request" to stdout at the
 * default log level, built by exampleCurl() with the *production* secrets even when the wallet is
 * real (sandbox = false). CONTRACT §5.8: "Secrets and signatures never appear in logs". What ends up
 * in the log stream:
 * - solex-igsp: `authorization: Bearer <SOLEX_IGSP_API_KEY>` in clear text;
 * - sportsbook: a validly signed *bet* (debit) — no timestamp, no nonce, so it stays valid forever;
 * - prediction-markets: a validly signed withdrawal (debit) — its timestamp and nonce are unsigned,
 *   so it too can be replayed forever with fresh headers.
 *
 * Expected: outside sandbox mode no example carrying live credentials is produced (print it only
 * with sandbox secrets, or redact the credential and signature headers).
 */
import t from 'tap';
import { TEST_JWT_KEY } from '../helpers/keys.js';
import { createHmac } from 'node:crypto';
import { exampleCurl } from '../../gateway/cli/serve.js';
import { startTestGateway } from '../helpers/gateway.js';

const env = {
  SOLEX_IGSP_API_KEY: 'gp_live_0123456789abcdef',
  SOLEX_IGSP_SECRET_KEY: 'solex-live-secret',
  SPORTSBOOK_SECURITY_HASH: 'sportsbook-live-hash',
  PREDICTION_MARKETS_HMAC_SECRET: 'pm-live-secret',
  PREDICTION_MARKETS_JWT_PRIVATE_KEY: TEST_JWT_KEY,
};

function parse(curl: string): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {};
  for (const m of curl.matchAll(/-H '([^:']+): ([^']*)'/g)) headers[m[1]!.toLowerCase()] = m[2]!;
  const body = /--data-raw '((?:[^']|'\\'')*)'/.exec(curl)?.[1]?.replaceAll("'\\''", "'") ?? '';
  return { headers, body };
}

t.test('solex-igsp: the live API key is not printed', async (tt) => {
  const gw = await startTestGateway(tt, { env, walletUrl: 'http://127.0.0.1:9', enabled: ['solex-igsp'] });
  const out = exampleCurl(gw.handle, env, false) ?? '';
  tt.notOk(out.includes(env.SOLEX_IGSP_API_KEY), `no API key in: ${out}`);
});

t.test('sportsbook: no validly signed bet is printed', async (tt) => {
  const gw = await startTestGateway(tt, { env, walletUrl: 'http://127.0.0.1:9', enabled: ['sportsbook'] });
  const out = exampleCurl(gw.handle, env, false);
  const { headers, body } = parse(out ?? '');
  const valid = out !== undefined && headers['x-security-hash'] === createHmac('sha256', env.SPORTSBOOK_SECURITY_HASH).update(body).digest('hex');
  tt.notOk(valid, `no live signature in: ${out}`);
});

t.test('prediction-markets: no validly signed withdrawal is printed', async (tt) => {
  const gw = await startTestGateway(tt, { env, walletUrl: 'http://127.0.0.1:9', enabled: ['prediction-markets'] });
  const out = exampleCurl(gw.handle, env, false);
  const { headers, body } = parse(out ?? '');
  const valid = out !== undefined && headers['x-payload-signature'] === createHmac('sha256', env.PREDICTION_MARKETS_HMAC_SECRET).update(body).digest('hex');
  tt.notOk(valid, `no live signature in: ${out}`);
});
