import type { Article } from '../knowledge/article.ts';
import type { KnowledgeSnapshot } from '../knowledge/knowledge-snapshot.ts';
import type { EmbeddingIndex } from './embeddings-index.ts';

/** One retrieved article as the model sees it: its reviewed text, cut to what bears on the question. */
export interface Passage {
  id: string;
  lang: string;
  title: string;
  text: string;
}

export interface RetrievedArticle {
  articleId: string;
  lang: string;
  /** Keyword (BM25) score and confidence from the same index the retrieval answer uses; 0 if only embeddings found it. */
  score: number;
  confidence: number;
  similarity?: number;
}

export interface Retrieval {
  articles: RetrievedArticle[];
  passages: Passage[];
  hybrid: boolean;
}

export interface RetrieveOptions {
  kb: KnowledgeSnapshot;
  query: string;
  lang: string;
  languages: string[];
  /** Keyword confidence below which an article is not worth showing the model (unless embeddings found it). */
  minConfidence: number;
  limit?: number;
  maxCharsPerArticle?: number;
  embeddings?: {
    index: EmbeddingIndex;
    embedQuery: (text: string) => Promise<number[]>;
    /** Cosine similarity from which an embeddings-only hit counts. */
    minSimilarity?: number;
  };
}

const RRF_K = 60;

/**
 * Step 2 of the pipeline: the same keyword index as the retrieval answer (in the reply language, then the
 * others when nothing fits — as the answer step does), fused by reciprocal rank with embedding similarity
 * when an embeddings model is configured. Returns the top articles and their passages.
 */
export async function retrieve(options: RetrieveOptions): Promise<Retrieval> {
  const { kb, query, lang, languages, minConfidence, limit = 3, maxCharsPerArticle = 2400 } = options;
  if (!query.trim()) return { articles: [], passages: [], hybrid: false };
  let searchLang = lang;
  let hits = kb.search(query, lang, 8);
  if ((hits[0]?.confidence ?? 0) < minConfidence) {
    for (const other of languages.filter((l) => l !== lang)) {
      const found = kb.search(query, other, 8);
      if ((found[0]?.confidence ?? 0) > (hits[0]?.confidence ?? 0)) {
        hits = found;
        searchLang = other;
      }
    }
  }
  const fused = new Map<string, { rrf: number; article: RetrievedArticle }>();
  hits.forEach((hit, rank) => {
    if (hit.confidence < minConfidence) return;
    fused.set(hit.articleId, {
      rrf: 1 / (RRF_K + rank),
      article: { articleId: hit.articleId, lang: searchLang, score: hit.score, confidence: hit.confidence },
    });
  });

  let hybrid = false;
  if (options.embeddings) {
    const similar = await options.embeddings.index
      .search(query, searchLang, kb, options.embeddings.embedQuery)
      .catch(() => undefined);
    if (similar) {
      hybrid = true;
      const minSimilarity = options.embeddings.minSimilarity ?? 0.3;
      similar.slice(0, 8).forEach((s, rank) => {
        if (s.similarity < minSimilarity) return;
        const entry = fused.get(s.articleId) ?? {
          rrf: 0,
          article: { articleId: s.articleId, lang: searchLang, score: 0, confidence: 0 },
        };
        entry.rrf += 1 / (RRF_K + rank);
        entry.article.similarity = Math.round(s.similarity * 1000) / 1000;
        fused.set(s.articleId, entry);
      });
    }
  }

  const articles = [...fused.values()]
    .sort((a, b) => b.rrf - a.rrf)
    .slice(0, limit)
    .map((e) => e.article);
  const passages = articles.flatMap((hit) => {
    const article =
      kb.article(hit.articleId, hit.lang) ?? kb.article(hit.articleId, kb.translations(hit.articleId)[0] ?? '');
    return article ? [toPassage(kb, article, query, maxCharsPerArticle)] : [];
  });
  return { articles, passages, hybrid };
}

/**
 * The summary always, then the sections that share the most words with the question, in article order,
 * until the character budget is spent (articles are short; this keeps prompts small and focused).
 */
export function toPassage(kb: KnowledgeSnapshot, article: Article, query: string, maxChars: number): Passage {
  const analyzer = kb.analyzer(article.lang);
  const wanted = new Set(analyzer.analyze(query));
  const summary = kb.fillClinic(article.summary).trim();
  const sections = article.sections.map((s, index) => {
    const text = `${s.heading ? `${kb.fillClinic(s.heading)}: ` : ''}${kb.fillClinic(s.markdown)}`.trim();
    const overlap = analyzer.analyze(text).filter((t) => wanted.has(t)).length;
    return { index, text, overlap };
  });
  const chosen: typeof sections = [];
  let used = summary.length;
  for (const section of [...sections].sort((a, b) => b.overlap - a.overlap || a.index - b.index)) {
    if (used + section.text.length + 2 > maxChars) continue;
    chosen.push(section);
    used += section.text.length + 2;
  }
  chosen.sort((a, b) => a.index - b.index);
  return {
    id: article.id,
    lang: article.lang,
    title: kb.fillClinic(article.title),
    text: [summary, ...chosen.map((s) => s.text)].join('\n\n'),
  };
}
