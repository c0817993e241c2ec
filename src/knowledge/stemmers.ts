/**
 * Light stemmers: the same function runs over articles and over patients' messages, so consistency matters
 * more than linguistic perfection. Both avoid cutting words down to fewer than three letters.
 */

const VOWEL = /[aeiouy]/;

/** Derivational and inflectional endings, longest first, each with what replaces it. */
const EN_SUFFIXES = [
  ['ational', 'ate'],
  ['ization', 'ize'],
  ['fulness', 'ful'],
  ['iveness', 'ive'],
  ['ations', 'ate'],
  ['ation', 'ate'],
  ['ness', ''],
  ['ment', ''],
  ['ingly', ''],
  ['edly', ''],
  ['ing', ''],
  ['ed', ''],
  ['ly', ''],
] as const;

/** English: plurals, -ing/-ed/-ly and a few derivational endings (a small subset of Porter's steps). */
export function stemEnglish(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is|ous)$/.test(w)) w = w.slice(0, -1);
  for (const [suffix, replacement] of EN_SUFFIXES) {
    if (w.endsWith(suffix)) {
      const stem = w.slice(0, -suffix.length) + replacement;
      if (stem.length >= 3 && VOWEL.test(stem)) {
        w = stem;
        // hopping → hopp → hop; but keep ll/ss/zz (fall, miss, buzz)
        if (replacement === '' && /([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
        // "vaccinated" → "vaccinat" and "vaccinate" → "vaccinat": drop a final e for consistency
        break;
      }
    }
  }
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

const ID_PARTICLES = /(lah|kah|tah|pun)$/;
const ID_POSSESSIVES = /(ku|mu|nya)$/;
const ID_SUFFIXES = /(kan|an|i)$/;

/**
 * Indonesian and Malay: particles (-lah, -kah), possessives (-nya), suffixes (-kan, -an, -i) and the common
 * prefixes (me-, pe-, ber-, ter-, di-, ke-, se-) with their sound changes (peny-akit → sakit), after
 * Nazief & Adriani's order of removal, without a dictionary.
 */
export function stemIndonesian(word: string): string {
  let w = word;
  if (w.length <= 4) return w;
  const strip = (re: RegExp, minRest: number) => {
    const m = re.exec(w);
    if (m && w.length - m[0].length >= minRest) w = w.slice(0, -m[0].length);
  };
  strip(ID_PARTICLES, 5);
  strip(ID_POSSESSIVES, 4);
  const beforeSuffix = w;
  strip(ID_SUFFIXES, 4);
  // ke- and se- are prefixes mostly in confixes (ke-sehat-an, se-baik-nya); alone they start ordinary
  // words (kereta, sekolah), so they are only removed when a suffix was.
  const hadSuffix = w !== beforeSuffix || word !== beforeSuffix;
  return removeIndonesianPrefix(w, hadSuffix);
}

type PrefixRule = [RegExp, (m: RegExpExecArray) => string];

/** Built once: this runs for every word of every article. */
const PREFIX_RULES: PrefixRule[] = [
  [/^meny([aeiou].+)$/, (m) => `s${m[1]}`],
  [/^peny([aeiou].+)$/, (m) => `s${m[1]}`],
  [/^meng(.+)$/, (m) => m[1] ?? ''],
  [/^peng(.+)$/, (m) => m[1] ?? ''],
  [/^mem([bpf].+)$/, (m) => m[1] ?? ''],
  [/^pem([bpf].+)$/, (m) => m[1] ?? ''],
  [/^mem([aeiou].+)$/, (m) => `p${m[1]}`],
  [/^pem([aeiou].+)$/, (m) => `p${m[1]}`],
  [/^men([cdjtsz].+)$/, (m) => m[1] ?? ''],
  [/^pen([cdjtsz].+)$/, (m) => m[1] ?? ''],
  [/^men([aeiou].+)$/, (m) => `t${m[1]}`],
  [/^pen([aeiou].+)$/, (m) => `t${m[1]}`],
  [/^me([lrwy].+)$/, (m) => m[1] ?? ''],
  [/^pe([lrwy].+)$/, (m) => m[1] ?? ''],
  [/^ber(.+)$/, (m) => m[1] ?? ''],
  [/^per(.+)$/, (m) => m[1] ?? ''],
  [/^ter(.+)$/, (m) => m[1] ?? ''],
  [/^di(.+)$/, (m) => m[1] ?? ''],
];
const CONFIX_PREFIX_RULES: PrefixRule[] = [
  ...PREFIX_RULES,
  [/^ke(.+)$/, (m) => m[1] ?? ''],
  [/^se(.+)$/, (m) => m[1] ?? ''],
];

function removeIndonesianPrefix(word: string, hadSuffix: boolean): string {
  for (const [re, rest] of hadSuffix ? CONFIX_PREFIX_RULES : PREFIX_RULES) {
    const m = re.exec(word);
    if (m) {
      const stem = rest(m);
      return stem.length >= 4 ? stem : word;
    }
  }
  return word;
}
