import type { Choice, OutboundPart } from '../core/types.ts';
import type { Article } from './article.ts';
import type { KnowledgeSnapshot } from './knowledge-snapshot.ts';

/** Button ids the bot understands when they come back as a `choice`. */
export const choiceIds = {
  more: (articleId: string) => `more:${articleId}`,
  article: (articleId: string) => `article:${articleId}`,
  parse(choiceId: string): { kind: 'more' | 'article'; articleId: string } | undefined {
    const m = /^(more|article):([a-z0-9-]+)$/.exec(choiceId);
    return m ? { kind: m[1] as 'more' | 'article', articleId: m[2] ?? '' } : undefined;
  },
};

function moreButton(kb: KnowledgeSnapshot, article: Article, lang: string): OutboundPart {
  const label = kb.response('more_button', lang);
  const choice: Choice = { id: choiceIds.more(article.id), label };
  return { kind: 'choices', prompt: '', choices: [choice] };
}

/** The first answer from an article: title, summary, sources, and a More button when there is more. */
export function articleSummaryParts(kb: KnowledgeSnapshot, article: Article, lang: string): OutboundPart[] {
  const parts: OutboundPart[] = [
    {
      kind: 'article',
      articleId: article.id,
      title: kb.fillClinic(article.title),
      summary: kb.fillClinic(article.summary),
      sources: article.sources,
    },
  ];
  if (article.sections.length > 0) parts.push(moreButton(kb, article, lang));
  return parts;
}

/** Section `index` of an article, with a More button when another section follows. */
export function articleSectionParts(
  kb: KnowledgeSnapshot,
  article: Article,
  index: number,
  lang: string,
): OutboundPart[] {
  const section = article.sections[index];
  if (!section) return [];
  const heading = section.heading ? `**${kb.fillClinic(section.heading)}**\n\n` : '';
  const parts: OutboundPart[] = [{ kind: 'text', markdown: `${heading}${kb.fillClinic(section.markdown)}` }];
  if (index + 1 < article.sections.length) parts.push(moreButton(kb, article, lang));
  return parts;
}

/**
 * The article in the wanted language, or else in another language the patient can read, with a notice.
 * Returns undefined when the article does not exist at all.
 */
export function pickTranslation(
  kb: KnowledgeSnapshot,
  articleId: string,
  lang: string,
): { article: Article; notice?: OutboundPart } | undefined {
  const exact = kb.article(articleId, lang);
  if (exact) return { article: exact };
  const available = kb.translations(articleId);
  const fallbackLang = available.includes(kb.defaultLanguage) ? kb.defaultLanguage : available[0];
  const article = fallbackLang ? kb.article(articleId, fallbackLang) : undefined;
  if (!article) return undefined;
  const notice = kb.response('translation_missing', lang, {
    language: kb.languageName(lang),
    available: kb.languageName(article.lang),
  });
  return { article, notice: { kind: 'text', markdown: notice } };
}
