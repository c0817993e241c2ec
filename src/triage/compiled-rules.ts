import type { Lexicon } from '../knowledge/lexicon.ts';
import { type NormalizedText, normalizePhrase } from './normalize.ts';
import { buildPatternSet, findPatterns, type PatternSet, type PatternTerm } from './pattern-set.ts';
import { buildPhraseIndex, findPhrases, type PhraseIndex, type PhraseTerm, type TokenSpan } from './phrase-index.ts';
import type { SafetyRule } from './safety-rules.ts';

/**
 * The rules that run on messages of one language, compiled once with that language's lexicon: all phrases
 * of all rules in one first-token index, all patterns in one pattern set grouped by class (or cue kind).
 */

/** Which part of a rule matched: its phrases/patterns, one of its `all` groups, or its `unless` list. */
export type MatchRole = { kind: 'any' } | { kind: 'group'; group: number } | { kind: 'unless' };

export interface TermRef {
  /** Index into CompiledRules.rules. */
  rule: number;
  role: MatchRole;
}

export interface RuleHit extends TokenSpan {
  ref: TermRef;
}

export interface CompiledRules {
  rules: SafetyRule[];
  match(normalized: NormalizedText): RuleHit[];
}

const ANY: MatchRole = { kind: 'any' };
const UNLESS: MatchRole = { kind: 'unless' };

export function compileRules(rules: SafetyRule[], lexicon: Lexicon): CompiledRules {
  const phrases: PhraseTerm<TermRef>[] = [];
  const patterns: PatternTerm<TermRef>[] = [];
  const addPhrases = (list: string[], ref: TermRef) => {
    for (const phrase of list) phrases.push({ tokens: normalizePhrase(phrase, lexicon), ref });
  };
  rules.forEach((rule, index) => {
    addPhrases(rule.phrases, { rule: index, role: ANY });
    for (const source of rule.patterns) patterns.push({ source, ref: { rule: index, role: ANY } });
    if (rule.kind === 'triage') {
      rule.all.forEach((group, g) => {
        addPhrases(group, { rule: index, role: { kind: 'group', group: g } });
      });
      addPhrases(rule.unless, { rule: index, role: UNLESS });
    }
  });
  const index: PhraseIndex<TermRef> = buildPhraseIndex(phrases);
  const groupOf = (ref: TermRef) => {
    const rule = rules[ref.rule] as SafetyRule;
    return rule.kind === 'cue' ? `cue:${rule.cue}` : rule.class;
  };
  const patternSet: PatternSet<TermRef> = buildPatternSet(patterns, groupOf);
  return {
    rules,
    match: (normalized) => [...findPhrases(index, normalized.tokens), ...findPatterns(patternSet, normalized)],
  };
}
