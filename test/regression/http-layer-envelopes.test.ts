/**
 * Regression (money path hardening, defect 3): answers outside the provider's envelope at the HTTP
 * layer. An unknown method (`FOO`) and `CONNECT` on a provider route were reset; a wrong method was
 * a plain error; an absolute-form target got the gateway's own 404. Now each is answered in the
 * provider's envelope (405 with Allow for a method the route does not take), and a body over the
 * limit is answered (before it is read, on Content-Length) rather than reset.
 */
import t from 'tap';
import { createConnection } from 'node:net';
import { startTestGateway } from '../helpers/gateway.js';

/** Sends raw bytes and reads everything the server writes back until it closes (or 3 s). */
function raw(url: string, text: string | Buffer): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = createConnection({ host: u.hostname, port: Number(u.port) });
    let out = '';
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, 3000);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => s.write(text));
  });
}

t.test('methods node:http or the route do not take are answered in the envelope', async (t) => {
  const gw = await startTestGateway(t, { env: { JACKPOT_RGS_HMAC_SECRET: 's' }, enabled: ['jackpot-rgs'] });
  const foo = await raw(gw.url, 'FOO /jackpot-rgs/callback/debit HTTP/1.1\r\nHost: x\r\n\r\n');
  t.match(foo, /^HTTP\/1\.1 405 /, 'FOO: 405, not a reset');
  t.match(foo, /\r\nallow: POST\r\n/i);
  t.match(foo, /\{"status":"INVALID_REQUEST"\}$/, 'in the provider envelope');
  const connect = await raw(gw.url, 'CONNECT /jackpot-rgs/callback/debit HTTP/1.1\r\nHost: x\r\n\r\n');
  t.match(connect, /^HTTP\/1\.1 405 /, 'CONNECT: 405');
  const get = await raw(gw.url, 'GET /jackpot-rgs/callback/debit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.match(get, /^HTTP\/1\.1 405 /, 'a known method the route does not take: 405');
  t.match(get, /\r\nallow: POST\r\n/i);
  const absolute = await raw(gw.url, 'POST http://gateway.example/jackpot-rgs/callback/balance HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
  t.match(absolute, /^HTTP\/1\.1 401 /, 'an absolute-form target reaches the provider (here: unsigned → its 401)');
  t.match(absolute, /"status":"INVALID_SIGNATURE"/);
  const unknownProvider = await raw(gw.url, 'FOO /nobody/x HTTP/1.1\r\nHost: x\r\n\r\n');
  t.equal(unknownProvider, '', 'no provider named: the connection is closed (nothing to answer in)');
});

t.test('a body over the limit is answered, not reset', async (t) => {
  const gw = await startTestGateway(t, { env: { JACKPOT_RGS_HMAC_SECRET: 's' }, enabled: ['jackpot-rgs'] });
  const big = Buffer.alloc(10 * 1024 * 1024, 'a');
  const res = await fetch(`${gw.url}/jackpot-rgs/callback/debit`, { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
  t.equal(res.status, 200, 'the provider table says 200 for PAYLOAD_TOO_LARGE');
  t.same(await res.json(), { status: 'INVALID_REQUEST' });
});
