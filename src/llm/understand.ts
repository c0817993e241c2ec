import { z } from 'zod';
import type { LlmCallResult, LlmClient } from './llm-client.ts';
import { asData, type PromptTemplate } from './prompts.ts';

export const SAFETY_FLAGS = ['none', 'emergency', 'crisis'] as const;
export type SafetyFlag = (typeof SAFETY_FLAGS)[number];

export const understandingSchema = z.strictObject({
  query: z.string().max(400),
  language: z.string().max(20),
  safety: z.enum(SAFETY_FLAGS),
});
export type Understanding = z.infer<typeof understandingSchema>;

export interface HistoryLine {
  from: 'patient' | 'bot' | 'educator';
  text: string;
}

/**
 * Step 1: the patient's latest message as a standalone search query ("what about for kids?" after a dengue
 * answer → "dengue in children"), its language, and whether it describes an emergency. All text passed in
 * is already redacted.
 */
export async function understand(
  llm: LlmClient,
  prompt: PromptTemplate,
  input: { history: HistoryLine[]; message: string; languages: { code: string; name: string }[]; budgetMs: number },
): Promise<LlmCallResult<Understanding>> {
  const result = await llm.complete({
    prompt,
    schema: understandingSchema,
    budgetMs: input.budgetMs,
    vars: {
      languages: input.languages.map((l) => `${l.code} = ${l.name}`).join(', '),
      conversation: asData({ history: input.history, message: input.message }),
    },
  });
  // Placeholders and stray quotes help no search.
  const query = result.value.query
    .replace(/\[[A-Z]+_\d+\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { ...result, value: { ...result.value, query, language: result.value.language.trim().toLowerCase() } };
}
