import type { KnowledgeSnapshot } from './knowledge-snapshot.ts';

export interface QuestionResult {
  lang: string;
  articleId: string;
  question: string;
  /** What search put first (undefined: nothing found). */
  top?: string;
  rank: number | undefined;
  confidence: number;
  passed: boolean;
}

export interface KbTestReport {
  results: QuestionResult[];
  byLanguage: { lang: string; total: number; passed: number; rate: number }[];
}

/**
 * Every `questions` entry must retrieve its own article first, with enough confidence that the bot
 * would answer it (not hand it off).
 */
export function runKbTest(kb: KnowledgeSnapshot, minConfidence: number, langs?: string[]): KbTestReport {
  const results: QuestionResult[] = [];
  for (const article of kb.articles()) {
    if (langs && !langs.includes(article.lang)) continue;
    for (const question of article.questions) {
      const hits = kb.search(question, article.lang, 5);
      const index = hits.findIndex((h) => h.articleId === article.id);
      const top = hits[0];
      results.push({
        lang: article.lang,
        articleId: article.id,
        question,
        top: top?.articleId,
        rank: index >= 0 ? index + 1 : undefined,
        confidence: top?.confidence ?? 0,
        passed: top?.articleId === article.id && top.confidence >= minConfidence,
      });
    }
  }
  const langSet = [...new Set(results.map((r) => r.lang))].sort();
  const byLanguage = langSet.map((lang) => {
    const mine = results.filter((r) => r.lang === lang);
    const passed = mine.filter((r) => r.passed).length;
    return { lang, total: mine.length, passed, rate: mine.length ? passed / mine.length : 1 };
  });
  return { results, byLanguage };
}
