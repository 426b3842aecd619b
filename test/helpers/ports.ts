/**
 * Loopback port helpers shared by the tests and the bench. Deliberately free of `tap`: importing
 * tap from a non-test process starts a TAP root with a 30 s timeout that kills the process
 * ("Alarm clock"), which is how `npm run bench` once died mid-run.
 */
import { createConnection, createServer } from 'node:net';

/**
 * True when something on 127.0.0.1:`port` answers PING with PONG within `timeoutMs` (or, with
 * `anyReply`, answers at all: a password-protected server says NOAUTH).
 */
export function answersPing(port: number, timeoutMs = 300, anyReply = false): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(anyReply || buf.startsWith('+PONG'));
    });
  });
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
