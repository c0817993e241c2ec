import { reply, type Turn } from '../core/turn.ts';
import type { OutboundPart } from '../core/types.ts';
import { choiceIds } from '../knowledge/article-reply.ts';
import type { RetrievedArticle } from './retrieve.ts';

/** The answer as an article card (title of the first cited article, sources of all), plus More when it has sections. */
export function sendAnswer(turn: Turn, answer: string, citations: string[], retrieved: RetrievedArticle[]): boolean {
  const articles = citations.flatMap((id) => {
    const hit = retrieved.find((r) => r.articleId === id);
    const article = turn.kb.article(id, turn.language) ?? turn.kb.article(id, hit?.lang ?? '');
    return article && hit ? [{ article, hit }] : [];
  });
  const [primary] = articles;
  if (!primary) return false;
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
  return true;
}
