import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TriageClass } from '../../../src/core/types.ts';
import { shippedClassifier } from './support.ts';

/**
 * The shipped rules against the shipped suites (tests/fixtures/triage/<lang>.jsonl): every line must get
 * its expected class. Recall on emergency and crisis matters most; the routine lines are the negative
 * suite (education questions that must not trigger). On failure the test prints each failing line with
 * the words the rules saw and every match, so an editor can see which rule to change.
 */
interface Line {
  text: string;
  expected: TriageClass;
}

const MINIMUM: Partial<Record<TriageClass, number>> = {
  emergency: 40,
  crisis: 25,
  complaint: 15,
  human_request: 15,
  personal_medical: 15,
  routine: 60,
};

function readSuite(lang: string): Line[] {
  const url = new URL(`../../fixtures/triage/${lang}.jsonl`, import.meta.url);
  return readFileSync(url, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
}

const { classifier } = shippedClassifier();

describe.each(['en', 'id'])('triage suite %s', (lang) => {
  const suite = readSuite(lang);

  it('has enough lines per class', () => {
    for (const [cls, min] of Object.entries(MINIMUM))
      expect(suite.filter((l) => l.expected === cls).length, cls).toBeGreaterThanOrEqual(min as number);
  });

  it('classifies every line as expected', () => {
    const failures: string[] = [];
    const byClass = new Map<TriageClass, { total: number; hit: number }>();
    for (const line of suite) {
      const result = classifier.explain(line.text, lang);
      const tally = byClass.get(line.expected) ?? { total: 0, hit: 0 };
      tally.total += 1;
      if (result.triage === line.expected) tally.hit += 1;
      else
        failures.push(
          `  expected ${line.expected}, got ${result.triage} ${JSON.stringify(result.rules)}: ${line.text}\n` +
            `    words: ${result.tokens.join(' ')}\n` +
            `    matches: ${result.matches.map((m) => `${m.ruleId}(${m.words})=${m.verdict}`).join(', ')}`,
        );
      byClass.set(line.expected, tally);
    }
    const recall = [...byClass]
      .map(([cls, t]) => `${cls} ${t.hit}/${t.total} (${((100 * t.hit) / t.total).toFixed(0)}%)`)
      .join(', ');
    console.info(`triage ${lang} recall per class: ${recall}`);
    expect(failures, `\n${failures.join('\n')}\n`).toEqual([]);
  });
});
