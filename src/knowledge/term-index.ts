import SearchableMap from 'minisearch/SearchableMap';
import {
  type ExactPostings,
  type FieldPostings,
  fieldCollector,
  hasPosting,
  toExactPostings,
  toFieldPostings,
} from './term-postings.ts';

/**
 * A read-only inverted index that ranks exactly as MiniSearch 7 does (BM25+, field boosts, prefix and fuzzy
 * expansion, OR combination, score × number of matched query words), built for speed at 10k+ articles.
 *
 * Why not MiniSearch itself: its search builds a Map entry, a `terms` array and a `match` object for every
 * matching document of every query word, then sorts them all. A common word ("fever") is in almost every
 * article, so a query took 10–60 ms at 10k articles. Here postings are typed arrays with precomputed scores,
 * scores accumulate in reused dense arrays, and only the `limit` best documents are picked.
 *
 * Scores are bit-for-bit MiniSearch's (same formula, same order of operations; the vocabulary is MiniSearch's
 * own radix tree filled in the same order, so prefix and fuzzy expansions come out in the same order), so
 * rankings, ties included, and confidences are unchanged: tests/unit/knowledge/term-index.test.ts checks it.
 */

export interface QueryOptions {
  /** Boost per field, in field order. */
  boosts: readonly number[];
  /** Maximum edit distance for a query word, or false for none. */
  fuzzy: (term: string) => number | false;
  /** Whether to expand a query word to the longer words it starts. */
  prefix: (term: string, i: number, terms: string[]) => boolean;
  weights: { fuzzy: number; prefix: number };
}

export interface TermHit {
  /** Position of the document in the build order. */
  doc: number;
  score: number;
  /** The distinct query words that matched the document, exactly or approximately. */
  queryTerms: string[];
}

const EXPANSION_MEMO_SIZE = 20_000;

export class TermIndex {
  /** Scratch space reused by every search (searches are synchronous, so never shared). */
  private readonly total: Float64Array;
  private readonly quality: Uint16Array;
  private readonly seen: Uint32Array;
  private readonly touched: Int32Array;
  private readonly termScore: Float64Array;
  private readonly termSeen: Uint32Array;
  private readonly termTouched: Int32Array;
  private touchedCount = 0;
  private stamp = 0;

  private constructor(
    private readonly vocabulary: SearchableMap<number>,
    private readonly fields: FieldPostings[],
    private readonly exact: ExactPostings,
    private readonly options: QueryOptions,
    readonly size: number,
  ) {
    this.total = new Float64Array(size);
    this.quality = new Uint16Array(size);
    this.seen = new Uint32Array(size);
    this.touched = new Int32Array(size);
    this.termScore = new Float64Array(size);
    this.termSeen = new Uint32Array(size);
    this.termTouched = new Int32Array(size);
  }

  /** Indexes documents given as their analysed terms, one array per field, in field order. */
  static build(docs: Iterable<string[][]>, fieldCount: number, options: QueryOptions): TermIndex {
    const vocabulary = new SearchableMap<number>();
    let termCount = 0;
    const collectors = Array.from({ length: fieldCount }, fieldCollector);
    let n = 0;
    for (const doc of docs) {
      for (let f = 0; f < fieldCount; f++) {
        const tokens = doc[f] ?? [];
        const field = collectors[f]!;
        const length = new Set(tokens).size;
        field.lengths.push(length);
        field.average = (field.average * n + length) / (n + 1);
        const counts = new Map<string, number>();
        for (const token of tokens) if (token) counts.set(token, (counts.get(token) ?? 0) + 1);
        for (const [term, tf] of counts) {
          // First occurrences in MiniSearch's order, so the radix tree takes the same shape as its index.
          let id = vocabulary.get(term);
          if (id === undefined) {
            id = termCount++;
            vocabulary.set(term, id);
          }
          field.terms.push(id);
          field.docs.push(n);
          field.tfs.push(tf);
        }
      }
      n++;
    }
    const fields = collectors.map((c) => toFieldPostings(c, termCount, n));
    const exact = toExactPostings(fields, options.boosts, termCount, n);
    return new TermIndex(vocabulary, fields, exact, options, n);
  }

  /** Whether the document contains this exact term in any field. */
  contains(term: string, doc: number): boolean {
    const id = this.vocabulary.get(term);
    return id !== undefined && this.fields.some((field) => hasPosting(field, id, doc));
  }

  /** The `limit` best documents for the analysed query words, as MiniSearch's `search(…).slice(0, limit)`. */
  search(terms: string[], limit: number): TermHit[] {
    const stamp = this.nextStamps(terms.length + 1);
    this.touchedCount = 0;
    const occurrences = new Map<string, number>();
    for (const term of terms) occurrences.set(term, (occurrences.get(term) ?? 0) + 1);
    // Per distinct query word: its expansions (term ids) and, if it is repeated, the documents it counted in.
    const expansionsOf = new Map<string, Set<number>>();
    const counted = new Map<string, Uint8Array>();
    for (let i = 0; i < terms.length; i++) {
      const term = terms[i]!;
      const [exactId, expansions] = this.expand(term, i, terms);
      const ids = expansionsOf.get(term) ?? new Set<number>();
      expansionsOf.set(term, ids);
      if (exactId !== undefined) ids.add(exactId);
      for (const id of expansions.keys()) ids.add(id);
      // A repeated word adds its score again but counts once in the number of matched words.
      let once: Uint8Array | undefined;
      if ((occurrences.get(term) ?? 0) > 1) {
        once = counted.get(term) ?? new Uint8Array(this.size);
        counted.set(term, once);
      }
      if (expansions.size === 0) {
        if (exactId !== undefined) this.addExact(exactId, stamp, once);
        continue;
      }
      // With expansions, the word's scores are summed apart first, then added: MiniSearch's OR combination.
      const termStamp = stamp + 1 + i;
      let count = exactId === undefined ? 0 : this.startWithExact(exactId, termStamp);
      for (const [id, weight] of expansions)
        for (let f = 0; f < this.fields.length; f++)
          count = this.addExpansion(this.fields[f]!, id, weight * (this.options.boosts[f] ?? 1), termStamp, count);
      this.mergeTerm(count, stamp, once);
    }
    return this.top(limit).map(({ doc, score }) => ({
      doc,
      score,
      queryTerms: [...expansionsOf]
        .filter(([, ids]) => [...ids].some((id) => this.fields.some((field) => hasPosting(field, id, doc))))
        .map(([term]) => term),
    }));
  }

  /** Adds a document's score for one query word to its total (first time: starts its total). */
  private addToTotal(doc: number, score: number, stamp: number, once: Uint8Array | undefined) {
    if (this.seen[doc] === stamp) this.total[doc] = this.total[doc]! + score;
    else {
      this.seen[doc] = stamp;
      this.total[doc] = score;
      this.quality[doc] = 0;
      this.touched[this.touchedCount++] = doc;
    }
    if (!once) this.quality[doc] = this.quality[doc]! + 1;
    else if (!once[doc]) {
      once[doc] = 1;
      this.quality[doc] = this.quality[doc]! + 1;
    }
  }

  /** A query word without expansions: each document's exact-match score, straight into the totals. */
  private addExact(id: number, stamp: number, once: Uint8Array | undefined) {
    const { docs, scores, offsets } = this.exact;
    const end = offsets[id + 1]!;
    for (let p = offsets[id]!; p < end; p++) this.addToTotal(docs[p]!, scores[p]!, stamp, once);
  }

  /** Starts the current word's scores with its exact matches; returns how many documents they touched. */
  private startWithExact(id: number, termStamp: number): number {
    const { docs, scores, offsets } = this.exact;
    let count = 0;
    const end = offsets[id + 1]!;
    for (let p = offsets[id]!; p < end; p++) {
      const doc = docs[p]!;
      this.termSeen[doc] = termStamp;
      this.termScore[doc] = scores[p]!;
      this.termTouched[count++] = doc;
    }
    return count;
  }

  /**
   * Adds one expansion's postings in one field to the current word's scores; returns the new count of
   * documents touched. MiniSearch's weight: termWeight · termBoost (1) · fieldBoost · docBoost (1) · BM25,
   * multiplied left to right, hence `multiplier` (termWeight · fieldBoost) first.
   */
  private addExpansion(field: FieldPostings, id: number, multiplier: number, termStamp: number, count: number) {
    const { docs, scores } = field;
    const { termSeen, termScore, termTouched } = this;
    const end = field.offsets[id + 1]!;
    for (let p = field.offsets[id]!; p < end; p++) {
      const doc = docs[p]!;
      const score = multiplier * scores[p]!;
      if (termSeen[doc] === termStamp) termScore[doc] = termScore[doc]! + score;
      else {
        termSeen[doc] = termStamp;
        termScore[doc] = score;
        termTouched[count++] = doc;
      }
    }
    return count;
  }

  private mergeTerm(count: number, stamp: number, once: Uint8Array | undefined) {
    for (let t = 0; t < count; t++) {
      const doc = this.termTouched[t]!;
      this.addToTotal(doc, this.termScore[doc]!, stamp, once);
    }
  }

  /** The query word's exact term id, and its prefix and fuzzy expansions with their weights (MiniSearch's). */
  /**
   * A query word's expansions, remembered: walking the vocabulary tree for fuzzy matches is the biggest
   * part of a query, and patients' words repeat a lot. The index never changes (a reload builds a new one),
   * so an entry never goes stale; the memo is emptied when it gets big.
   */
  private readonly expansionMemo = new Map<string, [number | undefined, Map<number, number>]>();

  private expand(term: string, i: number, terms: string[]): [number | undefined, Map<number, number>] {
    const prefix = this.options.prefix(term, i, terms);
    const key = `${prefix ? 'p' : 'f'}:${term}`;
    let found = this.expansionMemo.get(key);
    if (found === undefined) {
      if (this.expansionMemo.size >= EXPANSION_MEMO_SIZE) this.expansionMemo.clear();
      found = this.computeExpansions(term, prefix);
      this.expansionMemo.set(key, found);
    }
    return found;
  }

  private computeExpansions(term: string, prefix: boolean): [number | undefined, Map<number, number>] {
    const { weights } = this.options;
    const out = new Map<number, number>();
    const prefixed = new Set<string>();
    if (prefix) {
      for (const [word, id] of this.vocabulary.atPrefix(term)) {
        const distance = word.length - term.length;
        if (!distance) continue;
        prefixed.add(word);
        out.set(id, (weights.prefix * word.length) / (word.length + 0.3 * distance));
      }
    }
    const maxDistance = this.options.fuzzy(term);
    if (maxDistance) {
      for (const [word, [id, distance]] of this.vocabulary.fuzzyGet(term, maxDistance)) {
        if (!distance || prefixed.has(word)) continue;
        out.set(id, (weights.fuzzy * word.length) / (word.length + distance));
      }
    }
    return [this.vocabulary.get(term), out];
  }

  /** The `limit` best totals × matched words, ties in first-matched order (MiniSearch's stable sort). */
  private top(limit: number): { doc: number; score: number }[] {
    const best: { doc: number; score: number }[] = [];
    if (limit <= 0) return best;
    let floor = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < this.touchedCount; t++) {
      const doc = this.touched[t]!;
      const score = this.total[doc]! * this.quality[doc]!;
      if (best.length === limit && !(score > floor)) continue;
      let at = best.length;
      while (at > 0 && score > best[at - 1]!.score) at--;
      best.splice(at, 0, { doc, score });
      if (best.length > limit) best.pop();
      if (best.length === limit) floor = best[limit - 1]!.score;
    }
    return best;
  }

  /** Reserves `count` consecutive stamps: marks in the scratch arrays that need no clearing between searches. */
  private nextStamps(count: number): number {
    if (this.stamp + count >= 0xffffffff) {
      this.stamp = 0;
      this.seen.fill(0);
      this.termSeen.fill(0);
    }
    const first = this.stamp + 1;
    this.stamp += count;
    return first;
  }
}
