import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ArticleSpec {
  id: string;
  lang: string;
  title?: string;
  questions?: string[];
  summary?: string;
  sections?: [string, string][];
  /** Raw front matter lines to use instead of the generated ones (for broken-article tests). */
  rawFrontMatter?: string;
}

export function articleMarkdown(spec: ArticleSpec): string {
  const front =
    spec.rawFrontMatter ??
    [
      `id: ${spec.id}`,
      `lang: ${spec.lang}`,
      `title: "${spec.title ?? `Article ${spec.id}`}"`,
      'topics: [test]',
      'questions:',
      ...(spec.questions ?? [`what is ${spec.id}`]).map((q) => `  - "${q}"`),
      `summary: "${spec.summary ?? `This is the summary of ${spec.id}, written for the tests.`}"`,
      'sources:',
      '  - title: "WHO"',
      '    url: https://www.who.int/',
      'reviewed_by: "Test Reviewer"',
      'reviewed_on: 2026-01-01',
      'review_due: 2027-01-01',
    ].join('\n');
  const sections = (spec.sections ?? [['Details', `More about ${spec.id}.`]])
    .map(([h, b]) => `## ${h}\n${b}\n`)
    .join('\n');
  return `---\n${front}\n---\n\n${sections}`;
}

/**
 * A throwaway knowledge folder with the real responses, lexicon and safety rules, and the given articles
 * (plus the real articles unless `onlyThese`, so search statistics stay realistic).
 */
export function makeKnowledgeDir(articles: ArticleSpec[], options: { onlyThese?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sehat-kb-'));
  const folders = ['responses', 'lexicon', 'safety', ...(options.onlyThese ? [] : ['en', 'id'])];
  for (const folder of folders) {
    try {
      cpSync(join('knowledge', folder), join(dir, folder), { recursive: true });
    } catch {
      // the folder may not exist yet
    }
  }
  cpSync('knowledge/clinic.yaml', join(dir, 'clinic.yaml'));
  for (const a of articles) writeArticle(dir, a);
  return dir;
}

export function writeArticle(dir: string, spec: ArticleSpec, fileName = `${spec.id}.md`): string {
  mkdirSync(join(dir, spec.lang), { recursive: true });
  const path = join(dir, spec.lang, fileName);
  writeFileSync(path, articleMarkdown(spec));
  return path;
}
