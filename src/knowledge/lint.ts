import type { Article } from './article.ts';
import type { KbProblem, KnowledgeFiles } from './load-knowledge.ts';
import { findPlaceholders, RESPONSE_KEYS } from './responses.ts';
import { foldWords } from './text-analysis.ts';

export interface LintOptions {
  /** YYYY-MM-DD; reviews due before this date are flagged. */
  today: string;
  languages: string[];
}

function articleText(article: Article): string {
  return [article.title, article.summary, ...article.sections.flatMap((s) => [s.heading, s.markdown])].join('\n');
}

/**
 * Everything `sehat kb lint` reports: the loader's schema problems plus checks across files (duplicate
 * questions, overdue reviews, missing translations, unfilled clinic placeholders, missing responses).
 */
export function lintKnowledge(files: KnowledgeFiles, options: LintOptions): KbProblem[] {
  const problems: KbProblem[] = [...files.problems];
  const questionOwner = new Map<string, string>();
  for (const article of files.articles) {
    if (article.reviewDue < options.today) {
      problems.push({
        severity: 'warning',
        file: article.file,
        field: 'review_due',
        message: `review was due on ${article.reviewDue}`,
      });
    }
    if (article.reviewDue < article.reviewedOn) {
      problems.push({ severity: 'error', file: article.file, field: 'review_due', message: 'is before reviewed_on' });
    }
    for (const question of article.questions) {
      const key = `${article.lang}:${foldWords(question).join(' ')}`;
      const owner = questionOwner.get(key);
      if (owner && owner !== article.file) {
        problems.push({
          severity: 'error',
          file: article.file,
          field: 'questions',
          message: `"${question}" is also listed in ${owner}`,
        });
      } else if (owner === article.file) {
        problems.push({
          severity: 'warning',
          file: article.file,
          field: 'questions',
          message: `"${question}" is listed twice`,
        });
      } else questionOwner.set(key, article.file);
    }
    for (const name of new Set(findPlaceholders(articleText(article)))) {
      if (!files.clinicVars[name]) {
        problems.push({
          severity: 'warning',
          file: article.file,
          message: `placeholder {{${name}}} is not filled in knowledge/clinic.yaml`,
        });
      }
    }
  }
  const langsById = new Map<string, Set<string>>();
  for (const a of files.articles) langsById.set(a.id, (langsById.get(a.id) ?? new Set()).add(a.lang));
  for (const [id, langs] of langsById) {
    for (const lang of options.languages.filter((l) => !langs.has(l))) {
      problems.push({
        severity: 'warning',
        file: `${lang}/${id}.md`,
        message: `missing translation of "${id}" (exists in ${[...langs].join(', ')})`,
      });
    }
  }
  for (const lang of options.languages) {
    const responses = files.responses.get(lang);
    if (!responses) {
      problems.push({
        severity: 'error',
        file: `responses/${lang}.yaml`,
        message: 'is missing: the bot has no fixed messages in this language',
      });
      continue;
    }
    for (const key of RESPONSE_KEYS.filter((k) => !responses.messages[k])) {
      problems.push({
        severity: 'error',
        file: `responses/${lang}.yaml`,
        field: `messages.${key}`,
        message: 'is missing',
      });
    }
  }
  return problems;
}
