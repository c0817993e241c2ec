import type { Article } from './article.ts';
import { type QueryOptions, TermIndex } from './term-index.ts';
import type { Analyzer } from './text-analysis.ts';

export interface SearchHit {
  articleId: string;
  /** Raw BM25 score from the index (comparable only within one query). */
  score: number;
  /** 0..1, comparable across queries: see toConfidence. */
  confidence: number;
}

/** The KnowledgeIndex port: full-text retrieval over one language's articles. */
export interface KnowledgeIndex {
  search(query: string, lang: string, limit?: number): SearchHit[];
  languages(): string[];
}

interface IndexedDoc {
  id: string;
  title: string;
  questions: string;
  summary: string;
  body: string;
}

/** Field boosts, in the order the issue asks: title, questions, summary, body. */
export const FIELD_BOOSTS = { title: 3, questions: 2.5, summary: 1.5, body: 1 } as const;

/**
 * Score scale at which a match counts as strong. BM25 grows with the number of matched terms and their
 * rarity; a query that matches two distinctive words of one article scores about this much.
 */
const STRONG_SCORE = 12;
const UNKNOWN_TERM_FACTOR = 2;
const FUZZY_CREDIT = 0.5;

/**
 * Maps a BM25 score and the weighted share of the query's words that matched to a 0..1 confidence.
 * `coverage` weighs each query word by its rarity in the knowledge base: a word no article contains
 * ("rabies") weighs the most, so "how to prevent rabies from dog bites" does not ride on "prevent" and
 * "bites" into the dengue article.
 */
export function toConfidence(score: number, coverage: number): number {
  if (coverage <= 0) return 0;
  const strength = 1 - Math.exp(-score / STRONG_SCORE);
  return Math.round(coverage * strength * 1000) / 1000;
}

/** Field order of the index; FIELD_BOOSTS in the same order. */
export const SEARCH_FIELDS = ['title', 'questions', 'summary', 'body'] as const;

/**
 * Ranking options (MiniSearch's vocabulary: the bench compares with MiniSearch configured the same way).
 * Typos: allow one edit in words of 5+ letters (two in 9+), weighted below exact matches; the last word of
 * a message may also be the start of a longer one.
 */
export const QUERY_OPTIONS: QueryOptions = {
  boosts: SEARCH_FIELDS.map((f) => FIELD_BOOSTS[f]),
  fuzzy: (term) => (term.length >= 9 ? 2 : term.length >= 5 ? 1 : false),
  weights: { fuzzy: 0.35, prefix: 0.25 },
  prefix: (term, i, terms) => i === terms.length - 1 && term.length >= 4,
};

export function createSearchIndex(articles: Article[], analyzers: Map<string, Analyzer>): KnowledgeIndex {
  const byLang = new Map<
    string,
    { index: TermIndex; ids: string[]; analyzer: Analyzer; df: Map<string, number>; size: number }
  >();
  for (const [lang, analyzer] of analyzers) {
    const docs: IndexedDoc[] = articles
      .filter((a) => a.lang === lang)
      .map((a) => ({
        id: a.id,
        title: `${a.title} ${a.topics.join(' ')}`,
        questions: a.questions.join('\n'),
        summary: a.summary,
        body: a.sections.map((s) => `${s.heading}\n${s.markdown}`).join('\n'),
      }));
    const index = TermIndex.build(
      docs.map((doc) => SEARCH_FIELDS.map((field) => analyzer.analyze(doc[field]))),
      SEARCH_FIELDS.length,
      QUERY_OPTIONS,
    );
    // Document frequency of each term, for the rarity weights of toConfidence.
    const df = new Map<string, number>();
    for (const doc of docs) {
      for (const term of new Set(analyzer.analyze(`${doc.title}\n${doc.questions}\n${doc.summary}\n${doc.body}`)))
        df.set(term, (df.get(term) ?? 0) + 1);
    }
    byLang.set(lang, { index, ids: docs.map((d) => d.id), analyzer, df, size: docs.length });
  }

  return {
    languages: () => [...byLang.keys()],
    search(query, lang, limit = 5) {
      const entry = byLang.get(lang);
      if (!entry) return [];
      const terms = entry.analyzer.analyze(query).filter(Boolean);
      const queryTerms = [...new Set(terms)];
      if (queryTerms.length === 0) return [];
      const weight = (term: string) => {
        const df = entry.df.get(term);
        // A word no article contains names something the knowledge base does not cover: weigh it double.
        return df ? Math.log(1 + entry.size / (df + 0.5)) : UNKNOWN_TERM_FACTOR * Math.log(1 + entry.size / 0.5);
      };
      const total = queryTerms.reduce((sum, t) => sum + weight(t), 0);
      return entry.index.search(terms, limit).map((r) => {
        const matched = new Set(r.queryTerms);
        // A word matched only approximately (typo tolerance, prefix) counts half: "bandung" ≈ "banding".
        const credit = (t: string) => (entry.index.contains(t, r.doc) ? 1 : matched.has(t) ? FUZZY_CREDIT : 0);
        const coverage = queryTerms.reduce((sum, t) => sum + credit(t) * weight(t), 0) / total;
        return {
          articleId: entry.ids[r.doc] as string,
          score: Math.round(r.score * 1000) / 1000,
          confidence: toConfidence(r.score, coverage),
        };
      });
    },
  };
}
