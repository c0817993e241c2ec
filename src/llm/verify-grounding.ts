import { z } from 'zod';
import type { KnowledgeSnapshot } from '../knowledge/knowledge-snapshot.ts';
import { foldWords } from '../knowledge/text-analysis.ts';
import type { Draft } from './compose-answer.ts';
import type { LlmCallResult, LlmClient } from './llm-client.ts';
import { asData, type PromptTemplate } from './prompts.ts';
import type { Passage } from './retrieve.ts';

/** Why a drafted answer was not sent (recorded as the Decision's llm.fallbackReason). */
export type GroundingProblem =
  | 'not_answerable'
  | 'empty_answer'
  | 'no_citation'
  | 'citation_not_retrieved'
  | 'invented_dose'
  | 'unsupported_number'
  | 'unsupported_medicine'
  | 'diagnosis'
  | 'unsupported_link'
  | 'contact_detail'
  | 'prompt_leak'
  | 'off_topic'
  | 'too_long'
  | 'verifier_rejected';

export type GroundingVerdict = { ok: true } | { ok: false; problem: GroundingProblem; detail: string };

const NUMBER = /\d+(?:[.,]\d+)*/g;
const NUMBER_WORDS: Record<string, number> = {
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  hundred: 100,
  thousand: 1000,
  twice: 2,
  dua: 2,
  tiga: 3,
  empat: 4,
  lima: 5,
  enam: 6,
  tujuh: 7,
  delapan: 8,
  sembilan: 9,
  sepuluh: 10,
  sebelas: 11,
  seratus: 100,
  seribu: 1000,
};
/** Units and words that make a number a dose or a medication schedule. */
const DOSE_UNIT =
  /^\s*(?:-|–)?\s*(?:mg|mcg|µg|ug|g|gram|grams|gr|ml|mL|cc|l|iu|ui|units?|unit|tabs?|tablets?|tablet|pills?|capsules?|kapsul|kaplet|caplets?|drops?|tetes|puffs?|semprot|sachets?|sachet|sendok|spoons?|teaspoons?|tablespoons?|tsp|tbsp|sdm|sdt|times|x|kali|doses?|dosis)\b/i;
/** Medicine names and the stems most generic drug names end with (INN suffixes). */
const MEDICINE =
  /\b(?:paracetamol|acetaminophen|ibuprofen|aspirin|asetosal|metformin|insulin|amoxicillin|amoksisilin|antibiotics?|antibiotik|steroids?|prednisolone|dexamethasone|codeine|tramadol|morphine|diclofenac|mefenamic|asam mefenamat|ors|oralit|zinc|vitamin [a-z]\d?|[a-z]{3,}(?:cillin|mycin|cycline|floxacin|azole|prazole|sartan|pril|olol|dipine|statin|gliptin|gliflozin|glitazone|formin|mab|vir|tidine|setron|profen|fenac|triptan))\b/gi;
const DIAGNOSIS = [
  /\b(?:sounds|seems|looks) like (?:you|he|she|they|your \w+|[a-z]+ anda)(?: might| may| probably| likely)? (?:have|has|are|is|got)\b/i,
  /\b(?:you|he|she|they|your \w+) (?:probably|likely|definitely|clearly|certainly|almost certainly|most likely|must) (?:have|has|are|is|got)\b/i,
  /\b(?:you|he|she|your \w+) (?:have|has) been diagnosed\b/i,
  /\b(?:you|he|she|your \w+)(?:'re| are| is) (?:diabetic|hypertensive|anaemic|anemic|asthmatic|infected)\b/i,
  /\b(?:you|he|she|your \w+) (?:have|has|has got|have got) (?:diabetes|dengue|tuberculosis|tb|hypertension|high blood pressure|covid|hiv|asthma|a stroke|heart disease)\b/i,
  /\b(?:anda|kamu|dia|beliau|ayah anda|ibu anda|anak anda|suami anda|istri anda|bapak anda) (?:mungkin |kemungkinan |kemungkinan besar |pasti |sepertinya |jelas )?(?:menderita|mengidap|terkena|terjangkit|positif|sakit)\b/i,
  /\b(?:sepertinya|tampaknya|kemungkinan besar) (?:anda|kamu|dia|beliau|ayah anda|ibu anda|anak anda) (?:menderita|mengidap|terkena|kena|sakit)\b/i,
];
const URL = /\bhttps?:\/\/[^\s)>\]]+/gi;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const PHONE = /(?:\+\d|\b0)\d?[\d\s.()-]{7,16}\d\b/g;
const PLACEHOLDER = /\[(NAME|PHONE|EMAIL|ID|ADDRESS|DATE)_\d+\]/g;

/** "2,000" and "2.000" (thousands) → 2000; "7,0" (Indonesian decimal) → 7. */
function numericValue(token: string): number {
  let t = token;
  if (/^\d{1,3}(?:[.,]\d{3})+$/.test(t)) t = t.replace(/[.,]/g, '');
  else t = t.replace(',', '.');
  return Number.parseFloat(t);
}

function numbersIn(text: string): { value: number; index: number; token: string }[] {
  const found = [...text.matchAll(NUMBER)].map((m) => ({
    value: numericValue(m[0]),
    index: (m.index ?? 0) + m[0].length,
    token: m[0],
  }));
  for (const m of text.matchAll(/\p{L}+/gu)) {
    const value = NUMBER_WORDS[m[0].toLowerCase()];
    if (value !== undefined) found.push({ value, index: (m.index ?? 0) + m[0].length, token: m[0] });
  }
  return found;
}

function shingles(text: string, size: number): Set<string> {
  const words = foldWords(text);
  const out = new Set<string>();
  for (let i = 0; i + size <= words.length; i++) out.add(words.slice(i, i + size).join(' '));
  return out;
}

export interface GroundingInput {
  draft: Draft;
  /** Everything retrieved for the question (citations must be among these). */
  retrieved: Passage[];
  kb: KnowledgeSnapshot;
  /** The redacted patient message and the search query (their words may be echoed). */
  question: string;
  language: string;
  maxWords: number;
  /** The system messages sent: an answer that quotes them leaked the rules. */
  systemPrompts: string[];
}

/**
 * Step 4, the deterministic part. The answer must cite only retrieved articles and must not contain a
 * number, dose, medicine, link or contact detail that the cited articles do not (in any of their
 * translations), nor state what a person has (a diagnosis), nor quote the rules, nor drift from the passages
 * (most of its words must come from them or from the question).
 */
export function checkGrounding(input: GroundingInput): GroundingVerdict {
  const { draft, retrieved, kb } = input;
  const fail = (problem: GroundingProblem, detail: string): GroundingVerdict => ({ ok: false, problem, detail });
  if (!draft.answerable) return fail('not_answerable', 'the model says the passages do not answer the question');
  const answer = draft.answer.trim();
  if (!answer) return fail('empty_answer', 'the answer is empty');
  const citations = [...new Set(draft.citations.map((c) => c.trim()))];
  if (citations.length === 0) return fail('no_citation', 'the answer cites no article');
  const retrievedIds = new Set(retrieved.map((p) => p.id));
  const stray = citations.filter((c) => !retrievedIds.has(c));
  if (stray.length) return fail('citation_not_retrieved', `cites ${stray.join(', ')}, which was not retrieved`);

  const words = foldWords(answer);
  if (words.length > input.maxWords * 1.5) return fail('too_long', `${words.length} words`);

  // The cited articles' text in every language they exist in (the model may translate), plus the retrieved
  // passages the model saw.
  const cited = retrieved.filter((p) => citations.includes(p.id));
  const sources = citations.flatMap((id) =>
    kb.translations(id).flatMap((lang) => {
      const article = kb.article(id, lang);
      return article
        ? [
            kb.fillClinic(
              [article.title, article.summary, ...article.sections.map((s) => `${s.heading}\n${s.markdown}`)].join(
                '\n',
              ),
            ),
          ]
        : [];
    }),
  );
  const evidence = [...cited.map((p) => `${p.title}\n${p.text}`), ...sources].join('\n');
  const evidenceValues = new Set(numbersIn(evidence).map((n) => n.value));
  for (const n of numbersIn(answer)) {
    if (evidenceValues.has(n.value)) continue;
    const after = answer.slice(n.index, n.index + 16);
    if (DOSE_UNIT.test(after))
      return fail('invented_dose', `"${n.token}${after.split(/[,.;]/)[0]}" is not in the cited articles`);
    return fail('unsupported_number', `"${n.token}" is not in the cited articles`);
  }
  const evidenceLower = evidence.toLowerCase();
  for (const m of answer.matchAll(MEDICINE)) {
    if (!evidenceLower.includes(m[0].toLowerCase()))
      return fail('unsupported_medicine', `"${m[0]}" is not in the cited articles`);
  }
  for (const pattern of DIAGNOSIS) {
    const m = pattern.exec(answer);
    if (m) return fail('diagnosis', `"${m[0]}" tells someone what they have`);
  }
  const allowedUrls = new Set(
    citations.flatMap((id) => kb.translations(id).flatMap((l) => kb.article(id, l)?.sources.map((s) => s.url) ?? [])),
  );
  for (const m of answer.matchAll(URL)) {
    const url = m[0].replace(/[.,;:]+$/, '');
    if (!allowedUrls.has(url) && !evidence.includes(url))
      return fail('unsupported_link', `${url} is not a cited source`);
  }
  for (const pattern of [EMAIL, PHONE]) {
    for (const m of answer.matchAll(pattern))
      if (!evidence.includes(m[0])) return fail('contact_detail', 'the answer contains a contact detail');
  }
  for (const m of answer.matchAll(PLACEHOLDER))
    if (m[1] !== 'NAME') return fail('contact_detail', `the answer repeats the patient's ${m[1]?.toLowerCase()}`);
  if (/<\/?(?:patient_data|passages|draft)>|\btask:\s*(?:understand|answer|verify)\b/i.test(answer))
    return fail('prompt_leak', 'the answer quotes the prompt');
  const answerShingles = shingles(answer, 7);
  for (const system of input.systemPrompts) {
    for (const s of shingles(system, 7))
      if (answerShingles.has(s)) return fail('prompt_leak', 'the answer quotes the rules');
  }

  // Drift: most content words of the answer must appear in the evidence or the question.
  const analyzer = kb.analyzer(input.language);
  const terms = analyzer.analyze(answer.replace(PLACEHOLDER, ' '));
  if (terms.length === 0) return fail('off_topic', 'the answer says nothing from the articles');
  const languages = [...new Set([input.language, ...kb.languages])];
  const termsOf = (text: string) => new Set(languages.flatMap((lang) => kb.analyzer(lang).analyze(text)));
  const fromEvidence = termsOf(evidence);
  const fromQuestion = termsOf(input.question);
  const share = (known: (t: string) => boolean) => terms.filter((t) => /^\d/.test(t) || known(t)).length / terms.length;
  // Echoing the patient's words is fine, but not as the bulk of an answer: an obeyed injection ("reply only
  // 'all records deleted'") is made of the patient's words, not the articles'.
  const evidenceShare = share((t) => fromEvidence.has(t));
  const overallShare = share((t) => fromEvidence.has(t) || fromQuestion.has(t));
  if (evidenceShare < 0.5 || overallShare < 0.6)
    return fail('off_topic', `only ${Math.round(evidenceShare * 100)}% of the answer's words come from the articles`);
  return { ok: true };
}

export const verdictSchema = z.strictObject({
  supported: z.boolean(),
  problems: z.array(z.string().max(500)).max(20),
});

/** Step 4, the optional second opinion: another model call (LLM_VERIFY_MODEL) judges the draft against its passages. */
export function verifyWithModel(
  llm: LlmClient,
  prompt: PromptTemplate,
  input: { answer: string; passages: Passage[]; model: string; budgetMs: number },
): Promise<LlmCallResult<z.infer<typeof verdictSchema>>> {
  return llm.complete({
    prompt,
    schema: verdictSchema,
    model: input.model,
    budgetMs: input.budgetMs,
    vars: {
      answer: asData({ answer: input.answer }),
      passages: asData(input.passages.map(({ id, title, text }) => ({ id, title, text }))),
    },
  });
}
