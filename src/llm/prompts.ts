import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { parseFrontMatter } from '../knowledge/front-matter.ts';
import { PACKAGE_ROOT } from '../shared/package-root.ts';

/**
 * Prompt templates are content, reviewed like articles: one Markdown file per prompt in prompts/, with a
 * front matter that declares every variable, and a `## system` and a `## user` section.
 *
 * Two kinds of variables keep patient text out of the rules:
 * - `variables` are values Sehat fills in itself (language name, word limit); they may appear anywhere;
 * - `data` are untrusted (the patient's words, conversation history, knowledge passages). They are passed
 *   JSON-encoded and may appear only in the user message, never in the system message, so nothing a patient
 *   writes can become part of the rules (prompt injection is data, not instructions).
 *
 * Tags are plain `{{name}}` (rendered by LangChain's mustache templates, with no HTML escaping); sections,
 * partials and triple braces are refused so a template is always a flat fill-in.
 */
export const PROMPT_NAMES = ['understand', 'answer', 'verify'] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

export const DEFAULT_PROMPTS_DIR = join(PACKAGE_ROOT, 'prompts');

export interface PromptTemplate {
  id: string;
  description: string;
  /** Trusted variables, by name → description. */
  variables: Record<string, string>;
  /** Untrusted data variables (user section only), by name → description. */
  data: Record<string, string>;
  system: string;
  user: string;
  file: string;
}

const frontMatterSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lowercase name like "answer"'),
  description: z.string().trim().min(10, 'must say what the prompt is for'),
  variables: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string().min(3)).default({}),
  data: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string().min(3)).default({}),
});

const TAG = /\{\{([^}]*)\}\}/g;
const SECTION = /^## (system|user)[ \t]*$/gm;

/** Names of the `{{tags}}` in a template; odd tags (sections, partials, `{{{x}}}`) are reported as problems. */
export function templateTags(template: string, problems: string[] = []): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(TAG)) {
    const inner = match[1] ?? '';
    if (!/^\s*[a-z][a-z0-9_]*\s*$/.test(inner)) problems.push(`unsupported tag "${match[0]}" (only {{name}})`);
    else names.push(inner.trim());
  }
  return names;
}

export function parsePrompt(source: string, file: string): { prompt?: PromptTemplate; problems: string[] } {
  const problems: string[] = [];
  let document: { data: unknown; body: string };
  try {
    document = parseFrontMatter(source);
  } catch (error) {
    return { problems: [`${file}: ${(error as Error).message}`] };
  }
  const meta = frontMatterSchema.safeParse(document.data);
  if (!meta.success)
    return { problems: meta.error.issues.map((i) => `${file}: ${i.path.join('.') || 'front matter'} ${i.message}`) };
  const { id, description, variables, data } = meta.data;
  if (id !== basename(file, '.md')) problems.push(`${file}: id "${id}" must match the file name`);
  for (const name of Object.keys(data))
    if (name in variables) problems.push(`${file}: "${name}" is declared both as a variable and as data`);

  const sections: Record<string, string> = {};
  const marks = [...document.body.matchAll(SECTION)];
  marks.forEach((mark, i) => {
    const name = mark[1] ?? '';
    const start = (mark.index ?? 0) + mark[0].length;
    const end = marks[i + 1]?.index ?? document.body.length;
    if (name in sections) problems.push(`${file}: the "## ${name}" section appears twice`);
    sections[name] = document.body.slice(start, end).trim();
  });
  const system = sections.system ?? '';
  const user = sections.user ?? '';
  if (!system) problems.push(`${file}: needs a non-empty "## system" section`);
  if (!user) problems.push(`${file}: needs a non-empty "## user" section`);

  const tagProblems: string[] = [];
  const systemTags = templateTags(system, tagProblems);
  const userTags = templateTags(user, tagProblems);
  problems.push(...tagProblems.map((p) => `${file}: ${p}`));
  const declared = new Set([...Object.keys(variables), ...Object.keys(data)]);
  for (const tag of new Set([...systemTags, ...userTags]))
    if (!declared.has(tag)) problems.push(`${file}: {{${tag}}} is used but not declared`);
  for (const name of declared)
    if (!systemTags.includes(name) && !userTags.includes(name))
      problems.push(`${file}: "${name}" is declared but never used`);
  for (const tag of new Set(systemTags))
    if (tag in data)
      problems.push(`${file}: data variable {{${tag}}} may not appear in the system message (patient text is data)`);

  if (problems.length) return { problems };
  return { prompt: { id, description, variables, data, system, user, file }, problems };
}

export function loadPromptDir(dir: string = DEFAULT_PROMPTS_DIR): {
  prompts: Map<string, PromptTemplate>;
  problems: string[];
} {
  const prompts = new Map<string, PromptTemplate>();
  const problems: string[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()) {
    const result = parsePrompt(readFileSync(join(dir, name), 'utf8'), name);
    problems.push(...result.problems);
    if (result.prompt) prompts.set(result.prompt.id, result.prompt);
  }
  return { prompts, problems };
}

/** The prompts the pipeline needs, or one error listing every problem (checked at start-up, not mid-chat). */
export function loadPrompts(dir: string = DEFAULT_PROMPTS_DIR): Record<PromptName, PromptTemplate> {
  const { prompts, problems } = loadPromptDir(dir);
  for (const name of PROMPT_NAMES) if (!prompts.has(name)) problems.push(`${name}.md is missing`);
  if (problems.length)
    throw new AppError('config_invalid', `Invalid prompts in ${dir}:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  return Object.fromEntries(PROMPT_NAMES.map((n) => [n, prompts.get(n)])) as Record<PromptName, PromptTemplate>;
}

/** Checks a call provides exactly the declared variables (a missing one would silently render as ""). */
export function checkVars(prompt: PromptTemplate, vars: Record<string, string>): void {
  const declared = [...Object.keys(prompt.variables), ...Object.keys(prompt.data)].sort();
  const given = Object.keys(vars).sort();
  if (declared.join() !== given.join())
    throw new AppError('internal', `prompt ${prompt.id} needs {${declared.join(', ')}}, got {${given.join(', ')}}`);
}

/**
 * Encodes untrusted text for a data variable: JSON, with angle brackets escaped so the value cannot close
 * the <patient_data> fence around it or pass for markup.
 */
export function asData(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}
