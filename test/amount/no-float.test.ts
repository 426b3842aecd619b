/**
 * Guard: the compiled amount modules must not contain the usual ways a decimal slips into a
 * binary float. Cheap, and it catches a well-meant "simplification" in review.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';

const dir = new URL('../../gateway/amount/', import.meta.url);
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/parseFloat/, 'parseFloat'],
  [/\bNumber\(/, 'Number(…)'],
  [/\.toFixed\(/, 'toFixed'],
  [/\.toPrecision\(/, 'toPrecision'],
  [/Math\.(round|floor|ceil|trunc)\(/, 'Math rounding'],
  [/\.toNumber\(/, 'JsonNumber.toNumber'],
];

t.test('no float conversions in gateway/amount', async (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  t.ok(files.length >= 4, `found the compiled modules (${files.join(', ')})`);
  for (const file of files) {
    const code = readFileSync(new URL(file, dir), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const [pattern, name] of FORBIDDEN) t.notMatch(code, pattern, `${file} does not use ${name}`);
  }
});
