/**
 * Regressions from the adversarial review of the wallet adapters, each named after what it pinned.
 */
import t from 'tap';
import { solexHeaders } from '../../helpers/sign.js';
import { MemoryStore } from '../../../gateway/store/memory-store.js';
import { adapterProblems, adapterRig, effects, txOf, walletVariant, withoutStatusQueries } from './rig.js';

const debit = (tx: string, amount: string, player = 'player-1', requestId = `rq-${tx}`) => ({ requestId, playerId: player, transactionId: tx, roundId: `r-${tx}`, gameCode: 'dice', amount });

t.test('statuswallet: the same transaction id at two providers is two transactions (no lookup crosses them)', async (t) => {
  const r = await adapterRig(t, 'statuswallet');
  t.equal((await r.jackpot('debit', debit('777', '1.00'))).body.status, 'OK');
  let once = true;
  r.wallet.fault = (c) => (c.method === 'POST' && once && c.body?.user === 'player-2' ? ((once = false), '503') : 'none');
  const bet = (req: string) => {
    const text = JSON.stringify({ action: 'bet', player_id: 'player-2', currency: 'EUR', amount: 25, game_id: 'g', transaction_id: '777', session_id: 's', type: 'bet', req });
    return r.gw.send('POST', '/solex-igsp/hooks', text, solexHeaders('adapter-solex-key', 'adapter-solex-secret', text));
  };
  t.equal((await bet('1')).status, 503, 'the solex bet is uncertain (not applied)');
  const retry = await bet('2');
  t.equal(retry.status, 200, retry.text);
  t.equal(String(retry.body.balance), '475', "the retry moved player-2's money and answers player-2's balance");
  t.equal(r.wallet.balance('player-2'), '475.00');
  t.equal(r.wallet.balance('player-1'), '999.00', 'player-1 untouched');
});

t.test('a retry with another amount after a lost answer is a conflict, never the first outcome', async (t) => {
  for (const name of ['statuswallet', 'ledgerpro'] as const) {
    const r = await adapterRig(t, name, { timeoutMs: 300 });
    let lost = true;
    r.wallet.fault = (c) => (c.method === 'POST' && lost && txOf(c) === 'amt' ? ((lost = false), 'applied-503') : 'none');
    t.equal((await r.jackpot('debit', debit('amt', '3.00'))).status, 503);
    const other = await r.jackpot('debit', debit('amt', '5.00', 'player-1', 'again'));
    t.not(other.body.status, 'OK', `${name}: not answered OK (${JSON.stringify(other.body)})`);
    t.equal(effects(r.wallet, 'amt'), 1, `${name}: one effect, the first`);
  }
});

t.test('amounts are never rounded: 1.50 for a JPY player (currency learned from the wallet) is refused', async (t) => {
  for (const name of ['statuswallet', 'ledgerpro'] as const) {
    const r = await adapterRig(t, name);
    const res = await r.jackpot('debit', debit('jpy', '1.50', 'player-3'));
    t.equal(res.body.status, 'INVALID_REQUEST', `${name}: refused`);
    t.equal(r.wallet.calls.filter((c) => c.method === 'POST' && txOf(c) === 'jpy').length, 0, `${name}: nothing sent`);
    t.equal(r.wallet.balance('player-3'), '100000');
  }
});

t.test('a refund for a player blocked since (empty currency cache) is still sent', async (t) => {
  for (const name of ['statuswallet', 'ledgerpro'] as const) {
    const r = await adapterRig(t, name);
    t.equal((await r.jackpot('debit', debit('blk-rb', '5.00'))).body.status, 'OK');
    r.wallet.setBlocked('player-1', true);
    ((r.gw.handle.wallet as unknown as { currencies: Map<string, string> }).currencies).clear();
    const rb = await r.jackpot('rollback', { requestId: 'rb', playerId: 'player-1', transactionId: 'blk-rb', roundId: 'r', gameCode: 'dice' });
    t.equal(rb.body.status, 'OK', `${name}: refunded (${JSON.stringify(rb.body)})`);
    t.equal(r.wallet.balance('player-1'), '1000.00');
  }
});

t.test('an odd transaction id (..) after a lost answer is never a final refusal', async (t) => {
  const r = await adapterRig(t, 'statuswallet', { timeoutMs: 300 });
  let lost = true;
  r.wallet.fault = (c) => (c.method === 'POST' && lost ? ((lost = false), 'applied-503') : 'none');
  t.equal((await r.jackpot('debit', debit('..', '4.00'))).status, 503);
  const retry = await r.jackpot('debit', debit('..', '4.00', 'player-1', 'again'));
  t.ok(retry.status === 503 || (retry.body.status === 'OK' && retry.body.balance === '996.00'), `uncertain, or the applied outcome found — never a final refusal for money that moved (${JSON.stringify(retry.body)})`);
  t.not(retry.body.status, 'INVALID_REQUEST');
  t.equal(r.wallet.balance('player-1'), '996.00');
});

t.test('a call that never left the process is unmarked: a retry may send it', async (t) => {
  const file = walletVariant(t, 'statuswallet', withoutStatusQueries);
  const store = new MemoryStore();
  const r = await adapterRig(t, 'statuswallet', { file, env: { STATUSWALLET_BASE_URL: 'http://127.0.0.1:9' } });
  void store;
  const res = await r.jackpot('debit', debit('refused', '1.00'));
  t.equal(res.status, 503, 'connection refused: uncertain');
  const marker = await r.gw.handle.store.readGrant('adapter:statuswallet', 'jackpot-rgs:debit:refused');
  t.equal(marker, undefined, 'the mark was removed: nothing reached the wallet');
});

t.test('an answer in another currency than the request is not taken', async (t) => {
  const r = await adapterRig(t, 'ledgerpro');
  const auth = await r.jackpot('authenticate', { requestId: 'a', playerId: 'player-1', currency: 'EUR', gameCode: 'g' });
  t.equal(auth.body.status, 'CURRENCY_MISMATCH');
});

t.test('gateway validate refuses adapters that would be wrong at runtime', async (t) => {
  const problems = async (name: 'ledgerpro' | 'statuswallet', change: (w: Record<string, any>) => void) => (await adapterProblems(walletVariant(t, name, change))).join('\n');
  t.match(await problems('ledgerpro', (w) => delete w['operations']['debit']['call']['headers']), /idempotent: true, but the debit call sends no idempotency key/);
  t.match(await problems('statuswallet', (w) => (w['idempotent'] = true)), /a status query is only used with idempotent: false/);
  t.match(await problems('ledgerpro', (w) => w['errors'].push({ code: 'INSUFFICIENT_FUNDS' })), /errors\/8/, 'an error row with neither status nor when');
});
