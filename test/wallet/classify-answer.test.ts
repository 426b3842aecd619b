/** The canonical wallet answer → outcome rules (CONTRACT §4.3), with known answers. */
import t from 'tap';
import { classifyAnswer, normalizeBalance } from '../../gateway/wallet/classify-answer.js';

t.test('success', async (tt) => {
  tt.same(classifyAnswer('debit', 200, '{"balance":"489.50","currency":"USD","wallet_transaction_id":"w-1"}'), { class: 'success', balance: '489.5', currency: 'USD', wallet_transaction_id: 'w-1' });
  tt.same(classifyAnswer('authenticate', 200, '{"balance":"1","currency":"EUR","player_name":"Ann","country":"MT","language":"en"}'), { class: 'success', balance: '1', currency: 'EUR', player_name: 'Ann', country: 'MT', language: 'en' });
  tt.same(classifyAnswer('debit', 200, '{"balance":12,"wallet_transaction_id":77}'), { class: 'success', balance: '12', wallet_transaction_id: '77' }, 'integer ids and numeric balances kept as written');
});

t.test('a numeric balance is taken exactly as written, never through a float', async (tt) => {
  tt.equal(classifyAnswer('balance', 200, '{"balance":1234567890.123456}').balance, '1234567890.123456');
  tt.equal(classifyAnswer('balance', 200, '{"balance":0.1}').balance, '0.1');
  tt.equal(classifyAnswer('balance', 200, '{"balance":"-3.00"}').balance, '-3', 'an overdraft keeps its sign');
  tt.equal(normalizeBalance('-0.00'), '0');
  tt.equal(normalizeBalance('1e3'), undefined);
  tt.equal(normalizeBalance(12.5), undefined, 'a JS float is not a balance');
});

t.test('rejections with a canonical code are final, with the balance when given', async (tt) => {
  tt.same(classifyAnswer('debit', 402, '{"error":{"code":"INSUFFICIENT_FUNDS","message":"no"},"balance":"5.00","currency":"USD"}'), { class: 'rejected', code: 'INSUFFICIENT_FUNDS', message: 'no', balance: '5', currency: 'USD' });
  tt.match(classifyAnswer('rollback', 404, '{"error":{"code":"TRANSACTION_NOT_FOUND"}}'), { class: 'rejected', code: 'TRANSACTION_NOT_FOUND' });
});

t.test('everything else is uncertain', async (tt) => {
  const cases: [string, number, string][] = [
    ['5xx', 503, '{"error":{"code":"INSUFFICIENT_FUNDS"}}'],
    ['408', 408, '{"error":{"code":"PLAYER_BLOCKED"}}'],
    ['429', 429, '{}'],
    ['unknown code', 400, '{"error":{"code":"NOPE"}}'],
    ['non-JSON', 200, '<html>'],
    ['array body', 200, '[]'],
    ['money success without a wallet transaction id', 200, '{"balance":"1.00"}'],
    ['success without a balance', 200, '{"wallet_transaction_id":"w"}'],
    ['an exponent balance', 200, '{"balance":1e3,"wallet_transaction_id":"w"}'],
  ];
  for (const [name, status, body] of cases) tt.match(classifyAnswer('debit', status, body), { class: 'uncertain', code: 'WALLET_UNAVAILABLE' }, name);
  for (const code of ['INVALID_SIGNATURE', 'INVALID_TIMESTAMP', 'REPLAYED_NONCE', 'UNAUTHORIZED', 'PAYLOAD_TOO_LARGE']) {
    tt.match(classifyAnswer('credit', 401, `{"error":{"code":"${code}"}}`), { class: 'uncertain' }, `${code} speaks of the gateway's own call`);
  }
  tt.match(classifyAnswer('debit', 409, '{"error":{"code":"TRANSACTION_IN_PROGRESS"}}'), { class: 'uncertain', code: 'TRANSACTION_IN_PROGRESS' });
});
