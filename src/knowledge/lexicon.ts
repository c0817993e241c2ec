import { z } from 'zod';

/** Editors' word lists for one language: slang/typos → standard word, and synonym groups. */
// Editors write numbers (112, 1500-567) naturally; YAML reads some of them as numbers.
const word = z.union([z.string().min(1), z.number()]).transform(String);

export const lexiconFileSchema = z.object({
  normalize: z.record(z.string(), word).default({}),
  synonyms: z.array(z.array(word).min(2, 'a synonym group needs at least two entries')).default([]),
});

export type LexiconFile = z.infer<typeof lexiconFileSchema>;

export interface Lexicon {
  /** single folded word → replacement (may be several words) */
  normalize: Map<string, string[]>;
  /** first token of a phrase → phrases starting with it (longest first), each with its main term's tokens */
  phrases: Map<string, { tokens: string[]; main: string[] }[]>;
}

export function emptyLexicon(): Lexicon {
  return { normalize: new Map(), phrases: new Map() };
}

/** Merges several lexicon files of one language (editors may split them by topic). */
export function buildLexicon(files: LexiconFile[], fold: (text: string) => string[]): Lexicon {
  const lexicon = emptyLexicon();
  for (const file of files) {
    for (const [from, to] of Object.entries(file.normalize)) {
      const key = fold(from).join(' ');
      if (key) lexicon.normalize.set(key, fold(to));
    }
  }
  // Normalize first, so a synonym phrase written with standard words also matches slang spellings.
  const applyNormalize = (tokens: string[]) => tokens.flatMap((t) => lexicon.normalize.get(t) ?? [t]);
  const add = (tokens: string[], main: string[]) => {
    const first = tokens[0];
    if (!first) return;
    const list = lexicon.phrases.get(first) ?? [];
    if (list.some((p) => p.tokens.join(' ') === tokens.join(' '))) return;
    list.push({ tokens, main });
    list.sort((a, b) => b.tokens.length - a.tokens.length);
    lexicon.phrases.set(first, list);
  };
  for (const file of files) {
    for (const group of file.synonyms) {
      const main = applyNormalize(fold(group[0] ?? ''));
      // The main term maps to itself, so a short synonym inside it ("gula" in "gula darah") can't split
      // it: the longest phrase at a position wins.
      add(main, main);
      for (const phrase of group.slice(1)) add(applyNormalize(fold(phrase)), main);
    }
  }
  return lexicon;
}

/** Replaces slang and synonym phrases in a token list by their standard forms. */
export function applyLexicon(tokens: string[], lexicon: Lexicon): string[] {
  // Loops rather than flatMap/find: this runs over every word of every article at each (re)load.
  const normalized: string[] = [];
  for (const t of tokens) {
    const replacement = lexicon.normalize.get(t);
    if (replacement) normalized.push(...replacement);
    else normalized.push(t);
  }
  const out: string[] = [];
  for (let i = 0; i < normalized.length; ) {
    const token = normalized[i] as string;
    const candidates = lexicon.phrases.get(token);
    const hit = candidates && findPhrase(candidates, normalized, i);
    if (hit) {
      out.push(...hit.main);
      i += hit.tokens.length;
    } else {
      out.push(token);
      i += 1;
    }
  }
  return out;
}

/** The first (longest) phrase that the tokens at `i` spell out. */
function findPhrase(candidates: { tokens: string[]; main: string[] }[], tokens: string[], i: number) {
  for (const phrase of candidates) {
    let k = 0;
    while (k < phrase.tokens.length && tokens[i + k] === phrase.tokens[k]) k++;
    if (k === phrase.tokens.length) return phrase;
  }
  return undefined;
}
