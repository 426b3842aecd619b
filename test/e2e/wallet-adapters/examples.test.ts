/**
 * Every callback example of every shipped provider (the conformance suite `gateway test` runs
 * against the embedded ledger) run again with the gateway in front of each legacy wallet through its
 * adapter: the same answers, balances included, whichever wallet is behind.
 */
import t from 'tap';
import { runOne } from '../../../gateway/cli/conformance.js';
import { resolveSecrets } from '../../../gateway/compile/resolve-secrets.js';
import { adapterRig, type AdapterName } from './rig.js';

const PROVIDERS = ['jackpot-rgs', 'prediction-markets', 'solex-igsp', 'sportsbook'];

for (const name of ['ledgerpro', 'statuswallet'] as AdapterName[]) {
  for (const id of PROVIDERS) {
    t.test(`${name}: the ${id} examples`, async (t) => {
      // A fresh wallet per provider: each provider's examples start from the demo balances.
      const r = await adapterRig(t, name);
      const p = r.gw.handle.providers().byId.get(id);
      t.ok(p, `${id} loaded`);
      if (!p) return;
      const d = p.descriptor;
      const env = { JACKPOT_RGS_HMAC_SECRET: 'adapter-jackpot-secret', SPORTSBOOK_SECURITY_HASH: 'adapter-sb-hash', SOLEX_IGSP_API_KEY: 'adapter-solex-key', SOLEX_IGSP_SECRET_KEY: 'adapter-solex-secret', PREDICTION_MARKETS_HMAC_SECRET: 'adapter-pm-secret' };
      const resolved = resolveSecrets(d.secrets, d.settings, env, true);
      const captured = new Map<string, string>();
      let ran = 0;
      for (const ex of d.examples ?? []) {
        if (ex.outbound || ex.request?.path.startsWith('/v1/session') || ex.request?.path.startsWith('/v1/auth') || ex.request?.path.startsWith('/.well-known')) continue;
        const res = await runOne(r.gw.url, id, ex, resolved, captured, d);
        t.ok(res.ok, `${ex.name}${res.problem ? ` — ${res.problem}` : ''}`);
        ran++;
      }
      t.ok(ran >= 10, `${ran} callback examples ran`);
    });
  }
}
