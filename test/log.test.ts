/**
 * The JSON-lines logger: one parseable line per event, `time`/`level`/`msg` first, undefined
 * fields dropped, level filtering before any work, and a line even when fields cannot be
 * serialised (a log call must never throw on the money path).
 */
import t from 'tap';
import { createLogger } from '../gateway/log.js';

function capture(level: Parameters<typeof createLogger>[0]): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger(level, (l) => lines.push(l)), lines };
}

t.test('a line is one JSON object with time, level and msg first, then the fields', async (t) => {
  const { log, lines } = capture('info');
  const before = Date.now();
  log.audit({ provider: 'acme', amount: '10.50', code: undefined, replayed: false, latency_ms: 1.5, note: 'quote " and \n newline' });
  t.equal(lines.length, 1);
  t.ok(lines[0]!.endsWith('}\n') && !lines[0]!.slice(0, -1).includes('\n'), 'exactly one line');
  const o = JSON.parse(lines[0]!) as Record<string, unknown>;
  t.same(Object.keys(o), ['time', 'level', 'msg', 'provider', 'amount', 'replayed', 'latency_ms', 'note']);
  t.match(o, { level: 'info', msg: 'audit', provider: 'acme', amount: '10.50', replayed: false, latency_ms: 1.5, note: 'quote " and \n newline' });
  const time = Date.parse(o.time as string);
  t.ok(time >= before && time <= Date.now(), 'time is the ISO 8601 time of the call');
});

t.test('no fields, empty fields and all-undefined fields give the same well-formed line', async (t) => {
  const { log, lines } = capture('debug');
  log.info('a');
  log.info('a', {});
  log.info('a', { x: undefined });
  for (const l of lines) t.same(Object.keys(JSON.parse(l) as object), ['time', 'level', 'msg']);
});

t.test('levels below the minimum write nothing; silent writes nothing at all', async (t) => {
  const warn = capture('warn');
  warn.log.debug('d');
  warn.log.info('i');
  warn.log.audit({ a: 1 });
  warn.log.warn('w');
  warn.log.error('e');
  t.same(warn.lines.map((l) => (JSON.parse(l) as { level: string }).level), ['warn', 'error']);
  t.equal(warn.log.enabled('info'), false);
  t.equal(warn.log.enabled('error'), true);
  const silent = capture('silent');
  silent.log.error('e');
  t.same(silent.lines, []);
});

t.test('fields that cannot be serialised still give a line, and the call does not throw', async (t) => {
  const { log, lines } = capture('info');
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  t.doesNotThrow(() => log.error('boom', cyclic));
  t.doesNotThrow(() => log.error('big', { n: 10n }));
  t.same(lines.map((l) => JSON.parse(l) as object), [
    { time: (JSON.parse(lines[0]!) as { time: string }).time, level: 'error', msg: 'boom' },
    { time: (JSON.parse(lines[1]!) as { time: string }).time, level: 'error', msg: 'big' },
  ]);
});

t.test('base fields (a cluster worker number) are on every line, right after msg', async (t) => {
  const lines: string[] = [];
  const log = createLogger('info', (l) => lines.push(l), { worker: 2 });
  log.info('a');
  log.audit({ provider: 'acme' });
  t.same(lines.map((l) => Object.keys(JSON.parse(l) as object)), [['time', 'level', 'msg', 'worker'], ['time', 'level', 'msg', 'worker', 'provider']]);
  t.equal((JSON.parse(lines[1]!) as { worker: number }).worker, 2);
});
