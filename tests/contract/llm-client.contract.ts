import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LlmClient, LlmError } from '../../src/llm/llm-client.ts';
import { loadPrompts } from '../../src/llm/prompts.ts';

export interface LlmClientFixture {
  /** A client whose next chat replies are these raw texts, in order (a reply of `null` never comes). */
  withReplies(replies: (string | null)[]): LlmClient;
  cleanup(): Promise<void>;
}

const verdict = z.strictObject({ supported: z.boolean(), problems: z.array(z.string()) });

async function failureOf(work: Promise<unknown>): Promise<LlmError> {
  try {
    await work;
  } catch (error) {
    return error as LlmError;
  }
  throw new Error('expected the call to fail');
}

/** One suite, every enabled LlmClient implementation (LangChain over a fake model; the openai SDK over HTTP). */
export function llmClientContract(name: string, setup: () => Promise<LlmClientFixture>): void {
  describe(`LlmClient contract: ${name}`, () => {
    let fixture: LlmClientFixture;
    const prompt = loadPrompts().verify;
    const request = { prompt, vars: { answer: '{"answer":"x"}', passages: '[]' }, schema: verdict, budgetMs: 2000 };

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(() => fixture.cleanup());

    it('returns the JSON reply validated by the schema, with the model name', async () => {
      const llm = fixture.withReplies(['{"supported": true, "problems": []}']);
      const result = await llm.complete(request);
      expect(result.value).toEqual({ supported: true, problems: [] });
      expect(result.model).toBe(llm.chatModel);
      expect(result.attempts).toBe(1);
      expect(result.usage.inputTokens).toBeGreaterThanOrEqual(0);
    });

    it('a reply that is not JSON, or does not fit the schema, is invalid_output (not retried)', async () => {
      expect((await failureOf(fixture.withReplies(['sure!']).complete(request))).kind).toBe('invalid_output');
      const misfit = fixture.withReplies(['{"supported": "maybe"}', '{"supported": true, "problems": []}']);
      expect((await failureOf(misfit.complete(request))).kind).toBe('invalid_output');
    });

    it('a reply that never comes is a timeout within the budget', async () => {
      const started = performance.now();
      const failure = await failureOf(
        fixture.withReplies([null, null, null, null]).complete({ ...request, budgetMs: 900 }),
      );
      expect(failure.kind).toBe('timeout');
      expect(performance.now() - started).toBeLessThan(1200);
    });

    it('refuses variables the prompt does not declare', async () => {
      const llm = fixture.withReplies(['{"supported": true, "problems": []}']);
      await expect(llm.complete({ ...request, vars: { answer: 'x' } })).rejects.toThrow(/needs/);
    });

    it('embeds texts into one vector each, in order', async () => {
      const llm = fixture.withReplies([]);
      const { vectors } = await llm.embed(['dengue fever', 'healthy food', 'dengue fever'], { budgetMs: 2000 });
      expect(vectors).toHaveLength(3);
      expect(vectors[0]).toEqual(vectors[2]);
      expect(vectors[0]).not.toEqual(vectors[1]);
    });
  });
}
