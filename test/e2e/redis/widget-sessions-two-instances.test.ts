/**
 * prediction-markets session requests across two real `gateway serve` processes sharing Redis: a
 * request issued on one instance is redeemed on the other, is refused on reuse anywhere, and of
 * eight concurrent redemptions split across both exactly one gets a token — which verifies with
 * the JWKS of either instance, checked with node:crypto.
 */
import t from 'tap';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { crashSigns, sharedRedisSetup, startGateways, type GatewayProcess } from './rig.js';

const rig = await sharedRedisSetup(t, { 'bettor-1': { currency: 'EUR', balance: '50.00' } });
if (rig) {
  const { url, prefix, wallet } = rig;
  const gws = await startGateways(t, 2, { storeUrl: url, prefix, walletUrl: wallet.url, enabled: ['prediction-markets'], env: { PREDICTION_MARKETS_OPERATOR_ID: 'op-two', PREDICTION_MARKETS_WIDGET_BASE_URL: 'https://widget.two.test' } });
  const [a, b] = gws as [GatewayProcess, GatewayProcess];
  const issue = async (g: GatewayProcess): Promise<string> => {
    const res = await fetch(`${g.admin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'prediction-markets', player_id: 'bettor-1', currency: 'EUR' }) });
    t.equal(res.status, 201);
    return new URL(((await res.json()) as any).launch_url).searchParams.get('session_request_id')!;
  };
  const redeem = async (g: GatewayProcess, id: string) => {
    const res = await fetch(`${g.pub}/prediction-markets/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_request_id: id }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const jwks = async (g: GatewayProcess) => ((await (await fetch(`${g.pub}/prediction-markets/.well-known/jwks.json`)).json()) as any).keys as any[];

  t.test('issued on A, redeemed on B, refused on reuse on A and on B', async (t) => {
    const id = await issue(a);
    const first = await redeem(b, id);
    t.equal(first.status, 200, JSON.stringify(first.body));
    t.equal((await redeem(a, id)).status, 404, 'reuse on the issuing instance');
    t.equal((await redeem(b, id)).status, 404, 'reuse on the redeeming instance');
    const [h, p, s] = (first.body.auth_token as string).split('.') as [string, string, string];
    const kid = JSON.parse(Buffer.from(h, 'base64url').toString()).kid;
    for (const g of [a, b]) {
      const jwk = (await jwks(g)).find((k) => k.kid === kid);
      t.ok(jwk, `${g.name} publishes the signing key`);
      t.ok(cryptoVerify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url')), `verifies with ${g.name}'s JWKS`);
    }
    t.match(JSON.parse(Buffer.from(p, 'base64url').toString()), { sub: 'bettor-1', currency: 'EUR', iss: 'op-two' });
  });

  t.test('eight concurrent redemptions split across both: exactly one token', async (t) => {
    for (let round = 0; round < 5; round++) {
      const id = await issue(round % 2 ? a : b);
      const all = await Promise.all(Array.from({ length: 8 }, (_, i) => redeem(i % 2 ? a : b, id)));
      t.equal(all.filter((x) => x.status === 200).length, 1, `round ${round}: one token`);
      t.equal(all.filter((x) => x.status === 404).length, 7);
    }
  });

  t.test('no private key or token in either output; no crash', async (t) => {
    for (const g of gws) {
      t.notOk((g.stdout() + g.stderr()).includes('PRIVATE KEY'));
      t.same(crashSigns(g.stderr()), []);
    }
  });
}
