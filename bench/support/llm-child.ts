/**
 * The product's LlmClient (LangChain ChatOpenAI over the openai SDK, our retry budget) against the local
 * OpenAI-compatible double: `inFlight` callers each issue back-to-back calls for durationS.
 */
import { z } from 'zod';
import { createOpenAiLlm } from '../../src/llm/openai-llm.ts';
import type { PromptTemplate } from '../../src/llm/prompts.ts';
import { serveRpc } from '../lib/procs.ts';
import { summarize } from '../lib/stats.ts';

const PROMPT: PromptTemplate = {
  id: 'bench',
  description: 'benchmark prompt',
  variables: {},
  data: { question: 'the patient question' },
  system: 'Answer the question from the articles. Reply as JSON {"answer": string}.',
  user: 'Question: {{question}}',
  file: 'bench',
};
const schema = z.object({ answer: z.string() });

async function load(message: Record<string, unknown>) {
  const llm = createOpenAiLlm({
    apiKey: 'bench-key',
    baseUrl: String(message.baseUrl),
    chatModel: 'bench-model',
    responseFormat: 'json_schema',
    attemptTimeoutMs: 8000,
    maxOutputTokens: 200,
  });
  const inFlight = Number(message.inFlight);
  const durationMs = Number(message.durationS) * 1000;
  const latencies: number[] = [];
  const done: number[] = [];
  let failed = 0;
  const firstErrors: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() - t0 < durationMs) {
        const started = performance.now();
        try {
          await llm.complete({
            prompt: PROMPT,
            vars: { question: JSON.stringify('what is dengue') },
            schema,
            budgetMs: 8000,
          });
          latencies.push(performance.now() - started);
          done.push(performance.now() - t0);
        } catch (error) {
          failed += 1;
          if (firstErrors.length < 3) firstErrors.push((error as Error).message);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  // Steady state only: completions between 2 s (every caller has started) and the deadline.
  const steady = done.filter((t) => t >= 2000 && t <= durationMs).length / ((durationMs - 2000) / 1000);
  return { completed: latencies.length, failed, firstErrors, seconds, perS: steady, latencyMs: summarize(latencies) };
}

serveRpc({ load, exit: () => void setTimeout(() => process.exit(0), 10) });
process.send?.({ ready: true });
