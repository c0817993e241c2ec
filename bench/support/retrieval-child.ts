/**
 * One corpus size and language per process (a fresh heap: sizes do not disturb each other). Measures the
 * product's index (buildSnapshot → createSearchIndex: EN/ID analysers, lexicon, TermIndex, confidence)
 * against MiniSearch used standalone on the same documents with the same fields, boosts, fuzzy and prefix
 * settings and its default tokenizer.
 */
import MiniSearch, { type Options } from 'minisearch';
import type { Article } from '../../src/knowledge/article.ts';
import { buildSnapshot } from '../../src/knowledge/knowledge-snapshot.ts';
import { loadKnowledgeFiles } from '../../src/knowledge/load-knowledge.ts';
import { FIELD_BOOSTS, QUERY_OPTIONS, SEARCH_FIELDS } from '../../src/knowledge/search-index.ts';
import type { Analyzer } from '../../src/knowledge/text-analysis.ts';
import { serveRpc } from '../lib/procs.ts';
import { median, percentile } from '../lib/stats.ts';
import { STARTER_KB, syntheticArticles } from '../lib/synthetic-kb.ts';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
// Typed arrays' contents live outside the JS heap (arrayBuffers): counted too, or a typed-array index looks free.
const heapMb = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 2 ** 20;
};

interface Doc {
  id: string;
  title: string;
  questions: string;
  summary: string;
  body: string;
}
const toDoc = (a: Article): Doc => ({
  id: a.id,
  title: `${a.title} ${a.topics.join(' ')}`,
  questions: a.questions.join('\n'),
  summary: a.summary,
  body: a.sections.map((s) => `${s.heading}\n${s.markdown}`).join('\n'),
});

/** The product's ranking options (src/knowledge/search-index.ts), in MiniSearch's terms. */
const SEARCH = {
  boost: { ...FIELD_BOOSTS },
  fuzzy: (term: string) => QUERY_OPTIONS.fuzzy(term),
  weights: { ...QUERY_OPTIONS.weights },
  prefix: QUERY_OPTIONS.prefix,
  combineWith: 'OR' as const,
};
const FIELDS = [...SEARCH_FIELDS];

/** A MiniSearch index configured as the product's search (its analyser): the snapshot-load estimate. */
function productOptions(analyzer: Analyzer): Options<Doc> {
  return {
    fields: FIELDS,
    storeFields: [],
    tokenize: (text) => analyzer.analyze(text),
    processTerm: (term) => term,
    searchOptions: { ...SEARCH, tokenize: (text) => analyzer.analyze(text), processTerm: (term) => term },
  };
}

async function measure(message: Record<string, unknown>) {
  const n = Number(message.n);
  const lang = String(message.lang);
  const reps = Number(message.reps ?? 3);
  const files = loadKnowledgeFiles(STARTER_KB);
  const starter = files.articles.filter((a) => a.lang === lang);
  const articles =
    n <= starter.length ? starter.slice(0, n) : [...starter, ...syntheticArticles(n - starter.length, lang)];
  const queries = starter.flatMap((a) => a.questions);
  const docs = articles.map(toDoc);

  // --- build: product vs standalone, heap of each ---
  const h0 = heapMb();
  let t = performance.now();
  const snapshot = buildSnapshot({ ...files, articles }, { languages: [lang], defaultLanguage: lang });
  const productBuildMs = performance.now() - t;
  const productHeapMb = heapMb() - h0;
  const h1 = heapMb();
  t = performance.now();
  const standalone = new MiniSearch<Doc>({ fields: FIELDS, storeFields: [], searchOptions: SEARCH });
  standalone.addAll(docs);
  const standaloneBuildMs = performance.now() - t;
  const standaloneHeapMb = heapMb() - h1;

  // --- per-query latency, interleaved: standalone, product, standalone, … ---
  const pass = (fn: (q: string) => unknown) => {
    const times: number[] = [];
    for (const q of queries) {
      const t0 = performance.now();
      fn(q);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99) };
  };
  const base = [] as { p50: number; p99: number }[];
  const sys = [] as { p50: number; p99: number }[];
  pass((q) => standalone.search(q)); // warm-up
  pass((q) => snapshot.search(q, lang));
  for (let r = 0; r < reps; r++) {
    base.push(pass((q) => standalone.search(q)));
    sys.push(pass((q) => snapshot.search(q, lang)));
  }
  base.push(pass((q) => standalone.search(q)));

  // --- snapshot: what a serialized prebuilt index would give (the product has none yet) ---
  const analyzer = snapshot.analyzer(lang);
  const index = new MiniSearch<Doc>(productOptions(analyzer));
  index.addAll(docs);
  const df = new Map<string, number>();
  for (const d of docs)
    for (const term of new Set(analyzer.analyze(`${d.title}\n${d.questions}\n${d.summary}\n${d.body}`)))
      df.set(term, (df.get(term) ?? 0) + 1);
  const serialized = JSON.stringify({ index, df: [...df] });
  const loads: number[] = [];
  const rebuilds: number[] = [];
  for (let r = 0; r < (n >= 10_000 ? 1 : reps); r++) {
    t = performance.now();
    const parsed = JSON.parse(serialized) as { index: unknown; df: [string, number][] };
    MiniSearch.loadJS(parsed.index as never, productOptions(analyzer));
    new Map(parsed.df);
    loads.push(performance.now() - t);
    t = performance.now();
    buildSnapshot({ ...files, articles }, { languages: [lang], defaultLanguage: lang });
    rebuilds.push(performance.now() - t);
  }
  return {
    n: articles.length,
    lang,
    queries: queries.length,
    productBuildMs,
    standaloneBuildMs,
    productHeapMb,
    standaloneHeapMb,
    productP50: median(sys.map((s) => s.p50)),
    productP99: median(sys.map((s) => s.p99)),
    standaloneP50: median(base.map((s) => s.p50)),
    standaloneP99: median(base.map((s) => s.p99)),
    snapshotLoadMs: median(loads),
    rebuildMs: median(rebuilds),
    snapshotMb: serialized.length / 2 ** 20,
  };
}

serveRpc({ measure, exit: () => void setTimeout(() => process.exit(0), 10) });
process.send?.({ ready: true });
