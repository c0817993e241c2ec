import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { z } from 'zod';
import { parseYaml } from '../shared/yaml.ts';
import { type Article, articleFrontMatterSchema, splitSections } from './article.ts';
import { parseFrontMatter } from './front-matter.ts';
import { type LexiconFile, lexiconFileSchema } from './lexicon.ts';
import { type ResponsesFile, responsesFileSchema } from './responses.ts';

export interface KbProblem {
  severity: 'error' | 'warning';
  /** Path relative to the knowledge folder. */
  file: string;
  field?: string;
  message: string;
}

/** What is on disk, validated; no index yet. */
export interface KnowledgeFiles {
  dir: string;
  articles: Article[];
  lexicons: Map<string, LexiconFile[]>;
  responses: Map<string, ResponsesFile>;
  /** Flattened clinic.yaml: { 'clinic.phone': '+62 …' } */
  clinicVars: Record<string, string>;
  /** Folder under knowledge/ holding safety rules (read by src/triage). */
  safetyDir: string;
  problems: KbProblem[];
}

const LANGUAGE_DIR = /^[a-z]{2}$/;

function zodProblems(file: string, error: z.ZodError): KbProblem[] {
  return error.issues.map((issue) => ({
    severity: 'error' as const,
    file,
    field: issue.path.join('.') || undefined,
    message: issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'is missing' : issue.message,
  }));
}

function readYaml(path: string, file: string, problems: KbProblem[]): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({
      severity: 'error',
      file,
      message: `is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    });
    return undefined;
  }
}

function loadArticle(
  dir: string,
  path: string,
  lang: string,
  problems: KbProblem[],
  seen: Map<string, string>,
): Article | undefined {
  const file = relative(dir, path);
  let doc: { data: unknown; body: string };
  try {
    doc = parseFrontMatter(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ severity: 'error', file, message: (error as Error).message.split('\n')[0] ?? 'unreadable' });
    return undefined;
  }
  const parsed = articleFrontMatterSchema.safeParse(doc.data ?? {});
  if (!parsed.success) {
    problems.push(...zodProblems(file, parsed.error));
    return undefined;
  }
  const fm = parsed.data;
  const before = problems.length;
  const earlier = seen.get(fm.id);
  if (earlier) {
    problems.push({ severity: 'error', file, field: 'id', message: `"${fm.id}" duplicates the id of ${earlier}` });
    return undefined;
  }
  if (fm.lang !== lang)
    problems.push({
      severity: 'error',
      file,
      field: 'lang',
      message: `is "${fm.lang}" but the file is in the "${lang}" folder`,
    });
  if (`${fm.id}.md` !== basename(path))
    problems.push({
      severity: 'error',
      file,
      field: 'id',
      message: `is "${fm.id}" but the file is named ${basename(path)}`,
    });
  const sections = splitSections(doc.body);
  if (sections.length === 0)
    problems.push({ severity: 'error', file, field: 'body', message: 'needs at least one "## " section' });
  if (problems.length > before) return undefined;
  return {
    id: fm.id,
    lang: fm.lang,
    title: fm.title,
    topics: fm.topics,
    questions: fm.questions,
    summary: fm.summary.trim(),
    sources: fm.sources,
    reviewedBy: fm.reviewed_by,
    reviewedOn: fm.reviewed_on,
    reviewDue: fm.review_due,
    sections,
    file,
  };
}

function listFiles(dir: string, extension: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension) && !name.startsWith('.'))
    .sort()
    .map((name) => join(dir, name));
}

function flatten(prefix: string, value: unknown, out: Record<string, string>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(prefix ? `${prefix}.${key}` : key, inner, out);
  } else if (value !== undefined && value !== null) {
    out[prefix] = String(value);
  }
}

/** Reads and validates every knowledge file. Never throws for bad content: problems are returned. */
export function loadKnowledgeFiles(dir: string): KnowledgeFiles {
  const problems: KbProblem[] = [];
  const articles: Article[] = [];
  const lexicons = new Map<string, LexiconFile[]>();
  const responses = new Map<string, ResponsesFile>();
  if (!existsSync(dir)) {
    problems.push({ severity: 'error', file: dir, message: 'knowledge folder not found' });
  }
  const langDirs = existsSync(dir)
    ? readdirSync(dir).filter((name) => LANGUAGE_DIR.test(name) && statSync(join(dir, name)).isDirectory())
    : [];
  for (const lang of langDirs.sort()) {
    const seen = new Map<string, string>();
    for (const path of listFiles(join(dir, lang), '.md')) {
      const article = loadArticle(dir, path, lang, problems, seen);
      if (!article) continue;
      seen.set(article.id, article.file);
      articles.push(article);
    }
  }
  const lexiconDir = join(dir, 'lexicon');
  const lexiconPaths = [
    ...listFiles(lexiconDir, '.yaml').map((path) => ({ path, lang: basename(path, '.yaml') })),
    ...(existsSync(lexiconDir) ? readdirSync(lexiconDir) : [])
      .filter((name) => LANGUAGE_DIR.test(name) && statSync(join(lexiconDir, name)).isDirectory())
      .flatMap((lang) => listFiles(join(lexiconDir, lang), '.yaml').map((path) => ({ path, lang }))),
  ];
  for (const { path, lang } of lexiconPaths) {
    const file = relative(dir, path);
    const data = readYaml(path, file, problems);
    if (data === undefined) continue;
    const parsed = lexiconFileSchema.safeParse(data ?? {});
    if (!parsed.success) problems.push(...zodProblems(file, parsed.error));
    else lexicons.set(lang, [...(lexicons.get(lang) ?? []), parsed.data]);
  }
  for (const path of listFiles(join(dir, 'responses'), '.yaml')) {
    const file = relative(dir, path);
    const data = readYaml(path, file, problems);
    if (data === undefined) continue;
    const parsed = responsesFileSchema.safeParse(data ?? {});
    if (!parsed.success) problems.push(...zodProblems(file, parsed.error));
    else responses.set(basename(path, '.yaml'), parsed.data);
  }
  const clinicVars: Record<string, string> = {};
  const clinicPath = join(dir, 'clinic.yaml');
  if (existsSync(clinicPath)) flatten('', readYaml(clinicPath, 'clinic.yaml', problems), clinicVars);
  return { dir, articles, lexicons, responses, clinicVars, safetyDir: join(dir, 'safety'), problems };
}
