/**
 * docs/add-a-provider.md stays true: every YAML excerpt is a piece of the file it names, the complete
 * file is the fixture verbatim, and every command output shown is what the CLI prints today for
 * that file (run in a scratch folder laid out as an operator's project: providers/aurora-slots.yaml).
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

const DOC = readFileSync(path.join(PACKAGE_ROOT, 'docs', 'add-a-provider.md'), 'utf8');
const BIN = path.join(PACKAGE_ROOT, 'bin', 'gateway.js');

interface Block {
  kind: 'from' | 'file' | 'validate' | 'inspect' | 'test';
  target: string;
  lang: string;
  text: string;
}

const blocks: Block[] = [...DOC.matchAll(/<!-- (from|file|validate|inspect|test): (\S+) -->\n```(\w+)\n([\s\S]*?)\n```/g)].map((m) => ({
  kind: m[1] as Block['kind'],
  target: m[2]!,
  lang: m[3]!,
  text: m[4]!,
}));

/** Runs the CLI in a scratch project whose providers/ holds the descriptor of `dir`. */
function cli(tt: Test, dir: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const project = mkdtempSync(path.join(tmpdir(), 'gw-guide-'));
  tt.teardown(() => rmSync(project, { recursive: true, force: true }));
  mkdirSync(path.join(project, 'providers'));
  copyFileSync(path.join(PACKAGE_ROOT, dir, 'aurora-slots.yaml'), path.join(project, 'providers', 'aurora-slots.yaml'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GATEWAY_') && !k.startsWith('AURORA_')));
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: project, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A shown command output without its `$ command` line. */
const shown = (text: string) => text.split('\n').filter((l) => !l.startsWith('$ ')).join('\n');

t.test('the guide has its checked blocks', async (tt) => {
  const yamlFences = [...DOC.matchAll(/^```yaml$/gm)].length;
  tt.equal(blocks.filter((b) => b.lang === 'yaml').length, yamlFences, 'every yaml block names the file it comes from');
  tt.ok(blocks.some((b) => b.kind === 'file'));
  tt.equal(blocks.filter((b) => b.kind === 'validate').length, 2);
  tt.ok(blocks.some((b) => b.kind === 'inspect'));
  tt.ok(blocks.some((b) => b.kind === 'test'));
});

t.test('the complete file is verbatim (excerpts: doc-excerpts.test.ts)', async (tt) => {
  for (const b of blocks.filter((x) => x.kind === 'file')) {
    const file = readFileSync(path.join(PACKAGE_ROOT, b.target), 'utf8');
    tt.equal(b.text, file.replace(/\n$/, ''), `the complete ${b.target}`);
  }
});

t.test('validate outputs are what the CLI prints', async (tt) => {
  for (const b of blocks.filter((x) => x.kind === 'validate')) {
    const r = cli(tt, b.target, ['validate']);
    tt.equal(r.code, 1, b.target);
    tt.equal(r.stderr.trimEnd(), shown(b.text), b.target);
  }
});

t.test('the inspect excerpt is what the CLI prints', async (tt) => {
  const b = blocks.find((x) => x.kind === 'inspect')!;
  const r = cli(tt, b.target, ['inspect', 'aurora-slots']);
  tt.equal(r.code, 0, r.stderr);
  tt.ok(r.stdout.includes(b.text), 'the bet route block appears verbatim');
});

t.test('gateway test passes, printing what the guide shows', async (tt) => {
  const b = blocks.find((x) => x.kind === 'test')!;
  const r = cli(tt, b.target, ['test', 'aurora-slots']);
  tt.equal(r.code, 0, `exit 0${r.code === 0 ? '' : `: ${r.stdout}${r.stderr}`}`);
  tt.equal(r.stdout.trimEnd(), shown(b.text));
});
