import type { PhraseTokens } from './normalize.ts';

/**
 * Phrases are looked up by their first token in a Map, so matching costs one Map lookup per token of the
 * message plus a short walk over the phrases that start with that word, whatever the number of rules
 * (the 5,000-rule budget is ≤ 50 µs per message). No per-rule loop, no per-rule regex.
 */
export interface PhraseTerm<T> {
  tokens: PhraseTokens;
  ref: T;
}

export type PhraseIndex<T> = Map<string, PhraseTerm<T>[]>;

export interface TokenSpan {
  /** First token of the match. */
  start: number;
  /** One past the last token. */
  end: number;
}

export function buildPhraseIndex<T>(terms: PhraseTerm<T>[]): PhraseIndex<T> {
  const index: PhraseIndex<T> = new Map();
  for (const term of terms) {
    const first = term.tokens[0];
    if (typeof first !== 'string') continue; // the loader rejects these; a lexicon cannot create them
    const list = index.get(first);
    if (list) list.push(term);
    else index.set(first, [term]);
  }
  return index;
}

function matchesAt(tokens: string[], at: number, phrase: PhraseTokens): boolean {
  if (at + phrase.length > tokens.length) return false;
  for (let k = 1; k < phrase.length; k++) {
    const want = phrase[k];
    if (want !== null && want !== tokens[at + k]) return false;
  }
  return true;
}

/** Every occurrence of every phrase (overlaps included: two rules may share words). */
export function findPhrases<T>(index: PhraseIndex<T>, tokens: string[]): (TokenSpan & { ref: T })[] {
  const hits: (TokenSpan & { ref: T })[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const candidates = index.get(tokens[i] as string);
    if (!candidates) continue;
    for (const term of candidates)
      if (matchesAt(tokens, i, term.tokens)) hits.push({ ref: term.ref, start: i, end: i + term.tokens.length });
  }
  return hits;
}
