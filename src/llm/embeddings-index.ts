import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Article } from '../knowledge/article.ts';
import type { KnowledgeSnapshot } from '../knowledge/knowledge-snapshot.ts';
import type { Logger } from '../shared/logger.ts';
import type { LlmClient } from './llm-client.ts';

/**
 * Article embeddings for hybrid retrieval, from the OpenAI-compatible embeddings endpoint, cached on disk by
 * article version (a hash of the article's text): an edited article is embedded again, an unchanged one
 * never is, and a restart costs nothing. Articles are embedded in the background the first time a language
 * is searched; until then (or if the endpoint fails) retrieval is keyword-only, so no patient waits for it.
 */
export interface EmbeddingIndex {
  readonly model: string;
  /**
   * Articles of `lang` by cosine similarity to the query, or undefined while the language is not indexed
   * yet (indexing then starts in the background). `embedQuery` goes through the turn's metered client.
   */
  search(
    query: string,
    lang: string,
    kb: KnowledgeSnapshot,
    embedQuery: (text: string) => Promise<number[]>,
  ): Promise<{ articleId: string; similarity: number }[] | undefined>;
  /** Embeds every article of the snapshot that is not cached yet (also used by the background indexing). */
  indexAll(kb: KnowledgeSnapshot): Promise<number>;
}

interface CacheFile {
  model: string;
  vectors: Record<string, number[]>;
}

const BATCH = 64;
const INDEX_BUDGET_MS = 60_000;

/** What is embedded for an article: what it is about, not all its details. */
export function articleEmbeddingText(kb: KnowledgeSnapshot, article: Article): string {
  return [kb.fillClinic(article.title), article.questions.join('; '), kb.fillClinic(article.summary)].join('\n');
}

export function articleVersion(article: Article): string {
  const content = JSON.stringify([article.id, article.lang, article.title, article.questions, article.summary]);
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export function createEmbeddingIndex(options: { llm: LlmClient; cacheDir: string; logger: Logger }): EmbeddingIndex {
  const { llm, cacheDir, logger } = options;
  const model = llm.embeddingModel ?? '';
  const file = join(cacheDir, `${model.replace(/[^\w.-]+/g, '_')}.json`);
  const key = (article: Article) => `${article.lang}/${article.id}@${articleVersion(article)}`;
  let cache: CacheFile = { model, vectors: {} };
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (stored.model === model && stored.vectors) cache = stored;
  } catch {
    // No cache yet (or unreadable): articles are embedded again.
  }
  let indexing: Promise<number> | undefined;

  const save = (kb: KnowledgeSnapshot) => {
    const live = new Set(kb.articles().map(key));
    const vectors = Object.fromEntries(Object.entries(cache.vectors).filter(([k]) => live.has(k)));
    cache = { model, vectors };
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, file);
  };

  const indexAll = async (kb: KnowledgeSnapshot) => {
    const missing = kb.articles().filter((a) => !cache.vectors[key(a)]);
    for (let i = 0; i < missing.length; i += BATCH) {
      const batch = missing.slice(i, i + BATCH);
      const { vectors } = await llm.embed(
        batch.map((a) => articleEmbeddingText(kb, a)),
        { budgetMs: INDEX_BUDGET_MS },
      );
      batch.forEach((article, j) => {
        const vector = vectors[j];
        if (vector) cache.vectors[key(article)] = vector;
      });
    }
    if (missing.length) save(kb);
    return missing.length;
  };

  return {
    model,
    indexAll,
    async search(query, lang, kb, embedQuery) {
      const articles = kb.articles(lang);
      if (articles.some((a) => !cache.vectors[key(a)])) {
        if (!indexing)
          indexing = indexAll(kb)
            .then((n) => {
              logger.info({ articles: n, model }, 'article embeddings indexed');
              return n;
            })
            .catch((error) => {
              logger.warn({ err: (error as Error).message, model }, 'article embeddings failed: keyword search only');
              return 0;
            })
            .finally(() => {
              indexing = undefined;
            });
        return undefined;
      }
      const vector = await embedQuery(query);
      return articles
        .map((a) => ({ articleId: a.id, similarity: cosine(vector, cache.vectors[key(a)] ?? []) }))
        .sort((a, b) => b.similarity - a.similarity);
    },
  };
}
