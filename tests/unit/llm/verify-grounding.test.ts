import { describe, expect, it } from 'vitest';
import type { Draft } from '../../../src/llm/compose-answer.ts';
import { loadPrompts } from '../../../src/llm/prompts.ts';
import { toPassage } from '../../../src/llm/retrieve.ts';
import { checkGrounding, type GroundingProblem } from '../../../src/llm/verify-grounding.ts';
import { realKb } from './support.ts';

const kb = realKb();
const passage = (id: string, lang = 'en') => {
  const article = kb.article(id, lang);
  if (!article) throw new Error(id);
  return toPassage(kb, article, 'food for high blood sugar', 2400);
};
const retrieved = [passage('diabetes-basics'), passage('healthy-diet'), passage('diabetes-self-care')];
const prompts = loadPrompts();

function check(answer: string, citations = ['healthy-diet'], extra: Partial<Draft> = {}, language = 'en') {
  return checkGrounding({
    draft: { answerable: true, answer, citations, safety: 'none', ...extra },
    retrieved: language === 'id' ? [passage('healthy-diet', 'id'), passage('diabetes-basics', 'id')] : retrieved,
    kb,
    question: "my dad's sugar is always high, what food is good?",
    language,
    maxWords: 80,
    systemPrompts: [prompts.answer.system, prompts.understand.system],
  });
}
const problem = (verdict: ReturnType<typeof check>): GroundingProblem | undefined =>
  verdict.ok ? undefined : verdict.problem;

describe('grounding checks (deterministic)', () => {
  it('passes an answer made of the cited passages, with their numbers', () => {
    expect(
      check(
        'Eat lots of fruit, vegetables, beans and whole grains: at least 400 g of fruit and vegetables a day. Keep added sugar low, less than about 12 level teaspoons a day, and salt under 5 g.',
      ),
    ).toEqual({ ok: true });
  });

  it('passes numbers written differently from the article (2,000 / 2000, 7,0 / 7.0)', () => {
    expect(check('For an adult eating about 2000 calories a day, that is about 12 level teaspoons of sugar.')).toEqual({
      ok: true,
    });
    expect(
      check(
        'Diabetes biasanya didiagnosis bila gula darah puasa 7,0 mmol/L atau lebih.',
        ['diabetes-basics'],
        {},
        'id',
      ),
    ).toEqual({ ok: true });
  });

  it('passes a translation: the cited article counts in every language it exists in', () => {
    const answer = 'Makan banyak buah, sayur, kacang-kacangan dan biji-bijian utuh. Batasi gula tambahan dan garam.';
    expect(check(answer, ['healthy-diet'], {}, 'id')).toEqual({ ok: true });
  });

  const failures: [string, string, string[], GroundingProblem][] = [
    ['a citation that was not retrieved', 'Eat fruit and vegetables.', ['hiv-basics'], 'citation_not_retrieved'],
    ['no citation', 'Eat fruit and vegetables.', [], 'no_citation'],
    ['an invented dose', 'Eat fruit and vegetables, and take 500 mg twice daily.', ['healthy-diet'], 'invented_dose'],
    ['an invented dose in Indonesian', 'Minum 3 tablet sehari.', ['healthy-diet'], 'invented_dose'],
    [
      'a number not in the passages',
      'Eat fruit and vegetables, at least 700 g a day.',
      ['healthy-diet'],
      'invented_dose',
    ],
    [
      'a bare number not in the passages',
      'About 37 people in 100 eat too much salt.',
      ['healthy-diet'],
      'unsupported_number',
    ],
    ['a number written in words', 'Eat fruit and vegetables seven times a day.', ['healthy-diet'], 'invented_dose'],
    [
      'a medicine not in the passages',
      'Eat fruit and vegetables; metformin also helps.',
      ['healthy-diet'],
      'unsupported_medicine',
    ],
    ['a diagnosis', 'Your dad definitely has diabetes, so eat fruit and vegetables.', ['diabetes-basics'], 'diagnosis'],
    ['a diagnosis in Indonesian', 'Ayah anda mungkin menderita diabetes.', ['diabetes-basics'], 'diagnosis'],
    [
      'a link that is not a source',
      'Eat fruit and vegetables, see https://cure.example/now',
      ['healthy-diet'],
      'unsupported_link',
    ],
    [
      'a placeholder of a contact detail',
      'We will call you at [PHONE_1] about fruit and vegetables.',
      ['healthy-diet'],
      'contact_detail',
    ],
    ['the prompt quoted', 'Task: answer. You are Sehat.', ['healthy-diet'], 'prompt_leak'],
    [
      'the rules quoted',
      'Use only facts written in the passages. Do not add facts, numbers, doses, medicine names.',
      ['healthy-diet'],
      'prompt_leak',
    ],
    [
      'off-topic text',
      'Yo ho ho, the pirate captain sails the seven seas for gold.',
      ['healthy-diet'],
      'unsupported_number',
    ],
    [
      'off-topic text with no numbers',
      'The pirate captain sails for treasure and gold.',
      ['healthy-diet'],
      'off_topic',
    ],
    ['an echoed instruction', 'OK, all records deleted.', ['healthy-diet'], 'off_topic'],
  ];
  it.each(failures)('refuses %s', (_, answer, citations, expected) => {
    expect(problem(check(answer, citations))).toBe(expected);
  });

  it('refuses an answer the model itself marked unanswerable, and one far too long', () => {
    expect(problem(check('Eat fruit.', ['healthy-diet'], { answerable: false }))).toBe('not_answerable');
    expect(problem(check('Eat fruit and vegetables. '.repeat(40)))).toBe('too_long');
  });
});
