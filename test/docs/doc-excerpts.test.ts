/**
 * Excerpts in the guides are copied from real files, and say so with `<!-- from: FILE -->` before the
 * fenced block: a YAML block must appear in that file verbatim, each line of a text block too. So an
 * excerpt cannot silently drift from the fixture or test it was taken from.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

const GUIDES = ['add-a-provider.md', 'plugins.md', 'outbound.md'];

for (const name of GUIDES) {
  t.test(`docs/${name}`, async (tt) => {
    const doc = readFileSync(path.join(PACKAGE_ROOT, 'docs', name), 'utf8');
    const excerpts = [...doc.matchAll(/<!-- from: (\S+) -->\n```(\w+)\n([\s\S]*?)\n```/g)];
    tt.ok(excerpts.length > 0, 'has excerpts');
    const marked = [...doc.matchAll(/<!-- (?:from|file): \S+ -->\n```yaml\n/g)].length;
    tt.equal(marked, [...doc.matchAll(/^```yaml$/gm)].length, 'every YAML block names the file it comes from');
    for (const [, file, lang, text] of excerpts) {
      const source = readFileSync(path.join(PACKAGE_ROOT, file!), 'utf8');
      if (lang === 'yaml') tt.ok(source.includes(text!), `${file}: ${text!.split('\n')[0]}`);
      else for (const line of text!.split('\n')) tt.ok(source.includes(line), `${file}: ${line}`);
    }
  });
}
