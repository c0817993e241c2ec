import { readFileSync } from 'node:fs';
import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import type { Article } from '../../../src/knowledge/article.ts';
import { buildLexicon } from '../../../src/knowledge/lexicon.ts';
import { loadKnowledgeFiles } from '../../../src/knowledge/load-knowledge.ts';
import { FIELD_BOOSTS, QUERY_OPTIONS, SEARCH_FIELDS } from '../../../src/knowledge/search-index.ts';
import { TermIndex } from '../../../src/knowledge/term-index.ts';
import { type Analyzer, createAnalyzer, foldWords } from '../../../src/knowledge/text-analysis.ts';

/**
 * The TermIndex replaced MiniSearch's search for speed; rankings and confidences must not move. It is
 * compared here with MiniSearch configured as the product used to configure it, score for score.
 */
const files = loadKnowledgeFiles('knowledge');
const paraphrases = readFileSync('tests/fixtures/kb-paraphrases.jsonl', 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { lang: string; text: string });

type Doc = Record<(typeof SEARCH_FIELDS)[number], string> & { id: string };
const toDoc = (a: Article): Doc => ({
  id: a.id,
  title: `${a.title} ${a.topics.join(' ')}`,
  questions: a.questions.join('\n'),
  summary: a.summary,
  body: a.sections.map((s) => `${s.heading}\n${s.markdown}`).join('\n'),
});

/** More articles than the starter KB, sharing its words, so common words and near-ties occur. */
function variants(articles: Article[]): Article[] {
  return articles.flatMap((a, i) => [
    { ...a, id: `${a.id}-copy` }, // identical scores: ties must keep MiniSearch's order
    { ...a, id: `${a.id}-short`, sections: a.sections.slice(0, 1), questions: a.questions.slice(i % 3) },
  ]);
}

function both(lang: string) {
  const analyzer: Analyzer = createAnalyzer(lang, buildLexicon(files.lexicons.get(lang) ?? [], foldWords));
  const starter = files.articles.filter((a) => a.lang === lang);
  const docs = [...starter, ...variants(starter)].map(toDoc);
  const miniSearch = new MiniSearch<Doc>({
    fields: [...SEARCH_FIELDS],
    storeFields: [],
    tokenize: (text) => analyzer.analyze(text),
    processTerm: (term) => term,
    searchOptions: {
      boost: { ...FIELD_BOOSTS },
      fuzzy: (term) => QUERY_OPTIONS.fuzzy(term),
      prefix: QUERY_OPTIONS.prefix,
      weights: QUERY_OPTIONS.weights,
      combineWith: 'OR',
    },
  });
  miniSearch.addAll(docs);
  const index = TermIndex.build(
    docs.map((d) => SEARCH_FIELDS.map((f) => analyzer.analyze(d[f]))),
    SEARCH_FIELDS.length,
    QUERY_OPTIONS,
  );
  const queries = [
    ...starter.flatMap((a) => a.questions),
    ...paraphrases.filter((p) => p.lang === lang).map((p) => p.text),
    // repeated words, typos, a last word cut short, words no article has
    'fever fever child fever',
    'fevr in my chlid',
    'vaccine schedule for bab',
    'diarrhoea diarrhoea diar',
    'how to prevent rabies from dog bites',
    'demam berdarah dengue demam',
    'imunisasi anak umur brp bul',
    'xyzzy',
  ];
  return { analyzer, docs, miniSearch, index, queries };
}

describe('TermIndex ranks exactly as MiniSearch did', () => {
  it.each(['en', 'id'])('same documents, order, scores and matched words (%s)', (lang) => {
    const { analyzer, docs, miniSearch, index, queries } = both(lang);
    for (const query of queries) {
      const expected = miniSearch.search(query).slice(0, 10);
      const actual = index.search(analyzer.analyze(query), 10);
      expect(
        actual.map((h) => docs[h.doc]?.id),
        query,
      ).toEqual(expected.map((r) => r.id));
      expect(
        actual.map((h) => h.score),
        query,
      ).toEqual(expected.map((r) => r.score));
      actual.forEach((hit, i) => {
        const r = expected[i]!;
        expect(new Set(hit.queryTerms), query).toEqual(new Set(r.queryTerms));
        for (const term of new Set(analyzer.analyze(query)))
          expect(index.contains(term, hit.doc), `${query}: ${term}`).toBe(r.terms.includes(term));
      });
    }
  });

  it('gives the same answers when a query word’s expansions come from its memo', () => {
    const { analyzer, index, queries } = both('id');
    const first = queries.map((q) => index.search(analyzer.analyze(q), 10));
    const again = queries.map((q) => index.search(analyzer.analyze(q), 10));
    expect(again).toEqual(first);
  });

  it('returns nothing for no words, no limit or an empty index', () => {
    const { analyzer, index } = both('en');
    expect(index.search([], 5)).toEqual([]);
    expect(index.search(analyzer.analyze('fever'), 0)).toEqual([]);
    expect(TermIndex.build([], SEARCH_FIELDS.length, QUERY_OPTIONS).search(['fever'], 5)).toEqual([]);
  });
});
