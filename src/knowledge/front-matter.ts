import { parseYaml } from '../shared/yaml.ts';

export interface FrontMatterDocument {
  data: unknown;
  body: string;
}

/** Splits `---\n<yaml>\n---\n<markdown>`; throws with a readable message when the block is malformed. */
export function parseFrontMatter(source: string): FrontMatterDocument {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(source);
  if (!match) throw new Error('the file must start with a front matter block between two "---" lines');
  return { data: parseYaml(match[1] ?? ''), body: match[2] ?? '' };
}
