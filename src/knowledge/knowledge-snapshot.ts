import type { Article } from './article.ts';
import { buildLexicon, emptyLexicon, type Lexicon } from './lexicon.ts';
import type { KbProblem, KnowledgeFiles } from './load-knowledge.ts';
import { RESPONSE_KEYS, type ResponseKey, type ResponsesFile, renderTemplate, type TemplateVars } from './responses.ts';
import { createSearchIndex, type KnowledgeIndex, type SearchHit } from './search-index.ts';
import { type Analyzer, createAnalyzer, foldWords } from './text-analysis.ts';

/**
 * One immutable, fully built version of the knowledge base. Hot reload swaps whole snapshots, so a
 * conversation never sees half of an edit.
 */
export interface KnowledgeSnapshot {
  readonly version: number;
  readonly loadedAt: Date;
  readonly languages: string[];
  readonly defaultLanguage: string;
  readonly problems: KbProblem[];
  articleCount(): number;
  article(id: string, lang: string): Article | undefined;
  /** Languages an article exists in. */
  translations(id: string): string[];
  articles(lang?: string): Article[];
  search(query: string, lang: string, limit?: number): SearchHit[];
  analyzer(lang: string): Analyzer;
  lexicon(lang: string): Lexicon;
  /** A fixed reviewed message, with clinic placeholders and vars filled in. */
  response(key: ResponseKey, lang: string, vars?: TemplateVars): string;
  isMoreRequest(text: string, lang: string): boolean;
  languageName(lang: string): string;
  /** Fills {{clinic.*}} placeholders in article text. */
  fillClinic(text: string): string;
  readonly safetyDir: string;
}

let nextVersion = 1;

export function buildSnapshot(
  files: KnowledgeFiles,
  options: { languages: string[]; defaultLanguage: string },
): KnowledgeSnapshot {
  const languages = [...new Set([...options.languages])];
  const lexicons = new Map<string, Lexicon>();
  const analyzers = new Map<string, Analyzer>();
  const articleLangs = new Set(files.articles.map((a) => a.lang));
  for (const lang of new Set([...languages, ...articleLangs])) {
    const lexicon = buildLexicon(files.lexicons.get(lang) ?? [], foldWords);
    lexicons.set(lang, lexicon);
    analyzers.set(lang, createAnalyzer(lang, lexicon));
  }
  const index: KnowledgeIndex = createSearchIndex(files.articles, analyzers);
  const byKey = new Map(files.articles.map((a) => [`${a.lang}/${a.id}`, a]));
  const langsById = new Map<string, string[]>();
  for (const a of files.articles) langsById.set(a.id, [...(langsById.get(a.id) ?? []), a.lang]);
  const moreWords = new Map<string, Set<string>>();
  for (const [lang, r] of files.responses)
    moreWords.set(lang, new Set(r.more_words.map((w) => foldWords(w).join(' '))));
  const fillClinic = (text: string) => renderTemplate(text, files.clinicVars);
  const responseFile = (lang: string): ResponsesFile | undefined =>
    files.responses.get(lang) ?? files.responses.get(options.defaultLanguage) ?? files.responses.get('en');

  return {
    version: nextVersion++,
    loadedAt: new Date(),
    languages,
    defaultLanguage: options.defaultLanguage,
    problems: files.problems,
    safetyDir: files.safetyDir,
    articleCount: () => files.articles.length,
    article: (id, lang) => byKey.get(`${lang}/${id}`),
    translations: (id) => langsById.get(id) ?? [],
    articles: (lang) => (lang ? files.articles.filter((a) => a.lang === lang) : files.articles),
    search: (query, lang, limit) => index.search(query, lang, limit),
    analyzer: (lang) => analyzers.get(lang) ?? createAnalyzer(lang),
    lexicon: (lang) => lexicons.get(lang) ?? emptyLexicon(),
    response(key, lang, vars = {}) {
      const template =
        files.responses.get(lang)?.messages[key] ?? responseFile(options.defaultLanguage)?.messages[key] ?? `[${key}]`;
      return renderTemplate(template, { ...files.clinicVars, ...vars }).trim();
    },
    isMoreRequest(text, lang) {
      const folded = foldWords(text).join(' ');
      if (!folded) return false;
      return [lang, ...languages].some((l) => moreWords.get(l)?.has(folded));
    },
    languageName: (lang) => files.responses.get(lang)?.language_name ?? lang,
    fillClinic,
  };
}

export { RESPONSE_KEYS };
