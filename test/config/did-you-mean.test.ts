import t from 'tap';
import { didYouMean, editDistance } from '../../gateway/config/did-you-mean.js';

t.test('editDistance counts a transposition as one edit', async (t) => {
  t.equal(editDistance('port', 'port'), 0);
  t.equal(editDistance('prot', 'port'), 1);
  t.equal(editDistance('hots', 'host'), 1);
  t.equal(editDistance('kitten', 'sitting'), 3);
  t.equal(editDistance('', 'abc'), 3);
});

t.test('didYouMean suggests close names only', async (t) => {
  const keys = ['host', 'port', 'body_limit_bytes', 'request_timeout_ms'];
  t.equal(didYouMean('prot', keys), 'port');
  t.equal(didYouMean('hst', keys), 'host');
  t.equal(didYouMean('bodyLimitBytes', keys), 'body_limit_bytes', 'camelCase meets snake_case');
  t.equal(didYouMean('REQUEST-TIMEOUT-MS', keys), 'request_timeout_ms');
  t.equal(didYouMean('request_timeout', keys), 'request_timeout_ms', 'a dropped suffix is 3 edits');
  t.equal(didYouMean('timeout', keys), undefined, 'more than 3 edits away');
  t.equal(didYouMean('x', ['id']), undefined, 'not more than half the name');
  t.equal(didYouMean('port', keys), undefined, 'an exact match is not a suggestion');
  t.equal(didYouMean('lvel', ['level', 'label']), 'level', 'closest wins');
  t.equal(didYouMean('anything', []), undefined);
});
