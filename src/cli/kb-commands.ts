import { readFileSync } from 'node:fs';
import type { Env } from '../config/env.ts';
import { openDatabase } from '../crm/open-database.ts';
import { createSqlCrmStore } from '../crm/sql-crm-store.ts';
import { clusterGaps } from '../knowledge/gap-clusters.ts';
import { runKbTest } from '../knowledge/kb-test.ts';
import { buildSnapshot } from '../knowledge/knowledge-snapshot.ts';
import { lintKnowledge } from '../knowledge/lint.ts';
import { loadKnowledgeFiles } from '../knowledge/load-knowledge.ts';

/** `sehat kb lint`: exit 1 on any error; warnings are printed but pass. */
export function runKbLint(env: Env, options: { dir?: string; today?: string }): number {
  const dir = options.dir ?? env.KNOWLEDGE_DIR;
  const files = loadKnowledgeFiles(dir);
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const problems = lintKnowledge(files, { today, languages: env.LANGUAGES });
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  for (const p of [...errors, ...warnings]) {
    console.log(
      `${p.severity === 'error' ? 'ERROR  ' : 'warning'} ${p.file}${p.field ? ` — ${p.field}` : ''}: ${p.message}`,
    );
  }
  const perLang = env.LANGUAGES.map((l) => `${l}: ${files.articles.filter((a) => a.lang === l).length}`).join(', ');
  console.log(
    `\n${files.articles.length} articles (${perLang}) in ${dir}: ${errors.length} error(s), ${warnings.length} warning(s)`,
  );
  return errors.length > 0 ? 1 : 0;
}

/** `sehat kb test`: every listed question must find its own article first. */
export function runKbTestCommand(env: Env, options: { dir?: string; lang?: string; verbose?: boolean }): number {
  const files = loadKnowledgeFiles(options.dir ?? env.KNOWLEDGE_DIR);
  const snapshot = buildSnapshot(files, { languages: env.LANGUAGES, defaultLanguage: env.DEFAULT_LANGUAGE });
  const report = runKbTest(snapshot, env.ANSWER_MIN_CONFIDENCE, options.lang ? [options.lang] : undefined);
  const failures = report.results.filter((r) => !r.passed);
  if (failures.length > 0) {
    console.log(
      'lang  article                          question                                          → found first (confidence)',
    );
    for (const f of failures) {
      const found = f.top ? `${f.top === f.articleId ? 'itself, too unsure' : f.top} (${f.confidence})` : 'nothing';
      console.log(
        `${f.lang.padEnd(5)} ${f.articleId.padEnd(32)} ${JSON.stringify(f.question).slice(0, 48).padEnd(49)} → ${found}`,
      );
    }
    console.log('');
  }
  for (const l of report.byLanguage) {
    console.log(
      `${l.lang}: ${l.passed}/${l.total} questions find their own article first (${(l.rate * 100).toFixed(1)}%)`,
    );
  }
  if (report.results.length === 0) console.log('no questions found');
  return failures.length > 0 ? 1 : 0;
}

/**
 * `sehat kb eval <file.jsonl>`: retrieval accuracy on held-back phrasings ({"lang","text","expected"} per
 * line) that are not in the articles' questions: top-1 and top-3 per language.
 */
export function runKbEval(env: Env, file: string, options: { dir?: string; verbose?: boolean }): number {
  const snapshot = buildSnapshot(loadKnowledgeFiles(options.dir ?? env.KNOWLEDGE_DIR), {
    languages: env.LANGUAGES,
    defaultLanguage: env.DEFAULT_LANGUAGE,
  });
  const cases = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { lang: string; text: string; expected: string });
  const stats = new Map<string, { total: number; top1: number; top3: number; answered: number }>();
  for (const c of cases) {
    const hits = snapshot.search(c.text, c.lang, 3);
    const s = stats.get(c.lang) ?? { total: 0, top1: 0, top3: 0, answered: 0 };
    s.total += 1;
    const top1 = hits[0]?.articleId === c.expected;
    if (top1) s.top1 += 1;
    if (top1 && (hits[0]?.confidence ?? 0) >= env.ANSWER_MIN_CONFIDENCE) s.answered += 1;
    if (hits.some((h) => h.articleId === c.expected)) s.top3 += 1;
    else if (options.verbose || !top1) {
      if (options.verbose)
        console.log(
          `miss ${c.lang} ${JSON.stringify(c.text)} expected ${c.expected}, got ${hits.map((h) => h.articleId).join(', ') || 'nothing'}`,
        );
    }
    stats.set(c.lang, s);
  }
  const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}%`;
  for (const [lang, s] of stats) {
    console.log(
      `${lang}: top-1 ${pct(s.top1, s.total)}  top-3 ${pct(s.top3, s.total)}  answered correctly (top-1 above the confidence threshold) ${pct(s.answered, s.total)}  (${s.total} phrasings)`,
    );
  }
  return 0;
}

/** `sehat kb gaps`: the most frequent unanswered questions from the CRM, clustered, with counts. */
export async function runKbGaps(
  env: Env,
  options: { db?: string; days?: string; limit?: string; json?: boolean },
): Promise<number> {
  const opened = await openDatabase(options.db ?? env.DATABASE_URL);
  const crm = createSqlCrmStore(opened);
  try {
    const since = new Date(Date.now() - Number(options.days ?? 30) * 86_400_000);
    const questions = await crm.listUnanswered({ since, limit: 10_000 });
    const snapshot = buildSnapshot(loadKnowledgeFiles(env.KNOWLEDGE_DIR), {
      languages: env.LANGUAGES,
      defaultLanguage: env.DEFAULT_LANGUAGE,
    });
    const clusters = clusterGaps(
      questions.map((q) => ({ lang: q.language, text: q.text, bestArticleId: q.bestArticleId })),
      (lang) => snapshot.analyzer(lang),
    ).slice(0, Number(options.limit ?? 20));
    if (options.json) {
      console.log(JSON.stringify(clusters, null, 2));
      return 0;
    }
    if (clusters.length === 0) {
      console.log(`No unanswered questions in the last ${options.days ?? 30} days.`);
      return 0;
    }
    console.log(
      `Unanswered questions in the last ${options.days ?? 30} days (${questions.length} in all), most frequent first:\n`,
    );
    for (const c of clusters) {
      console.log(`${String(c.count).padStart(4)} × [${c.lang}] ${c.examples[0]}`);
      for (const e of c.examples.slice(1)) console.log(`         also: ${e}`);
      if (c.nearestArticle) console.log(`         nearest article (not confident enough): ${c.nearestArticle}`);
    }
    console.log('\nTurn one into an article: see knowledge/README.md ("From an unanswered question to an article").');
    return 0;
  } finally {
    await crm.close();
  }
}
