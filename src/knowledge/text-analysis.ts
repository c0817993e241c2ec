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

/** Lowercase, strip accents, split on anything that is not a letter or digit; "anak2" → "anak". */
export function foldWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
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

export function createAnalyzer(lang: string, lexicon: Lexicon = emptyLexicon()): Analyzer {
  const stopwords = ALL_STOPWORDS;
  const stem = STEMMERS[lang] ?? ((w: string) => w);
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
