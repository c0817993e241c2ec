import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseFrontMatter } from '../../../src/knowledge/front-matter.ts';
import { parseYaml } from '../../../src/shared/yaml.ts';

/** Every YAML document Sehat ships: data files and the front matter of articles and prompts. */
function shippedDocuments(): { file: string; text: string }[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  const files = [...walk('knowledge'), ...walk('prompts')];
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    if (/\.ya?ml$/.test(file)) return [{ file, text }];
    const front = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---/.exec(text);
    return file.endsWith('.md') && front ? [{ file, text: front[1] ?? '' }] : [];
  });
}

describe('parseYaml', () => {
  it('reads every shipped knowledge, safety and prompt file exactly as the `yaml` package (YAML 1.2) does', () => {
    const documents = shippedDocuments();
    expect(documents.length).toBeGreaterThan(90);
    for (const { file, text } of documents) expect(parseYaml(text), file).toEqual(parse(text));
  });

  it('keeps dates as text and reads the core types', () => {
    expect(parseYaml('reviewed: 2026-01-31\nyes: yes\non: true\nn: 012\nx: 0x1F\nf: 1.5\nz: ~')).toEqual({
      reviewed: '2026-01-31',
      yes: 'yes',
      on: true,
      n: 12,
      x: 31,
      f: 1.5,
      z: null,
    });
  });

  it('rejects duplicate keys and malformed documents, naming the line', () => {
    expect(() => parseYaml('title: a\ntitle: b\n')).toThrow(/duplicate.*\(2:/i);
    expect(() => parseYaml('title: [unclosed\nnext: 1\n')).toThrow(/\(\d+:\d+\)/);
    expect(() => parseFrontMatter('---\ntitle: a\ntitle: b\n---\nbody')).toThrow(/duplicate/i);
  });
});
