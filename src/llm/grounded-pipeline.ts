import type { Turn } from '../core/turn.ts';
import type { LlmDecision } from '../core/types.ts';
import type { Logger } from '../shared/logger.ts';
import { composeAnswer } from './compose-answer.ts';
import { loadHistory } from './conversation-history.ts';
import type { EmbeddingIndex } from './embeddings-index.ts';
import { type LlmClient, LlmError } from './llm-client.ts';
import type { PromptName, PromptTemplate } from './prompts.ts';
import type { Redactor } from './redact-pii.ts';
import { type RetrievedArticle, retrieve } from './retrieve.ts';
import { understand } from './understand.ts';
import { checkGrounding, verifyWithModel } from './verify-grounding.ts';

export type Outcome =
  | { kind: 'fallback'; reason: string }
  | { kind: 'raise'; flag: 'emergency' | 'crisis' }
  | { kind: 'answer'; answer: string; citations: string[]; articles: RetrievedArticle[] };

export interface PipelineContext {
  /** The turn's metered client (budget + token count). */
  llm: LlmClient;
  prompts: Record<PromptName, PromptTemplate>;
  embeddings?: EmbeddingIndex;
  redactor: Redactor;
  /** Milliseconds left of the patient's latency budget. */
  left: () => number;
  settings: { maxWords: number; verifyModel?: string };
  /** Filled in as the pipeline learns things the Decision should show. */
  info: Partial<LlmDecision>;
  logger: Logger;
}

/**
 * understand → retrieve → answer → verify, for one message. Never throws: every failure is an outcome
 * (fallback with its reason), so the step calls next() exactly once.
 */
export async function runGroundedPipeline(turn: Turn, text: string, ctx: PipelineContext): Promise<Outcome> {
  const { llm, prompts, redactor, left, settings, info } = ctx;
  try {
    const message = redactor.redact(text);
    const history = await loadHistory(turn, redactor);
    let query = message;
    // Understanding costs a call: worth it when there is a conversation to resolve or the language is unsure.
    if (history.length > 0 || !turn.languageConfident) {
      const understood = await understand(llm, prompts.understand, {
        history,
        message,
        languages: turn.settings.languages.map((code) => ({ code, name: turn.kb.languageName(code) })),
        budgetMs: left(),
      });
      if (understood.value.safety !== 'none') return { kind: 'raise', flag: understood.value.safety };
      query = understood.value.query || message;
      const lang = understood.value.language;
      if (!turn.languageConfident && !turn.state.languageLocked && turn.settings.languages.includes(lang))
        turn.language = lang;
    }
    info.query = query;
    const retrieval = await retrieve({
      kb: turn.kb,
      // Placeholders ([NAME_1]) are no search words.
      query: query.replace(/\[[A-Z]+_\d+\]/g, ' '),
      lang: turn.language,
      languages: turn.settings.languages,
      minConfidence: turn.settings.answerMinConfidence / 2,
      embeddings: ctx.embeddings && {
        index: ctx.embeddings,
        embedQuery: async (q) => (await llm.embed([q], { budgetMs: left() })).vectors[0] ?? [],
      },
    });
    info.retrieved = retrieval.articles.map((a) => a.articleId);
    if (retrieval.passages.length === 0) return { kind: 'fallback', reason: 'nothing_retrieved' };

    const draft = await composeAnswer(llm, prompts.answer, {
      message,
      query,
      languageName: turn.kb.languageName(turn.language),
      maxWords: settings.maxWords,
      passages: retrieval.passages,
      budgetMs: left(),
    });
    if (draft.value.safety !== 'none') return { kind: 'raise', flag: draft.value.safety };
    const verdict = checkGrounding({
      draft: draft.value,
      retrieved: retrieval.passages,
      kb: turn.kb,
      question: `${message}\n${query}`,
      language: turn.language,
      maxWords: settings.maxWords,
      systemPrompts: [prompts.understand.system, prompts.answer.system, prompts.verify.system],
    });
    if (!verdict.ok) return { kind: 'fallback', reason: verdict.problem };
    const citations = [...new Set(draft.value.citations.map((c) => c.trim()))];
    if (settings.verifyModel) {
      const second = await verifyWithModel(llm, prompts.verify, {
        answer: draft.value.answer,
        passages: retrieval.passages.filter((p) => citations.includes(p.id)),
        model: settings.verifyModel,
        budgetMs: left(),
      });
      if (!second.value.supported) return { kind: 'fallback', reason: 'verifier_rejected' };
    }
    info.verifiedBy = settings.verifyModel ? 'rules+model' : 'rules';
    return { kind: 'answer', answer: redactor.restore(draft.value.answer), citations, articles: retrieval.articles };
  } catch (error) {
    if (!(error instanceof LlmError)) ctx.logger.error({ err: (error as Error).message }, 'llm answer step failed');
    return { kind: 'fallback', reason: error instanceof LlmError ? error.kind : 'internal_error' };
  }
}
