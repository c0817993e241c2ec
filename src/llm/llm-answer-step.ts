import type { Step } from '../core/compose.ts';
import type { Turn } from '../core/turn.ts';
import type { LlmDecision } from '../core/types.ts';
import type { Logger } from '../shared/logger.ts';
import { sendAnswer } from './answer-reply.ts';
import type { EmbeddingIndex } from './embeddings-index.ts';
import { runGroundedPipeline } from './grounded-pipeline.ts';
import type { LlmClient } from './llm-client.ts';
import type { PromptName, PromptTemplate } from './prompts.ts';
import { createRedactor } from './redact-pii.ts';
import { meteredLlm, type TokenBudget } from './token-budget.ts';

export interface LlmAnswerSettings {
  /** The patient never waits longer than this for the LLM path (the retrieval answer follows at once). */
  maxWaitMs: number;
  maxWords: number;
  maxOutputTokens: number;
  /** A second model call checks each answer when set. */
  verifyModel?: string;
}

export interface LlmAnswerDeps {
  llm: LlmClient;
  prompts: Record<PromptName, PromptTemplate>;
  budget: TokenBudget;
  embeddings?: EmbeddingIndex;
  /** The triage responder: sends the reviewed emergency/crisis reply when the model raises the class. */
  escalate: (turn: Turn) => Promise<'handled' | 'continue'>;
  settings: LlmAnswerSettings;
  logger: Logger;
}

/** Time kept back from the budget for the retrieval answer after a failure. */
const FALLBACK_RESERVE_MS = 250;

/**
 * The grounded LLM answer (an EngineHooks answerer): understand → retrieve → answer → verify. It runs only
 * for routine text in bot mode (triage ran before it, independently). On success it replies with the answer
 * and its citations; on any failure — budget, timeout, 429, 5xx, invalid output, a citation not retrieved,
 * an invented dose — it records why and calls next(), so the retrieval answer is sent instead.
 */
export function createLlmAnswerStep(deps: LlmAnswerDeps): Step<Turn> {
  const { settings, logger } = deps;
  return async (turn, next) => {
    if (!turn.text?.trim() || turn.triage.triage !== 'routine' || turn.conversation.mode !== 'bot') return next();
    const started = performance.now();
    const left = () => settings.maxWaitMs - FALLBACK_RESERVE_MS - (performance.now() - started);
    const { llm, meter } = meteredLlm(deps.llm, {
      budget: deps.budget,
      conversationId: turn.conversation.id,
      at: turn.clock.now(),
      maxOutputTokens: settings.maxOutputTokens,
    });
    const info: Partial<LlmDecision> = {};
    const decision = (fields: Partial<LlmDecision>): LlmDecision => ({
      model: [...meter.models].join('+') || deps.llm.chatModel,
      grounded: false,
      ...info,
      ...fields,
      tokens: { input: meter.usage.inputTokens, output: meter.usage.outputTokens },
      latencyMs: Math.round(performance.now() - started),
      calls: meter.calls,
    });
    /** Runs `work` (next() or a safety reply) and stamps the LLM verdict on the replies it added. */
    const annotate = async (fields: Partial<LlmDecision>, work: () => Promise<unknown>) => {
      const llmDecision = decision(fields);
      const before = turn.replies.length;
      await work();
      const added = turn.replies.slice(before);
      for (const planned of added) planned.decision.llm = llmDecision;
      if (added.length > 0)
        logger.info(
          { conversationId: turn.conversation.id, ...llmDecision, query: undefined, retrieved: undefined },
          llmDecision.grounded ? 'llm answer sent' : 'llm answer not used',
        );
      return added.length > 0;
    };
    const raise = async (flag: 'emergency' | 'crisis') => {
      // Raise only: this step runs for routine messages, so nothing the model says can lower a class.
      turn.triage = { triage: flag, rules: [...turn.triage.rules, `llm:${flag}`] };
      await annotate({ fallbackReason: `raised_${flag}`, raisedTriage: flag }, async () => {
        if ((await deps.escalate(turn)) !== 'handled') await next();
      });
    };
    const fallback = async (reason: string) => {
      await annotate({ fallbackReason: reason }, next);
    };

    const redactor = createRedactor({ names: [turn.contact.displayName, turn.inbound.from.displayName] });
    const outcome = await runGroundedPipeline(turn, turn.text, { ...deps, llm, redactor, left, info });
    if (outcome.kind === 'raise') return raise(outcome.flag);
    if (outcome.kind === 'fallback') return fallback(outcome.reason);
    const sent = await annotate({ grounded: true }, async () =>
      sendAnswer(turn, outcome.answer, outcome.citations, outcome.articles),
    );
    if (!sent) await fallback('citation_not_retrieved');
  };
}
