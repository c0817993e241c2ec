import { describe, expect, it } from 'vitest';
import type { LlmClient } from '../../../src/llm/llm-client.ts';
import { loadPrompts } from '../../../src/llm/prompts.ts';
import { createTokenBudget, meteredLlm } from '../../../src/llm/token-budget.ts';
import { createMemoryKeyValueState } from '../../../src/queue/key-value-state.ts';
import { failureOf } from './support.ts';

const at = new Date('2026-03-02T03:00:00Z');

describe('the monthly token budget', () => {
  it('reserves before a call, refuses what would pass the budget, and settles to the real cost', async () => {
    const budget = createTokenBudget(createMemoryKeyValueState(), { monthlyTokens: 1000 });
    const first = await budget.reserve(600, at);
    expect(first).toBeDefined();
    expect(await budget.reserve(600, at)).toBeUndefined(); // 1200 > 1000: refused, not overspent
    await first?.settle(250, 'conv-1');
    expect(await budget.usage(at, 'conv-1')).toEqual({ month: 250, day: 250, conversation: 250 });
    expect(await budget.reserve(600, at)).toBeDefined(); // 850 ≤ 1000
  });

  it('counts per day and per conversation; a new month starts from zero', async () => {
    const budget = createTokenBudget(createMemoryKeyValueState(), { monthlyTokens: 0 });
    await (await budget.reserve(10, at))?.settle(10, 'a');
    await (await budget.reserve(10, new Date('2026-03-03T03:00:00Z')))?.settle(30, 'b');
    expect(await budget.usage(at, 'a')).toEqual({ month: 40, day: 10, conversation: 10 });
    expect((await budget.usage(new Date('2026-04-01T00:00:00Z'))).month).toBe(0);
  });

  it('a metered client refuses calls once the budget is spent, and meters what it spends', async () => {
    const budget = createTokenBudget(createMemoryKeyValueState(), { monthlyTokens: 5000 });
    let calls = 0;
    const llm: LlmClient = {
      enabled: true,
      chatModel: 'm',
      async complete() {
        calls += 1;
        return {
          value: {} as never,
          model: 'm',
          usage: { inputTokens: 1500, outputTokens: 100 },
          latencyMs: 5,
          attempts: 1,
        };
      },
      embed: () => Promise.reject(new Error('no')),
    };
    const prompt = loadPrompts().verify;
    const request = { prompt, vars: { answer: '"x"', passages: '[]' }, schema: {} as never, budgetMs: 1000 };
    const { llm: metered, meter } = meteredLlm(llm, { budget, conversationId: 'c', at, maxOutputTokens: 500 });
    await metered.complete(request);
    await metered.complete(request);
    await metered.complete(request);
    const refused = await failureOf(metered.complete(request));
    expect(refused.kind).toBe('budget_exhausted');
    expect(calls).toBe(3);
    expect(meter).toMatchObject({ calls: 3, usage: { inputTokens: 4500, outputTokens: 300 } });
    expect((await budget.usage(at)).month).toBe(4800);
  });
});
