import { z } from 'zod';
import type { LlmCallResult, LlmClient } from './llm-client.ts';
import { asData, type PromptTemplate } from './prompts.ts';
import type { Passage } from './retrieve.ts';
import { SAFETY_FLAGS } from './understand.ts';

export const draftSchema = z.strictObject({
  answerable: z.boolean(),
  answer: z.string().max(4000),
  citations: z.array(z.string().max(120)).max(12),
  safety: z.enum(SAFETY_FLAGS),
});
export type Draft = z.infer<typeof draftSchema>;

/**
 * Step 3: a short answer in the patient's language from the retrieved passages only, citing article ids;
 * or `answerable: false` when the passages do not answer the question. The patient's message (redacted) and
 * the passages go in as data; the rules are in the system message only.
 */
export function composeAnswer(
  llm: LlmClient,
  prompt: PromptTemplate,
  input: {
    message: string;
    query: string;
    languageName: string;
    maxWords: number;
    passages: Passage[];
    budgetMs: number;
  },
): Promise<LlmCallResult<Draft>> {
  return llm.complete({
    prompt,
    schema: draftSchema,
    budgetMs: input.budgetMs,
    vars: {
      language_name: input.languageName,
      max_words: String(input.maxWords),
      question: asData({ message: input.message, query: input.query }),
      passages: asData(input.passages.map(({ id, title, text }) => ({ id, title, text }))),
    },
  });
}
