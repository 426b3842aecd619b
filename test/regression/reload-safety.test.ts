/**
 * Regressions (money path hardening, defects 4–6):
 * - a reload that would take a serving provider out of service (a secret added to its descriptor but
 *   not to the environment) answered 200 and the provider's callbacks got the gateway's 404: now
 *   refused (422, running set kept) unless asked for with allow_disable, and a disabled provider
 *   answers in its own envelope (a retryable 503-class error);
 * - a reload error quoted an interpolated value (a password in `format: "${SPORTSBOOK_PASSWORD}"`);
 * - a lower-case `bearer` scheme was refused; C1 control characters in ids were forwarded.
 */
import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROVIDERS_DIR, startTestGateway } from '../helpers/gateway.js';
import { jackpotHeaders, solexHeaders } from '../helpers/sign.js';
import { startStubWallet } from '../helpers/stub-wallet.js';

function providersCopy(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwtest-reload-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(PROVIDERS_DIR, dir, { recursive: true });
  return dir;
}

const SECRET = 'reload-jackpot-secret';
const env = { JACKPOT_RGS_HMAC_SECRET: SECRET, SPORTSBOOK_SECURITY_HASH: 'h', SPORTSBOOK_PASSWORD: 'hunter2-never-echoed', SOLEX_IGSP_API_KEY: 'gp_key', SOLEX_IGSP_SECRET_KEY: 'solex-secret' };

t.test('a reload that would disable a serving provider is refused; allowed explicitly, it answers in its own envelope', async (t) => {
  const wallet = await startStubWallet();
  t.teardown(() => wallet.close());
  const dir = providersCopy(t);
  const gw = await startTestGateway(t, { env, walletUrl: wallet.url, providersDir: dir });
  const balance = () => {
    const p = '/jackpot-rgs/callback/balance';
    const body = JSON.stringify({ requestId: 'r', playerId: 'player-1' });
    return gw.send('POST', p, body, jackpotHeaders(SECRET, p, body));
  };
  t.equal((await balance()).body.status, 'OK');
  const file = path.join(dir, 'jackpot-rgs.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('secrets:\n', 'secrets:\n  extra:\n    env: JACKPOT_RGS_NEW_SECRET_UNSET\n'));
  const refused = await fetch(`${gw.admin}/v1/reload`, { method: 'POST' });
  t.equal(refused.status, 422, 'refused');
  const body = (await refused.json()) as any;
  t.match(body.details.join('\n'), /reload would take jackpot-rgs out of service: missing JACKPOT_RGS_NEW_SECRET_UNSET/);
  t.equal((await balance()).body.status, 'OK', 'the running set is kept');
  const forced = await fetch(`${gw.admin}/v1/reload?allow_disable=true`, { method: 'POST' });
  t.equal(forced.status, 200, 'allowed when asked for');
  const after = await balance();
  t.equal(after.status, 503, 'disabled: its own uncertain status, not the gateway 404');
  t.same(after.body, { status: 'INTERNAL_ERROR' }, 'in the provider envelope (the unverified body is not read, so nothing is echoed)');
});

t.test('a reload error never quotes an interpolated value', async (t) => {
  const dir = providersCopy(t);
  const gw = await startTestGateway(t, { env, providersDir: dir });
  const file = path.join(dir, 'sportsbook.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('    encoding: hex\n    message: [body]', '    encoding: hex\n    format: "${SPORTSBOOK_PASSWORD}"\n    message: [body]'));
  const res = await fetch(`${gw.admin}/v1/reload`, { method: 'POST' });
  const text = await res.text();
  t.equal(res.status, 422);
  t.notOk(text.includes('hunter2'), 'the password is not in the answer');
  t.match(text, /the value of \$SPORTSBOOK_PASSWORD/, 'it is named instead');
});

t.test('a lower-case bearer scheme is the same credential; C1 controls in ids are refused', async (t) => {
  const wallet = await startStubWallet();
  t.teardown(() => wallet.close());
  const gw = await startTestGateway(t, { env, walletUrl: wallet.url, enabled: ['solex-igsp'] });
  const send = (body: object, lower: boolean) => {
    const text = JSON.stringify(body);
    const h = solexHeaders('gp_key', 'solex-secret', text);
    if (lower) h['authorization'] = h['authorization']!.replace('Bearer', 'bearer');
    return gw.send('POST', '/solex-igsp/hooks', text, h);
  };
  t.equal((await send({ action: 'balance', player_id: 'player-1', currency: 'USD' }, true)).status, 200, '`bearer` accepted');
  const bet = { action: 'bet', player_id: 'player-1', currency: 'USD', amount: 1, game_id: 'g', transaction_id: 'tx\u0085x', session_id: 's', type: 'bet' };
  const r = await send(bet, false);
  t.equal(r.status, 400, 'a NEL (U+0085) in an id is refused');
  t.equal(wallet.callsOf('debit').length, 0, 'nothing forwarded');
});
