import { applyLexicon, emptyLexicon, type Lexicon } from './lexicon.ts';
import { stemEnglish, stemIndonesian } from './stemmers.ts';
import { STOPWORDS } from './stopwords.ts';

/**
 * Turns text into search terms for one language: fold case and accents → split into words → lexicon (slang,
 * synonyms) → drop stop words → stem. Articles and messages go through the same function.
 */
export interface Analyzer {
  lang: string;
  analyze(text: string): string[];
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Lowercase, strip accents, split on anything that is not a letter or digit; "anak2" → "anak". */
export function foldWords(text: string): string[] {
  // Plain ASCII (most of the knowledge base) has no accents to strip: skip the costly normalisation.
  const unaccented = NON_ASCII.test(text) ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '') : text;
  return unaccented
    .toLowerCase()
    .replace(/([a-z]{2,})2\b/g, '$1') // Indonesian reduplication written with a 2: anak2, obat2
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

const STEMMERS: Record<string, (word: string) => string> = {
  en: stemEnglish,
  id: stemIndonesian,
  ms: stemIndonesian, // Malay shares Indonesian morphology; its own stop words and lexicon differ
};

/**
 * Stop words of every language are dropped in every language: patients mix languages ("apa itu cholera"),
 * and a word like "apa" or "the" never names a health topic in the other language either.
 */
const ALL_STOPWORDS = new Set(Object.values(STOPWORDS).flat());

/** Stems remembered per analyser: a 10k-article index stems millions of words, mostly the same few thousand. */
const STEM_CACHE_LIMIT = 50_000;

/** A stemmer that remembers its answers (stemmers are pure); forgets all at the limit, so messages can't grow it. */
function memoized(stem: (word: string) => string): (word: string) => string {
  const cache = new Map<string, string>();
  return (word) => {
    let stemmed = cache.get(word);
    if (stemmed === undefined) {
      if (cache.size >= STEM_CACHE_LIMIT) cache.clear();
      stemmed = stem(word);
      cache.set(word, stemmed);
    }
    return stemmed;
  };
}

export function createAnalyzer(lang: string, lexicon: Lexicon = emptyLexicon()): Analyzer {
  const stopwords = ALL_STOPWORDS;
  const stem = memoized(STEMMERS[lang] ?? ((w: string) => w));
  return {
    lang,
    analyze(text) {
      const words = applyLexicon(foldWords(text), lexicon);
      const terms: string[] = [];
      for (const word of words) {
        if (stopwords.has(word)) continue;
        if (word.length < 2 && !/\d/.test(word)) continue;
        terms.push(stem(word));
      }
      return terms;
    },
  };
}
