import { FakeListChatModel } from '@langchain/core/utils/testing';
import { describe, expect, it } from 'vitest';
import { composeAnswer } from '../../../src/llm/compose-answer.ts';
import { LlmError } from '../../../src/llm/llm-client.ts';
import { createNullLlm } from '../../../src/llm/null-llm.ts';
import { createLangChainLlm, parseJson } from '../../../src/llm/openai-llm.ts';
import { loadPrompts } from '../../../src/llm/prompts.ts';
import { understand, understandingSchema } from '../../../src/llm/understand.ts';
import { failureOf } from './support.ts';

/** The LangChain client over LangChain's own fake chat model: prompts render, JSON is validated. */
function fakeLlm(responses: string[], options: { sleep?: number } = {}) {
  const models: FakeListChatModel[] = [];
  const llm = createLangChainLlm({
    chatModel: 'fake',
    responseFormat: 'json_schema',
    attemptTimeoutMs: 300,
    chat: () => {
      const model = new FakeListChatModel({ responses, sleep: options.sleep });
      models.push(model);
      return model;
    },
  });
  return { llm, models };
}
const prompts = loadPrompts();

describe('the LangChain LlmClient (fake chat models)', () => {
  it('understand: renders the prompt and returns the validated rewrite, without placeholders', async () => {
    const { llm } = fakeLlm([
      '```json\n{"query": "dengue in children [NAME_1]", "language": "EN", "safety": "none"}\n```',
    ]);
    const result = await understand(llm, prompts.understand, {
      history: [{ from: 'patient', text: 'what is dengue?' }],
      message: 'what about for kids?',
      languages: [{ code: 'en', name: 'English' }],
      budgetMs: 2000,
    });
    expect(result.value).toEqual({ query: 'dengue in children', language: 'en', safety: 'none' });
    expect(result).toMatchObject({ model: 'fake', attempts: 1 });
  });

  it('compose: output that does not fit the schema is an invalid_output error', async () => {
    const { llm } = fakeLlm(['{"answerable": "yes", "answer": 3}']);
    const failure = await failureOf(
      composeAnswer(llm, prompts.answer, {
        message: 'hi',
        query: 'hi',
        languageName: 'English',
        maxWords: 80,
        passages: [],
        budgetMs: 2000,
      }),
    );
    expect(failure).toBeInstanceOf(LlmError);
    expect(failure.kind).toBe('invalid_output');
  });

  it('a model slower than the budget is abandoned as a timeout', async () => {
    const { llm } = fakeLlm(['{"supported": true, "problems": []}'], { sleep: 5000 });
    const started = performance.now();
    const failure = await failureOf(
      llm.complete({
        prompt: prompts.verify,
        vars: { answer: '"x"', passages: '[]' },
        schema: understandingSchema,
        budgetMs: 800,
      }),
    );
    expect(failure.kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('parses JSON with chatter around it, and refuses what is not JSON', () => {
    expect(
      parseJson('Here you go: {"query":"x","language":"en","safety":"none"} hope it helps', understandingSchema),
    ).toEqual({
      query: 'x',
      language: 'en',
      safety: 'none',
    });
    expect(() => parseJson('no json here', understandingSchema)).toThrow(LlmError);
  });

  it('NullLlm is disabled and never calls anything', async () => {
    const llm = createNullLlm();
    expect(llm.enabled).toBe(false);
    await expect(llm.embed(['x'], { budgetMs: 10 })).rejects.toMatchObject({ kind: 'disabled' });
  });
});
