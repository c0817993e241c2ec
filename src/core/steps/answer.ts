import { choiceIds } from '../../knowledge/article-reply.ts';
import type { SearchHit } from '../../knowledge/search-index.ts';
import type { Step } from '../compose.ts';
import { reply, type Turn, textPart } from '../turn.ts';
import { sendArticle } from './follow-up.ts';

/**
 * Searches the reviewed knowledge base. Confident → the article's summary; two close candidates → ask which
 * one with buttons; not confident → no guess: tell the patient an educator will answer, record the
 * unanswered question for the editors, and ask for a hand-off.
 */
export const answerStep: Step<Turn> = async (turn) => {
  const query = turn.text ?? (turn.inbound.content.kind === 'choice' ? (turn.inbound.content.label ?? '') : '');
  const { answerMinConfidence, clarifyMargin, languages } = turn.settings;

  let hits = turn.kb.search(query, turn.language, 5);
  // Mixed-language messages, and articles not yet translated: other languages get a chance. The reply
  // language only follows when we were unsure of it (pickTranslation serves what exists, with a notice).
  if ((hits[0]?.confidence ?? 0) < answerMinConfidence) {
    for (const lang of languages.filter((l) => l !== turn.language)) {
      const other = turn.kb.search(query, lang, 5);
      if (
        (other[0]?.confidence ?? 0) >= answerMinConfidence &&
        (other[0]?.confidence ?? 0) > (hits[0]?.confidence ?? 0)
      ) {
        hits = other;
        if (!turn.languageConfident && !turn.state.languageLocked && turn.kb.article(other[0]?.articleId ?? '', lang))
          turn.language = lang;
      }
    }
  }
  const evidence = hits.map((h) => ({ id: h.articleId, score: h.score }));
  const [best, second] = hits;

  if (!best || best.confidence < answerMinConfidence) {
    await recordUnanswered(turn, query, best);
    reply(turn, [textPart(turn.kb.response('not_understood', turn.language))], {
      action: 'fallback',
      articles: evidence,
      confidence: best?.confidence ?? 0,
      reason: 'low_confidence',
    });
    turn.handoffRequests.push({ reason: 'unanswered', priority: 'normal' });
    return;
  }

  const close =
    second && second.confidence >= answerMinConfidence && (best.score - second.score) / best.score < clarifyMargin;
  if (close) {
    const choices = [best, second].map((hit) => {
      const article =
        turn.kb.article(hit.articleId, turn.language) ??
        turn.kb.article(hit.articleId, turn.kb.translations(hit.articleId)[0] ?? '');
      return { id: choiceIds.article(hit.articleId), label: article?.title ?? hit.articleId };
    });
    reply(turn, [{ kind: 'choices', prompt: turn.kb.response('clarify_prompt', turn.language), choices }], {
      action: 'clarify',
      articles: evidence,
      confidence: best.confidence,
    });
    return;
  }

  sendArticle(turn, best.articleId, evidence, best.confidence);
};

async function recordUnanswered(turn: Turn, text: string, best: SearchHit | undefined): Promise<void> {
  if (!text.trim()) return;
  await turn.crm.recordUnanswered({
    conversationId: turn.conversation.id,
    messageId: turn.messageId,
    language: turn.language,
    text,
    bestArticleId: best?.articleId ?? null,
    bestConfidence: best?.confidence ?? 0,
    at: turn.clock.now(),
  });
}
