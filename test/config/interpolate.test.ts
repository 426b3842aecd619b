import t from 'tap';
import { coreScalar, interpolate } from '../../gateway/config/interpolate.js';

t.test('substitutes set variables and defaults', async (t) => {
  const env = { HOST: 'db', EMPTY: '' };
  t.equal(interpolate('redis://${HOST}:6379', env).value, 'redis://db:6379');
  t.equal(interpolate('${PORT:-8080}', env).value, '8080', 'default for an unset variable');
  t.equal(interpolate('${EMPTY:-x}', env).value, 'x', ':- also replaces an empty value, as in POSIX shells');
  t.equal(interpolate('[${EMPTY}]', env).value, '[]', 'an empty variable without default stays empty');
  t.equal(interpolate('${HOST:-}', env).value, 'db');
  t.equal(interpolate('${A:-a}-${B:-b}', env).value, 'a-b');
  t.same(interpolate('${HOST}${HOST}${PORT:-1}', env).names, ['HOST', 'PORT'], 'names are listed once, in order');
});

t.test('$${ escapes a literal ${ and a lone $ is kept', async (t) => {
  const r = interpolate('$${HOME} costs $5', { HOME: '/root' });
  t.equal(r.value, '${HOME} costs $5');
  t.equal(r.changed, true);
  t.same(r.names, []);
  t.equal(interpolate('no refs', {}).changed, false);
});

t.test('reports unset variables and malformed references', async (t) => {
  const r = interpolate('${NOPE}/${OK:-1}/${1BAD}/${', {});
  t.same(r.missing, ['NOPE']);
  t.same(r.malformed, ['${1BAD}', '${']);
  t.equal(r.value, '/1/${1BAD}/${', 'malformed references are left as written');
});

t.test('whole: the text is exactly one reference', async (t) => {
  t.equal(interpolate('${A:-1}', {}).whole, true);
  t.equal(interpolate(' ${A:-1}', {}).whole, false);
  t.equal(interpolate('${A}${B}', { A: '', B: '' }).whole, false);
  t.equal(interpolate('$${A}', {}).whole, false);
});

t.test('coreScalar types text as an unquoted YAML 1.2 core scalar', async (t) => {
  t.equal(coreScalar('8080'), 8080);
  t.equal(coreScalar('-3'), -3);
  t.equal(coreScalar('0x1F'), 31);
  t.equal(coreScalar('0o17'), 15);
  t.equal(coreScalar('1.5'), 1.5);
  t.equal(coreScalar('1e3'), 1000);
  t.equal(coreScalar('.inf'), Infinity);
  t.equal(coreScalar('-.inf'), -Infinity);
  t.ok(Number.isNaN(coreScalar('.nan')));
  t.equal(coreScalar('true'), true);
  t.equal(coreScalar('FALSE'), false);
  t.equal(coreScalar(''), null);
  t.equal(coreScalar('~'), null);
  t.equal(coreScalar('null'), null);
  t.equal(coreScalar('yes'), 'yes', 'YAML 1.1 booleans are strings in 1.2');
  t.equal(coreScalar('8080/tcp'), '8080/tcp');
  t.equal(coreScalar('12345678901234567890'), '12345678901234567890', 'an inexact integer stays a string');
});
