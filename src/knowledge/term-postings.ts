/**
 * Posting lists of the TermIndex (term-index.ts), in typed arrays grouped by term (CSR): term t's postings
 * are at offsets[t] … offsets[t+1]. Scores are computed once, at build, with MiniSearch 7's BM25+ formula
 * and operation order, so every sum a query makes is bit-for-bit the one MiniSearch would make.
 */

/** MiniSearch's default BM25+ parameters. */
const K = 1.2;
const B = 0.7;
const D = 0.5;

/** One field's postings: documents in ascending order, each with its BM25 score (before boosts). */
export interface FieldPostings {
  offsets: Int32Array;
  docs: Int32Array;
  scores: Float64Array;
}

/**
 * Each term's documents over all fields, with the boosted scores summed as MiniSearch sums an exact match
 * (field by field), in the order MiniSearch first meets them (documents of the first field, then new ones of
 * the next …): an exact query word is then one pass over one list.
 */
export type ExactPostings = FieldPostings;

/** A growable Int32Array: the postings of 10k articles are millions of numbers, too many for plain arrays. */
export class IntList {
  buf = new Int32Array(1024);
  length = 0;
  push(value: number) {
    if (this.length === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = value;
  }
}

/** What indexing collected for one field: (term, doc, term frequency) triples in document order. */
export interface FieldCollector {
  terms: IntList;
  docs: IntList;
  tfs: IntList;
  /** Each document's field length: MiniSearch counts distinct tokens. */
  lengths: IntList;
  /** MiniSearch's running average of the field length. */
  average: number;
}

export function fieldCollector(): FieldCollector {
  return { terms: new IntList(), docs: new IntList(), tfs: new IntList(), lengths: new IntList(), average: 0 };
}

export function toFieldPostings(c: FieldCollector, termCount: number, n: number): FieldPostings {
  // Counting sort by term; documents stay in ascending order within a term.
  const offsets = new Int32Array(termCount + 1);
  for (let i = 0; i < c.terms.length; i++) offsets[c.terms.buf[i]! + 1]!++;
  for (let t = 0; t < termCount; t++) offsets[t + 1]! += offsets[t]!;
  const idf = new Float64Array(termCount);
  for (let t = 0; t < termCount; t++) {
    const df = offsets[t + 1]! - offsets[t]!;
    idf[t] = Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }
  // k·(1 − b + b·length/average) of each document.
  const norm = new Float64Array(n);
  for (let d = 0; d < n; d++) norm[d] = K * (1 - B + (B * c.lengths.buf[d]!) / c.average);
  const next = offsets.slice(0, termCount);
  const docs = new Int32Array(c.terms.length);
  const scores = new Float64Array(c.terms.length);
  for (let i = 0; i < c.terms.length; i++) {
    const term = c.terms.buf[i]!;
    const doc = c.docs.buf[i]!;
    const tf = c.tfs.buf[i]!;
    const at = next[term]!++;
    docs[at] = doc;
    scores[at] = idf[term]! * (D + (tf * (K + 1)) / (tf + norm[doc]!));
  }
  return { offsets, docs, scores };
}

export function toExactPostings(
  fields: FieldPostings[],
  boosts: readonly number[],
  termCount: number,
  n: number,
): ExactPostings {
  const offsets = new Int32Array(termCount + 1);
  const docs = new IntList();
  const scores: number[] = [];
  const seen = new Int32Array(n).fill(-1);
  const sum = new Float64Array(n);
  const order: number[] = [];
  for (let t = 0; t < termCount; t++) {
    order.length = 0;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      const boost = boosts[f] ?? 1;
      for (let p = field.offsets[t]!; p < field.offsets[t + 1]!; p++) {
        const doc = field.docs[p]!;
        // MiniSearch: termWeight (1) · termBoost (1) · fieldBoost · docBoost (1) · BM25.
        const score = boost * field.scores[p]!;
        if (seen[doc] === t) sum[doc] = sum[doc]! + score;
        else {
          seen[doc] = t;
          sum[doc] = score;
          order.push(doc);
        }
      }
    }
    for (const doc of order) {
      docs.push(doc);
      scores.push(sum[doc]!);
    }
    offsets[t + 1] = docs.length;
  }
  return { offsets, docs: docs.buf.slice(0, docs.length), scores: Float64Array.from(scores) };
}

/** Whether the posting list of term `id` holds `doc` (its documents are in ascending order). */
export function hasPosting(field: FieldPostings, id: number, doc: number): boolean {
  let lo = field.offsets[id]!;
  let hi = field.offsets[id + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = field.docs[mid]!;
    if (at === doc) return true;
    if (at < doc) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
