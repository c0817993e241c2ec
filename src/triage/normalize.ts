import { applyLexicon, type Lexicon } from '../knowledge/lexicon.ts';
import { foldWords } from '../knowledge/text-analysis.ts';

/**
 * One normalization per message, shared by every rule: fold (case, accents, "anak2") → lexicon (slang,
 * typos, synonyms) → tokens. Rule phrases go through the very same function when they are compiled, so a
 * phrase written "gak bisa napas" and a message "ga bisa napas" meet as "tidak bisa napas".
 */
export interface NormalizedText {
  tokens: string[];
  /** For each token, the punctuation-delimited segment it came from (the start of clause detection). */
  segmentOf: number[];
  /** The tokens joined by single spaces: what rule patterns run on. */
  text: string;
  /** Offset in `text` at which each token starts. */
  starts: number[];
}

/**
 * Punctuation that ends a clause. foldWords drops punctuation, so segments are cut before folding. Not the
 * colon: "chest pain: none" is one statement.
 */
const SEGMENT_BREAK = /[.,;!?\n\r()[\]{}"“”…]+|\s[-–—]+\s/u;

export function normalizeText(raw: string, lexicon: Lexicon): NormalizedText {
  const tokens: string[] = [];
  const segmentOf: number[] = [];
  let segment = 0;
  for (const part of raw.split(SEGMENT_BREAK)) {
    const words = applyLexicon(foldWords(part), lexicon);
    if (words.length === 0) continue;
    for (const word of words) {
      tokens.push(word);
      segmentOf.push(segment);
    }
    segment += 1;
  }
  const starts: number[] = [];
  let offset = 0;
  for (const token of tokens) {
    starts.push(offset);
    offset += token.length + 1;
  }
  return { tokens, segmentOf, text: tokens.join(' '), starts };
}

/** A compiled phrase: null stands for "*", any one word. */
export type PhraseTokens = (string | null)[];

/**
 * Compiles an editor's phrase. Runs of words between wildcards go through the lexicon exactly like message
 * text, so editors may write either the slang or the standard word.
 */
export function normalizePhrase(phrase: string, lexicon: Lexicon): PhraseTokens {
  const out: PhraseTokens = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length > 0) out.push(...applyLexicon(foldWords(run.join(' ')), lexicon));
    run = [];
  };
  for (const word of phrase.trim().split(/\s+/)) {
    if (word === '*') {
      flush();
      out.push(null);
    } else run.push(word);
  }
  flush();
  return out;
}
