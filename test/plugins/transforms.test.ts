/** Transform plugins on a mapped field, through a real gateway (test plugins from test/fixtures/plugins/). */
import t from 'tap';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { startStubWallet } from '../helpers/stub-wallet.js';
import { startTestGateway } from '../helpers/gateway.js';
import { FIXTURES, TEST_PLUGINS_DIR } from './plugin-rig.js';

t.test('a transform maps the value; a rejection is INVALID_REQUEST; a plugin bug is INTERNAL_ERROR', async (tt) => {
  const wallet = await startStubWallet();
  tt.teardown(() => wallet.close());
  const gw = await startTestGateway(tt, { env: { TRANSFORMS_SECRET: 's' }, walletUrl: wallet.url, providersDir: path.join(FIXTURES, 'plugins'), pluginDirs: [TEST_PLUGINS_DIR] });
  const send = (route: string, body: string) => gw.send('POST', `/plugin-transforms/${route}`, body, { 'content-type': 'application/json', 'x-signature': createHmac('sha256', 's').update(body).digest('hex') });

  const ok = await send('balance', '{"user":"usr_player-1"}');
  tt.same([ok.status, ok.body.status], [200, 'OK']);
  tt.equal(wallet.callsOf('balance')[0]!.body.player_id, 'player-1', 'the wallet got the transformed id');

  const refused = await send('balance', '{"user":"player-1"}');
  tt.same([refused.status, refused.body], [400, { status: 'INVALID_REQUEST' }], 'TransformRejection → INVALID_REQUEST');
  const bug = await send('broken', '{"user":"usr_player-1"}');
  tt.same([bug.status, bug.body], [500, { status: 'INTERNAL_ERROR' }], 'any other exception → INTERNAL_ERROR, no stack trace leaks');
  tt.notMatch(bug.text, /TypeError|cannot read/);
  tt.equal(wallet.calls.length, 1, 'neither reached the wallet');
});
