import { foldWords } from './text-analysis.ts';

/**
 * Marker words that are frequent in one language and rare in the others. Patients mix languages
 * ("bp 150/95 bahaya ga"), so we count markers and only switch language on a clear majority.
 */
const MARKERS: Record<string, readonly string[]> = {
  en: `the is are what how when why which who can should does do my your it this that with for about and or of
    have has get i me you normal sugar blood pressure baby child pregnant more tell please need want help`.split(/\s+/),
  id: `yang apa apakah bagaimana gimana gmn kenapa berapa brp kapan bisa boleh harus sudah udah belum tidak ga gak
    nggak ngga enggak saya sy aku anak ibu bayi hamil bumil dengan dgn untuk utk itu ini ada sih dong kok ya
    darah gula tinggi sakit obat demam berdarah mau bicara tolong lagi apa aja gejala cara mencegah kalau kalo`.split(
    /\s+/,
  ),
  ms: `apakah bagaimana macam mana kenapa berapa bila boleh sudah belum tidak tak saya anak ibu bayi mengandung
    dengan untuk itu ini ada awak kami hendak nak sangat kerana doktor ubat demam darah gula tinggi sakit`.split(/\s+/),
};

export interface LanguageGuess {
  lang: string;
  /** True when the message clearly favours one language. */
  confident: boolean;
}

export function detectLanguage(text: string, candidates: readonly string[]): LanguageGuess | undefined {
  const words = foldWords(text);
  if (words.length === 0) return undefined;
  const scores = candidates.map((lang) => {
    const markers = new Set(MARKERS[lang] ?? []);
    return { lang, hits: words.filter((w) => markers.has(w)).length };
  });
  scores.sort((a, b) => b.hits - a.hits);
  const [best, second] = scores;
  if (!best || best.hits === 0) return undefined;
  const margin = best.hits - (second?.hits ?? 0);
  // Indonesian and Malay share most markers: a tie between them is not evidence for either.
  if (margin === 0) return undefined;
  return { lang: best.lang, confident: margin >= 2 || (margin >= 1 && words.length <= 4) };
}
