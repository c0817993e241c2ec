import type { Analyzer } from './text-analysis.ts';

export interface GapCluster {
  lang: string;
  count: number;
  /** The most common wording first. */
  examples: string[];
  /** Search terms the cluster shares: a hint for the new article's title and questions. */
  terms: string[];
  /** The article search liked best (below the answer threshold), if any. */
  nearestArticle?: string;
}

interface Question {
  lang: string;
  text: string;
  bestArticleId: string | null;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const t of a) if (b.has(t)) shared += 1;
  return shared / (a.size + b.size - shared || 1);
}

/**
 * Groups unanswered questions that ask the same thing (by shared search terms after slang, synonyms and
 * stemming), so editors see "23 × how to prevent rabies" instead of 23 lines. Greedy and deterministic.
 */
export function clusterGaps(
  questions: Question[],
  analyzer: (lang: string) => Analyzer,
  minSimilarity = 0.5,
): GapCluster[] {
  const clusters: { lang: string; terms: Set<string>; texts: string[]; articles: (string | null)[] }[] = [];
  for (const q of questions) {
    const terms = new Set(analyzer(q.lang).analyze(q.text));
    if (terms.size === 0) continue;
    const home = clusters.find((c) => c.lang === q.lang && jaccard(c.terms, terms) >= minSimilarity);
    if (home) {
      home.texts.push(q.text);
      home.articles.push(q.bestArticleId);
      for (const t of [...home.terms]) if (!terms.has(t) && home.texts.length > 2) home.terms.delete(t);
    } else clusters.push({ lang: q.lang, terms, texts: [q.text], articles: [q.bestArticleId] });
  }
  const mostCommon = <T>(items: T[]): T | undefined => {
    const counts = new Map<T, number>();
    for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  };
  return clusters
    .map((c) => {
      const byFrequency = [...new Set(c.texts)].sort(
        (a, b) => c.texts.filter((t) => t === b).length - c.texts.filter((t) => t === a).length,
      );
      const nearest = mostCommon(c.articles.filter((a): a is string => a !== null));
      return {
        lang: c.lang,
        count: c.texts.length,
        examples: byFrequency.slice(0, 3),
        terms: [...c.terms],
        ...(nearest && { nearestArticle: nearest }),
      };
    })
    .sort((a, b) => b.count - a.count);
}
