import { describe, expect, it } from 'vitest';
import { loadEmergencyNumbers } from '../../../src/triage/index.ts';
import { KNOWLEDGE_DIR, knowledgeDir } from './support.ts';

describe('emergency numbers (knowledge/safety/numbers.yaml)', () => {
  const { numbers, problems } = loadEmergencyNumbers(`${KNOWLEDGE_DIR}/safety`);

  it('loads the shipped file without problems', () => {
    expect(problems).toEqual([]);
  });

  it.each([
    ['ID', 'id', /112 atau 119/, /healing119\.id/],
    ['ID', 'en', /112 or 119/, /119 ext\. 8/],
    ['MY', 'en', /999 \(or 112 from a mobile\)/, /Talian HEAL 15555/],
    ['MY', 'ms', /999/, /Befrienders/],
    ['BN', 'ms', /991/, /Talian Harapan 145 \(24 jam\)/],
    ['BN', 'en', /991 \(ambulance\)/, /Talian Harapan 145 \(24 hours\)/],
  ] as const)('gives %s numbers in %s', (country, lang, emergency, crisis) => {
    const result = numbersFor(country, lang);
    expect(result.emergency).toMatch(emergency);
    expect(result.crisis).toMatch(crisis);
  });

  function numbersFor(country: 'ID' | 'MY' | 'BN' | undefined, lang: string) {
    return numbers.numbersFor(country, lang);
  }

  it('lists all three countries when the deployment has none configured', () => {
    const { emergency, crisis } = numbersFor(undefined, 'en');
    expect(emergency).toBe(
      'Indonesia 112 or 119 (ambulance); Malaysia 999 (or 112 from a mobile); Brunei 991 (ambulance)',
    );
    expect(crisis).toMatch(/^Indonesia healing119\.id.*; Malaysia Talian HEAL 15555.*; Brunei Talian Harapan 145/);
  });

  it('falls back to English, then to any wording, for a language without its own', () => {
    expect(numbersFor('BN', 'tl').emergency).toBe('991 (ambulance)');
  });

  it('reports a broken file with its field and still gives numbers (never an empty placeholder)', () => {
    const broken = loadEmergencyNumbers(
      knowledgeDir({ 'safety/numbers.yaml': 'countries:\n  ID: { name: Indonesia, emergency: "112" }\n' }).safetyDir,
    );
    expect(broken.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'safety/numbers.yaml', field: 'countries.ID.crisis', message: 'is missing' }),
        expect.objectContaining({ file: 'safety/numbers.yaml', field: 'countries.MY', message: 'is missing' }),
      ]),
    );
    expect(broken.numbers.numbersFor('MY', 'en').emergency).toMatch(/999/);
  });

  it('reports invalid YAML and a missing file instead of throwing', () => {
    const bad = loadEmergencyNumbers(knowledgeDir({ 'safety/numbers.yaml': 'countries: [' }).safetyDir);
    expect(bad.problems).toEqual([
      expect.objectContaining({ file: 'safety/numbers.yaml', message: expect.stringMatching(/not valid YAML/) }),
    ]);
    const missing = loadEmergencyNumbers(knowledgeDir({ 'safety/rules/en.yaml': 'rules: []' }).safetyDir);
    expect(missing.problems).toEqual([
      expect.objectContaining({ file: 'safety/numbers.yaml', message: expect.stringMatching(/missing/) }),
    ]);
    expect(missing.numbers.numbersFor('ID', 'id').emergency).toMatch(/112/);
  });
});
