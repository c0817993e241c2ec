import type { Step } from '../core/compose.ts';
import { reply, type Turn } from '../core/turn.ts';
import type { LlmDecision, OutboundPart } from '../core/types.ts';
import { choiceIds } from '../knowledge/article-reply.ts';
import type { Logger } from '../shared/logger.ts';
import { composeAnswer } from './compose-answer.ts';
import { loadHistory } from './conversation-history.ts';
import type { EmbeddingIndex } from './embeddings-index.ts';
import { type LlmClient, LlmError } from './llm-client.ts';
import type { PromptName, PromptTemplate } from './prompts.ts';
import { createRedactor } from './redact-pii.ts';
import { type RetrievedArticle, retrieve } from './retrieve.ts';
import { meteredLlm, type TokenBudget } from './token-budget.ts';
import { understand } from './understand.ts';
import { checkGrounding, verifyWithModel } from './verify-grounding.ts';

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
  const { prompts, settings, logger } = deps;
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

    type Outcome =
      | { kind: 'fallback'; reason: string }
      | { kind: 'raise'; flag: 'emergency' | 'crisis' }
      | { kind: 'answer'; answer: string; citations: string[]; articles: RetrievedArticle[] };
    const redactor = createRedactor({ names: [turn.contact.displayName, turn.inbound.from.displayName] });
    const text = turn.text;
    // Only the model calls are inside the try: next() and the safety reply run once, outside it.
    const outcome = await (async (): Promise<Outcome> => {
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
        embeddings: deps.embeddings && {
          index: deps.embeddings,
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
    })().catch((error: unknown): Outcome => {
      if (!(error instanceof LlmError)) logger.error({ err: (error as Error).message }, 'llm answer step failed');
      return { kind: 'fallback', reason: error instanceof LlmError ? error.kind : 'internal_error' };
    });

    if (outcome.kind === 'raise') return raise(outcome.flag);
    if (outcome.kind === 'fallback') return fallback(outcome.reason);
    const sent = await annotate({ grounded: true }, async () =>
      sendAnswer(turn, outcome.answer, outcome.citations, outcome.articles),
    );
    if (!sent) await fallback('citation_not_retrieved');
  };
}

/** The answer as an article card (title of the first cited article, sources of all), plus More when it has sections. */
function sendAnswer(turn: Turn, answer: string, citations: string[], retrieved: RetrievedArticle[]): void {
  const articles = citations.flatMap((id) => {
    const hit = retrieved.find((r) => r.articleId === id);
    const article = turn.kb.article(id, turn.language) ?? turn.kb.article(id, hit?.lang ?? '');
    return article && hit ? [{ article, hit }] : [];
  });
  const [primary] = articles;
  if (!primary) return;
  const sources = [...new Map(articles.flatMap((a) => a.article.sources).map((s) => [s.url, s])).values()];
  const parts: OutboundPart[] = [
    {
      kind: 'article',
      articleId: primary.article.id,
      title: turn.kb.fillClinic(primary.article.title),
      summary: answer,
      sources,
    },
  ];
  if (primary.article.sections.length > 0)
    parts.push({
      kind: 'choices',
      prompt: '',
      choices: [{ id: choiceIds.more(primary.article.id), label: turn.kb.response('more_button', turn.language) }],
    });
  turn.state.lastArticleId = primary.article.id;
  turn.state.lastArticleLang = primary.article.lang;
  turn.state.sectionIndex = -1;
  reply(turn, parts, {
    action: 'answer',
    articles: articles.map((a) => ({ id: a.article.id, score: a.hit.score })),
    confidence: Math.max(...articles.map((a) => a.hit.confidence)),
    ...(primary.article.lang !== turn.language && { servedLanguage: primary.article.lang }),
  });
}
