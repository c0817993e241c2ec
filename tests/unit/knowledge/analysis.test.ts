import { describe, expect, it } from 'vitest';
import { applyLexicon, buildLexicon } from '../../../src/knowledge/lexicon.ts';
import { stemEnglish, stemIndonesian } from '../../../src/knowledge/stemmers.ts';
import { foldWords } from '../../../src/knowledge/text-analysis.ts';

describe('text analysis', () => {
  it('folds case, accents and Indonesian reduplication', () => {
    expect(foldWords('Anak2 DEMAM tinggi, café!')).toEqual(['anak', 'demam', 'tinggi', 'cafe']);
  });

  it('stems English and Indonesian word forms to the same stem', () => {
    expect(stemEnglish('vaccinations')).toBe(stemEnglish('vaccinate'));
    expect(stemEnglish('symptoms')).toBe(stemEnglish('symptom'));
    expect(stemIndonesian('pencegahan')).toBe(stemIndonesian('mencegah'));
    expect(stemIndonesian('penyakit')).toBe('sakit');
    expect(stemIndonesian('pengobatannya')).toBe(stemIndonesian('obat'));
  });

  it('maps slang and synonyms, preferring the longest phrase', () => {
    const lexicon = buildLexicon(
      [
        {
          normalize: { gak: 'tidak', brp: 'berapa' },
          synonyms: [
            ['diabetes', 'kencing manis', 'dm'],
            ['gula darah', 'gula'],
            ['hipertensi', 'darah tinggi'],
          ],
        },
      ],
      foldWords,
    );
    expect(applyLexicon(foldWords('kencing manis gak bahaya?'), lexicon)).toEqual(['diabetes', 'tidak', 'bahaya']);
    // "gula" alone means blood sugar, but inside "gula darah tinggi" the main term wins, not "darah tinggi".
    expect(applyLexicon(foldWords('gula darah tinggi brp'), lexicon)).toEqual(['gula', 'darah', 'tinggi', 'berapa']);
    expect(applyLexicon(foldWords('cek gula'), lexicon)).toEqual(['cek', 'gula', 'darah']);
  });
});
