/**
 * The bench must never load `tap`, directly or through a shared test helper: tap's root test arms a
 * 30 s timeout in any process that imports it, and the full bench (≈ 2 min) then dies with
 * "Alarm clock" part-way. This walks the compiled bench's import graph (relative specifiers) from
 * its entry points and fails on any tap package.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRIES = ['bench/run.js', 'bench/soak.js', 'bench/workers.js', 'bench/micro/run.js', 'bench/profile-summary.js'];
const SPECIFIER = /(?:^|[\s;])(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gmu;

function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [path.join(distRoot, entry)];
  while (todo.length) {
    const file = todo.pop()!;
    if (graph.has(file)) continue;
    const specs: string[] = [];
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) specs.push((m[1] ?? m[2])!);
    graph.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) todo.push(path.resolve(path.dirname(file), s));
  }
  return graph;
}

t.test('no bench entry point reaches tap through its imports', async (tt) => {
  for (const entry of ENTRIES) {
    const graph = importGraph(entry);
    tt.ok(graph.size >= (entry === 'bench/profile-summary.js' ? 1 : 5), `${entry}: import graph read (${graph.size} modules)`);
    const offenders = [...graph].flatMap(([file, specs]) =>
      specs.filter((s) => s === 'tap' || s.startsWith('@tapjs/') || s.startsWith('tap/')).map((s) => `${path.relative(distRoot, file)} imports ${s}`),
    );
    tt.same(offenders, [], `${entry}: no module in its graph imports tap`);
  }
});

t.test('the walker does find tap where it is imported (the check can fail)', async (tt) => {
  const graph = importGraph('test/helpers/redis.js');
  tt.ok(graph.get(path.join(distRoot, 'test/helpers/redis.js'))?.includes('tap'));
});
