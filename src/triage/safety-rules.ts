import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import type { TriageClass } from '../core/types.ts';
import type { KbProblem } from '../knowledge/load-knowledge.ts';
import { foldWords } from '../knowledge/text-analysis.ts';
import { parseYaml } from '../shared/yaml.ts';

/**
 * Safety rules are content, not code: editors write them in knowledge/safety/rules/<lang>.yaml (or several
 * files under rules/<lang>/) and a clinician reviews them. The file format is explained at the top of
 * knowledge/safety/rules/en.yaml. This module only reads and validates them; src/triage/classifier.ts
 * compiles them.
 */

/** The classes a rule can raise. Routine is what is left when no rule fires. */
/** In order of precedence: when several classes fire, the first one wins. */
export const SAFETY_CLASSES = [
  'crisis',
  'emergency',
  'complaint',
  'personal_medical',
  'human_request',
] as const satisfies readonly TriageClass[];
export type SafetyClass = (typeof SAFETY_CLASSES)[number];

/**
 * Cues are not classes: they are the words the framing heuristic reads (src/triage/education-framing.ts).
 * They live in the same files as the rules so that a new language needs no code.
 */
export const CUE_KINDS = [
  'negation',
  'negation_after',
  'pseudo_negation',
  'education',
  'situation',
  'clause_break',
] as const;
export type CueKind = (typeof CUE_KINDS)[number];

interface RuleSource {
  id: string;
  /** The language of the file the rule came from ('en', 'id', 'ms', …). */
  lang: string;
  /** Message languages this rule runs on ('*' = every language); from the file's `applies_to`. */
  appliesTo: string[];
  /** Path relative to the knowledge folder, for problems and for `explain`. */
  file: string;
  /** Token sequences ("*" = any one word). */
  phrases: string[];
  /** Regular expressions over the normalized text. */
  patterns: string[];
}

export interface TriageRule extends RuleSource {
  kind: 'triage';
  class: SafetyClass;
  /** Every group must match somewhere in the message (e.g. pregnant + bleeding). */
  all: string[][];
  /** Phrases that cancel this rule when present anywhere in the message (e.g. "last year"). */
  unless: string[];
}

export interface CueRule extends RuleSource {
  kind: 'cue';
  cue: CueKind;
}

export type SafetyRule = TriageRule | CueRule;

// Editors write numbers (112, 119) naturally; YAML reads some of them as numbers.
const text = z
  .union([z.string().trim().min(1), z.number()], { error: 'must be a word or phrase (text)' })
  .transform(String);

// Phrases are indexed by their first word, so it must be a real word (see phrase-index.ts).
const phrase = text.refine(
  (p) => foldWords(p.trim().split(/\s+/)[0] ?? '').length > 0,
  'must start with a word (not "*" or punctuation)',
);

const pattern = text.superRefine((source, ctx) => {
  // Patterns of one class are joined into one alternation: a back-reference would point at the wrong group.
  if (/\\[1-9]|\\k</.test(source)) ctx.addIssue({ code: 'custom', message: 'back-references are not supported' });
  if (/\(\?<(?![=!])/.test(source))
    ctx.addIssue({ code: 'custom', message: 'named groups are not supported (use (?: … ))' });
  try {
    new RegExp(source, 'u');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(error as Error).message}` });
  }
});

const ID = /^[a-z]{2,3}-[a-z0-9]+(-[a-z0-9]+)*$/;

const ruleEntrySchema = z
  .strictObject({
    id: z.string().regex(ID, 'must be kebab-case and start with the language, e.g. "en-chest-pain"'),
    class: z.enum(SAFETY_CLASSES).optional(),
    cue: z.enum(CUE_KINDS).optional(),
    phrases: z.array(phrase).default([]),
    patterns: z.array(pattern).default([]),
    all: z.array(z.array(phrase).min(1, 'a group needs at least one phrase')).default([]),
    unless: z.array(phrase).default([]),
    /** Free text for reviewers (source, rationale); ignored by the code. */
    note: z.string().optional(),
  })
  .superRefine((rule, ctx) => {
    if (!rule.class === !rule.cue)
      ctx.addIssue({ code: 'custom', path: ['class'], message: 'needs either class or cue' });
    if (rule.phrases.length + rule.patterns.length + rule.all.length === 0)
      ctx.addIssue({ code: 'custom', path: ['phrases'], message: 'needs at least one of phrases, patterns or all' });
    if (rule.all.length === 1)
      ctx.addIssue({ code: 'custom', path: ['all'], message: 'needs two or more groups (one group: use phrases)' });
    if (rule.cue && (rule.all.length > 0 || rule.unless.length > 0))
      ctx.addIssue({ code: 'custom', path: ['cue'], message: 'a cue takes only phrases and patterns' });
  });

const ruleFileSchema = z.strictObject({
  /** Message languages the file's rules run on; '*' = all. Default: the file's own language. */
  applies_to: z.array(z.string().regex(/^([a-z]{2,3}|\*)$/, 'must be a language code or "*"')).optional(),
  rules: z.array(z.unknown()).default([]),
});

function problem(file: string, message: string, field?: string): KbProblem {
  return { severity: 'error', file, field, message };
}

/** rules/en.yaml, and rules/en/*.yaml for editors who split a language by topic. */
function ruleFiles(rulesDir: string): { path: string; lang: string }[] {
  if (!existsSync(rulesDir)) return [];
  const found: { path: string; lang: string }[] = [];
  for (const name of readdirSync(rulesDir).sort()) {
    const path = join(rulesDir, name);
    if (/^[a-z]{2,3}\.ya?ml$/.test(name)) found.push({ path, lang: name.replace(/\.ya?ml$/, '') });
    else if (/^[a-z]{2,3}$/.test(name) && statSync(path).isDirectory())
      for (const inner of readdirSync(path).sort())
        if (/\.ya?ml$/.test(inner) && !inner.startsWith('.')) found.push({ path: join(path, inner), lang: name });
  }
  return found;
}

function toRule(entry: z.infer<typeof ruleEntrySchema>, source: Omit<RuleSource, 'id' | 'phrases' | 'patterns'>) {
  const base = { ...source, id: entry.id, phrases: entry.phrases, patterns: entry.patterns };
  if (entry.cue) return { ...base, kind: 'cue', cue: entry.cue } satisfies CueRule;
  return {
    ...base,
    kind: 'triage',
    class: entry.class as SafetyClass,
    all: entry.all,
    unless: entry.unless,
  } satisfies TriageRule;
}

/**
 * Reads every rule file under `<dir>/rules`. Never throws: a broken file or rule becomes a problem naming
 * the file and field, and only that rule is left out, so one typo cannot switch off a whole language's
 * emergency detection.
 */
export function loadSafetyRules(dir: string): { rules: SafetyRule[]; problems: KbProblem[] } {
  const rules: SafetyRule[] = [];
  const problems: KbProblem[] = [];
  const knowledgeDir = dirname(dir); // problems name files relative to the knowledge folder
  const rulesDir = join(dir, 'rules');
  const files = ruleFiles(rulesDir);
  if (files.length === 0) problems.push(problem(relative(knowledgeDir, rulesDir), 'no safety rule files found'));
  const seen = new Map<string, string>();
  for (const { path, lang } of files) {
    const file = relative(knowledgeDir, path);
    let data: unknown;
    try {
      data = parseYaml(readFileSync(path, 'utf8'));
    } catch (error) {
      problems.push(problem(file, `is not valid YAML: ${(error as Error).message.split('\n')[0]}`));
      continue;
    }
    const parsed = ruleFileSchema.safeParse(data ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(problem(file, issue.message, issue.path.join('.')));
      continue;
    }
    const appliesTo = parsed.data.applies_to ?? [lang];
    parsed.data.rules.forEach((raw, index) => {
      const rawId = (raw as { id?: unknown } | null)?.id;
      const where = typeof rawId === 'string' ? ` (rule ${rawId})` : '';
      const entry = ruleEntrySchema.safeParse(raw);
      if (!entry.success) {
        for (const issue of entry.error.issues) {
          const field = ['rules', index, ...issue.path].join('.');
          const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
          problems.push(problem(file, `${missing ? 'is missing' : issue.message}${where}`, field));
        }
        return;
      }
      const { id } = entry.data;
      if (!id.startsWith(`${lang}-`))
        problems.push(problem(file, `must start with "${lang}-" (the file's language)`, `rules.${index}.id`));
      const earlier = seen.get(id);
      if (earlier) {
        problems.push(problem(file, `duplicates the id "${id}" already used in ${earlier}`, `rules.${index}.id`));
        return;
      }
      seen.set(id, file);
      rules.push(toRule(entry.data, { lang, appliesTo, file }));
    });
  }
  return { rules, problems };
}
