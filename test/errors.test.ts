/** Keeps the error catalogue honest: every code documented, every request code raised somewhere. */
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CANONICAL_CODES, CONFIG_ERRORS, REQUEST_ERRORS, classOfCode, createError } from '../gateway/errors.js';
import { PACKAGE_ROOT } from '../gateway/paths.js';

const doc = readFileSync(path.join(PACKAGE_ROOT, 'docs', 'errors.md'), 'utf8');

function sources(dir: string): string {
  let out = '';
  for (const n of readdirSync(dir)) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) out += sources(p);
    else if (n.endsWith('.ts') && n !== 'errors.ts') out += readFileSync(p, 'utf8');
  }
  return out;
}
const engine = sources(path.join(PACKAGE_ROOT, 'gateway'));

t.test('every code is documented in docs/errors.md', async (tt) => {
  for (const c of [...CANONICAL_CODES, ...Object.keys(REQUEST_ERRORS), ...Object.keys(CONFIG_ERRORS)]) tt.ok(doc.includes(`\`${c}\``), c);
});

t.test('every request and config code is raised by the engine', async (tt) => {
  for (const c of [...Object.keys(REQUEST_ERRORS), ...Object.keys(CONFIG_ERRORS)]) tt.ok(engine.includes(`'${c}'`), `${c} is used`);
});

t.test('classes: uncertain codes are never cached', async (tt) => {
  tt.equal(classOfCode('WALLET_UNAVAILABLE'), 'uncertain');
  tt.equal(classOfCode('TRANSACTION_IN_PROGRESS'), 'uncertain');
  tt.equal(classOfCode('INTERNAL_ERROR'), 'uncertain');
  tt.equal(classOfCode('INSUFFICIENT_FUNDS'), 'rejected');
  tt.equal(classOfCode('TRANSACTION_CONFLICT'), 'rejected');
  const e = createError('GW_ERR_WALLET_REJECTED', 'x', 'PLAYER_BLOCKED', '1.5');
  tt.equal(e.canonical, 'PLAYER_BLOCKED');
  tt.equal(e.balance, '1.5');
  tt.equal(createError('GW_ERR_IDEM_CONFLICT').canonical, 'TRANSACTION_CONFLICT');
});
