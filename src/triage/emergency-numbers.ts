import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import type { KbProblem } from '../knowledge/load-knowledge.ts';
import { parseYaml } from '../shared/yaml.ts';

/**
 * Emergency numbers and crisis lines per deployment country (knowledge/safety/numbers.yaml). They are
 * content: the clinical team re-verifies them before launch and every six months (curriculum Part 3),
 * and the reviewed safety messages show them through {{emergency_numbers}} and {{crisis_lines}}.
 */
export const COUNTRIES = ['ID', 'MY', 'BN'] as const;
export type CountryCode = (typeof COUNTRIES)[number];

export interface SafetyNumbers {
  emergency: string;
  crisis: string;
}

export interface EmergencyNumbers {
  /** The numbers for one country, or every country's (labelled) when the deployment has none configured. */
  numbersFor(country: CountryCode | undefined, lang: string): SafetyNumbers;
}

// One string when the wording is the same in every language, else one per language code.
const localized = z.union([z.string().trim().min(1), z.record(z.string().regex(/^[a-z]{2,3}$/), z.string().min(1))], {
  error: (issue) =>
    issue.input === undefined ? 'is missing' : 'must be one text, or one text per language (en: …, id: …, ms: …)',
});
type Localized = z.infer<typeof localized>;

const countrySchema = z.strictObject({ name: localized, emergency: localized, crisis: localized });

const numbersFileSchema = z.strictObject({
  countries: z.strictObject({ ID: countrySchema, MY: countrySchema, BN: countrySchema }),
});

type NumbersFile = z.infer<typeof numbersFileSchema>;

/**
 * Used only when numbers.yaml is missing or broken at start-up: a patient in an emergency must never get an
 * empty placeholder. Deliberately minimal; the reviewed wording lives in numbers.yaml.
 */
const FALLBACK: NumbersFile = {
  countries: {
    ID: { name: 'Indonesia', emergency: '112 / 119', crisis: 'healing119.id' },
    MY: { name: 'Malaysia', emergency: '999', crisis: '15555' },
    BN: { name: 'Brunei', emergency: '991', crisis: '145' },
  },
};

function pick(text: Localized, lang: string): string {
  if (typeof text === 'string') return text;
  return text[lang] ?? text['en'] ?? Object.values(text)[0] ?? '';
}

function fromFile(file: NumbersFile): EmergencyNumbers {
  return {
    numbersFor(country, lang) {
      if (country) {
        const c = file.countries[country];
        return { emergency: pick(c.emergency, lang), crisis: pick(c.crisis, lang) };
      }
      // Curriculum Part 2: "if the country is unknown, give all three".
      const all = (field: 'emergency' | 'crisis') =>
        COUNTRIES.map((code) => {
          const c = file.countries[code];
          return `${pick(c.name, lang)} ${pick(c[field], lang)}`;
        }).join('; ');
      return { emergency: all('emergency'), crisis: all('crisis') };
    },
  };
}

/** Reads `<dir>/numbers.yaml`. Never throws: problems are returned and the minimal fallback is used. */
export function loadEmergencyNumbers(dir: string): { numbers: EmergencyNumbers; problems: KbProblem[] } {
  const path = join(dir, 'numbers.yaml');
  const file = relative(dirname(dir), path);
  const fail = (message: string, field?: string) => ({
    numbers: fromFile(FALLBACK),
    problems: [{ severity: 'error' as const, file, field, message }],
  });
  if (!existsSync(path)) return fail('is missing: the emergency numbers cannot be shown');
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(`is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = numbersFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      severity: 'error' as const,
      file,
      field: issue.path.join('.') || undefined,
      message: issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'is missing' : issue.message,
    }));
    return { numbers: fromFile(FALLBACK), problems };
  }
  return { numbers: fromFile(parsed.data), problems: [] };
}
