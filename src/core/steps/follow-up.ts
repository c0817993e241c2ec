import { articleSectionParts, articleSummaryParts, choiceIds, pickTranslation } from '../../knowledge/article-reply.ts';
import type { Step } from '../compose.ts';
import { reply, type Turn, textPart } from '../turn.ts';

/** Sends the next section of an article ("more", or the More button). */
export function sendNextSection(turn: Turn, articleId: string): void {
  const found = pickTranslation(turn.kb, articleId, turn.language);
  if (!found) return;
  const { article } = found;
  const sameArticle = turn.state.lastArticleId === articleId;
  const index = sameArticle ? (turn.state.sectionIndex ?? -1) + 1 : 0;
  const articles = [{ id: article.id, score: 1 }];
  if (index >= article.sections.length) {
    reply(turn, [textPart(turn.kb.response('no_more', turn.language, { title: article.title }))], {
      action: 'more',
      articles,
      confidence: 1,
      reason: 'no_more_sections',
    });
    return;
  }
  turn.state.lastArticleId = article.id;
  turn.state.lastArticleLang = article.lang;
  turn.state.sectionIndex = index;
  reply(turn, articleSectionParts(turn.kb, article, index, turn.language), {
    action: 'more',
    articles,
    confidence: 1,
    ...(article.lang !== turn.language && { servedLanguage: article.lang }),
  });
}

/** Sends an article's summary (a clarification button, or the answer step's pick). */
export function sendArticle(
  turn: Turn,
  articleId: string,
  evidence: { id: string; score: number }[],
  confidence: number,
): boolean {
  const found = pickTranslation(turn.kb, articleId, turn.language);
  if (!found) return false;
  turn.state.lastArticleId = found.article.id;
  turn.state.lastArticleLang = found.article.lang;
  turn.state.sectionIndex = -1;
  const parts = [
    ...(found.notice ? [found.notice] : []),
    ...articleSummaryParts(turn.kb, found.article, turn.language),
  ];
  reply(turn, parts, {
    action: 'answer',
    articles: evidence,
    confidence,
    ...(found.article.lang !== turn.language && { servedLanguage: found.article.lang }),
  });
  return true;
}

/** Buttons (choices) and "more" messages refer to what the bot said before; everything else goes on. */
export const followUpStep: Step<Turn> = async (turn, next) => {
  const content = turn.inbound.content;
  if (content.kind === 'choice') {
    const choice = choiceIds.parse(content.choiceId);
    if (choice?.kind === 'more') return sendNextSection(turn, choice.articleId);
    if (choice?.kind === 'article' && sendArticle(turn, choice.articleId, [{ id: choice.articleId, score: 1 }], 1))
      return;
    // A stale or unknown button: answer its label as if typed.
  }
  if (turn.text && turn.state.lastArticleId && turn.kb.isMoreRequest(turn.text, turn.language)) {
    return sendNextSection(turn, turn.state.lastArticleId);
  }
  await next();
};
