import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildLexicon, emptyLexicon, type Lexicon } from '../../../src/knowledge/lexicon.ts';
import { loadKnowledgeFiles } from '../../../src/knowledge/load-knowledge.ts';
import { foldWords } from '../../../src/knowledge/text-analysis.ts';
import { type Classifier, createClassifier, loadSafetyRules, type SafetyRule } from '../../../src/triage/index.ts';

export const KNOWLEDGE_DIR = new URL('../../../knowledge', import.meta.url).pathname;

/** The shipped rules and lexicons, wired the way the app does. */
export function shippedClassifier(): { classifier: Classifier; rules: SafetyRule[] } {
  const files = loadKnowledgeFiles(KNOWLEDGE_DIR);
  const { rules, problems } = loadSafetyRules(files.safetyDir);
  if (problems.length > 0) throw new Error(`shipped safety rules have problems: ${JSON.stringify(problems)}`);
  const lexicons = new Map<string, Lexicon>(
    [...files.lexicons].map(([lang, parts]) => [lang, buildLexicon(parts, foldWords)]),
  );
  const classifier = createClassifier(rules, { lexicons: (lang) => lexicons.get(lang) ?? emptyLexicon() });
  return { classifier, rules };
}

/** A throw-away knowledge folder: { 'safety/rules/en.yaml': '…' } → path of its safety folder. */
export function knowledgeDir(files: Record<string, string>): { safetyDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'sehat-triage-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return { safetyDir: join(root, 'safety') };
}

/** Rules from YAML text, failing the test on any problem. */
export function rulesFrom(files: Record<string, string>): SafetyRule[] {
  const { rules, problems } = loadSafetyRules(knowledgeDir(files).safetyDir);
  if (problems.length > 0) throw new Error(JSON.stringify(problems, null, 2));
  return rules;
}
