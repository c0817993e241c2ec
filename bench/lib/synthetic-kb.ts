import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Article } from '../../src/knowledge/article.ts';
import { loadKnowledgeFiles } from '../../src/knowledge/load-knowledge.ts';
import { REPO_DIR } from './report.ts';

/**
 * Synthetic knowledge bases of any size, shaped like the starter one: article i is a variation of starter
 * article i mod 40 (same length and structure), ~20 % of its words replaced by words drawn from the starter
 * corpus, plus two made-up topic words of its own ("dengue", "rabies" …) in its title, questions, summary and
 * body, so the vocabulary grows with the corpus the way a real knowledge base's does. Deterministic (seeded).
 */
export const STARTER_KB = join(REPO_DIR, 'knowledge');

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  'ka',
  'lo',
  'ri',
  'ven',
  'tor',
  'mi',
  'sa',
  'du',
  'pel',
  'zin',
  'ra',
  'bo',
  'ne',
  'gis',
  'ta',
  'fu',
  'lar',
  'se',
  'mon',
  'di',
];

/** A made-up word, unique per n (e.g. a disease or medicine name). */
export function topicWord(n: number): string {
  let word = '';
  let x = n + 1;
  do {
    word += SYLLABLES[x % SYLLABLES.length];
    x = Math.floor(x / SYLLABLES.length);
  } while (x > 0);
  return `${word}${SYLLABLES[(n * 7) % SYLLABLES.length]}x`;
}

export function starterArticles(lang?: string): Article[] {
  const files = loadKnowledgeFiles(STARTER_KB);
  return lang ? files.articles.filter((a) => a.lang === lang) : files.articles;
}

/** Starter questions (what patients type), per language: the load generators' messages. */
export function starterQuestions(langs = ['en', 'id']): string[] {
  return starterArticles()
    .filter((a) => langs.includes(a.lang))
    .flatMap((a) => a.questions);
}

export function syntheticArticles(count: number, lang: string, seed = 1): Article[] {
  const templates = starterArticles(lang);
  const random = rng(seed * 7919 + lang.charCodeAt(0));
  const words = templates
    .flatMap((a) => `${a.summary} ${a.sections.map((s) => s.markdown).join(' ')}`.split(/\s+/))
    .filter((w) => /^[\p{L}]{3,}$/u.test(w));
  const pick = () => words[Math.floor(random() * words.length)] as string;
  const vary = (text: string, topics: string[]) =>
    text
      .split(/(\s+)/)
      .map((token) =>
        /^\s+$/.test(token) || random() > 0.2
          ? token
          : random() < 0.15
            ? (topics[Math.floor(random() * topics.length)] as string)
            : pick(),
      )
      .join('');
  const out: Article[] = [];
  for (let i = 0; i < count; i++) {
    const t = templates[i % templates.length] as Article;
    const topics = [topicWord(i * 2), topicWord(i * 2 + 1)];
    out.push({
      ...t,
      id: `syn-${i}`,
      title: `${topics[0]}: ${vary(t.title, topics)}`,
      topics: [...topics, ...t.topics.slice(0, 2)],
      questions: t.questions.slice(0, 6).map((q, j) => (j % 2 === 0 ? `${q} ${topics[j % 2]}` : vary(q, topics))),
      summary: vary(t.summary, topics).slice(0, 690),
      sections: t.sections.map((s) => ({ heading: s.heading, markdown: vary(s.markdown, topics) })),
      file: `${lang}/syn-${i}.md`,
    });
  }
  return out;
}

const yamlString = (s: string) => JSON.stringify(s);

export function articleMarkdown(a: Article): string {
  return [
    '---',
    `id: ${a.id}`,
    `lang: ${a.lang}`,
    `title: ${yamlString(a.title)}`,
    `topics: [${a.topics.map(yamlString).join(', ')}]`,
    'questions:',
    ...a.questions.map((q) => `  - ${yamlString(q)}`),
    `summary: ${yamlString(a.summary)}`,
    'sources:',
    ...a.sources.map((s) => `  - title: ${yamlString(s.title)}\n    url: ${s.url}`),
    `reviewed_by: ${yamlString(a.reviewedBy)}`,
    `reviewed_on: ${a.reviewedOn}`,
    `review_due: ${a.reviewDue}`,
    '---',
    '',
    ...a.sections.map((s) => `## ${s.heading}\n${s.markdown}\n`),
  ].join('\n');
}

/**
 * A knowledge folder: the starter KB (responses, lexicon, safety rules, its articles) plus `perLanguage`
 * synthetic articles in each of en and id.
 */
export function writeKnowledgeDir(dir: string, perLanguage: number): string {
  cpSync(STARTER_KB, dir, { recursive: true });
  for (const lang of ['en', 'id']) {
    mkdirSync(join(dir, lang), { recursive: true });
    for (const a of syntheticArticles(perLanguage, lang))
      writeFileSync(join(dir, lang, `${a.id}.md`), articleMarkdown(a));
  }
  return dir;
}
