import type { Env } from '../config/env.ts';
import type { Step } from '../core/compose.ts';
import type { Turn } from '../core/turn.ts';
import type { KeyValueState } from '../queue/key-value-state.ts';
import type { Logger } from '../shared/logger.ts';
import { createEmbeddingIndex } from './embeddings-index.ts';
import { createLlmAnswerStep } from './llm-answer-step.ts';
import type { LlmClient } from './llm-client.ts';
import { createNullLlm } from './null-llm.ts';
import { loadPrompts } from './prompts.ts';
import { createTokenBudget, type TokenBudget } from './token-budget.ts';

/**
 * Picks the LlmClient from the configuration: no OPENAI_API_KEY → NullLlm (nothing is ever sent). The OpenAI
 * and LangChain SDKs (~600 modules, most of a start-up's loading) are imported only when a key is set.
 */
export async function createLlmFromEnv(env: Env): Promise<LlmClient> {
  if (!env.OPENAI_API_KEY) return createNullLlm();
  const { createOpenAiLlm } = await import('./openai-llm.ts');
  return createOpenAiLlm({
    apiKey: env.OPENAI_API_KEY,
    baseUrl: env.OPENAI_BASE_URL,
    chatModel: env.LLM_CHAT_MODEL,
    embeddingModel: env.LLM_EMBEDDING_MODEL,
    responseFormat: env.LLM_RESPONSE_FORMAT,
    attemptTimeoutMs: env.LLM_TIMEOUT_MS,
    maxOutputTokens: env.LLM_MAX_OUTPUT_TOKENS,
  });
}

export interface LlmAnswerer {
  llm: LlmClient;
  budget: TokenBudget;
  /** The answerer step, or undefined when no LLM is configured (then nothing is wired). */
  step?: Step<Turn>;
}

/**
 * Builds the grounded-answer step for `hooks.answerers` (the composition root calls this). Prompts are
 * loaded and validated here, at start-up: a broken prompt stops the start rather than failing mid-chat.
 */
export async function createLlmAnswerer(
  env: Env,
  deps: {
    kv: KeyValueState;
    logger: Logger;
    escalate: (turn: Turn) => Promise<'handled' | 'continue'>;
    llm?: LlmClient;
  },
): Promise<LlmAnswerer> {
  const llm = deps.llm ?? (await createLlmFromEnv(env));
  const budget = createTokenBudget(deps.kv, { monthlyTokens: env.LLM_MONTHLY_TOKEN_BUDGET });
  if (!llm.enabled) return { llm, budget };
  const prompts = loadPrompts();
  const embeddings = llm.embeddingModel
    ? createEmbeddingIndex({ llm, cacheDir: env.LLM_EMBEDDINGS_CACHE_DIR, logger: deps.logger })
    : undefined;
  deps.logger.info(
    {
      model: llm.chatModel,
      server: env.OPENAI_BASE_URL ? new URL(env.OPENAI_BASE_URL).host : 'api.openai.com',
      embeddings: llm.embeddingModel ?? 'off',
      verifyModel: env.LLM_VERIFY_MODEL ?? 'off',
      monthlyTokenBudget: env.LLM_MONTHLY_TOKEN_BUDGET || 'unlimited',
    },
    'grounded LLM answers on',
  );
  const step = createLlmAnswerStep({
    llm,
    prompts,
    budget,
    embeddings,
    escalate: deps.escalate,
    logger: deps.logger,
    settings: {
      maxWaitMs: env.LLM_MAX_WAIT_MS,
      maxWords: env.LLM_ANSWER_MAX_WORDS,
      maxOutputTokens: env.LLM_MAX_OUTPUT_TOKENS,
      verifyModel: env.LLM_VERIFY_MODEL,
    },
  });
  return { llm, budget, step };
}
