import type { Classify, TriageVerdict } from '../core/steps/triage.ts';
import { emptyLexicon, type Lexicon } from '../knowledge/lexicon.ts';
import { type CompiledRules, compileRules, type RuleHit } from './compiled-rules.ts';
import { buildFramingContext, type CueHit, judgeMatch, type MatchVerdict } from './education-framing.ts';
import { normalizeText } from './normalize.ts';
import { SAFETY_CLASSES, type SafetyClass, type SafetyRule, type TriageRule } from './safety-rules.ts';

/**
 * The safety classifier: every inbound text goes through it before anything can answer.
 *
 * Which rules run on a message is data: each rules file says which message languages it applies to
 * (`applies_to`; English says "*" because patients mix languages, Indonesian and Malay name each other
 * because they are close). Rules are compiled once per message language, with that language's lexicon.
 *
 * When several classes fire, SAFETY_CLASSES gives the precedence:
 *   crisis > emergency > complaint > personal_medical > human_request > routine.
 * Every rule that fired is returned, whatever its class, so the Decision says why.
 */
export interface ClassifierOptions {
  /** Slang/typo/synonym lists per language (knowledge/lexicon); the same ones the search uses. */
  lexicons?: (lang: string) => Lexicon;
}

export interface MatchExplanation {
  ruleId: string;
  /** The class of the rule, or the kind of cue. */
  kind: string;
  words: string;
  verdict: MatchVerdict | 'cue' | 'unless';
}

export interface TriageExplanation extends TriageVerdict {
  /** The normalized words the rules saw. */
  tokens: string[];
  matches: MatchExplanation[];
}

export type Classifier = Classify & { explain(text: string, lang: string): TriageExplanation };

const RANK = new Map<SafetyClass, number>(SAFETY_CLASSES.map((c, i) => [c, i]));

function appliesTo(rule: SafetyRule, lang: string): boolean {
  return rule.appliesTo.includes('*') || rule.appliesTo.includes(lang);
}

interface RuleState {
  counted: boolean;
  groups: Set<number>;
  cancelled: boolean;
}

/** Runs the rules on one message. `explained` collects every match and cue for `explain`. */
function evaluate(
  compiled: CompiledRules,
  text: string,
  lexicon: Lexicon,
  explained?: MatchExplanation[],
): TriageVerdict & { tokens: string[] } {
  const normalized = normalizeText(text, lexicon);
  const words = (h: RuleHit) => normalized.tokens.slice(h.start, h.end).join(' ');
  const cues: CueHit[] = [];
  const ruleHits: { hit: RuleHit; rule: TriageRule }[] = [];
  for (const hit of compiled.match(normalized)) {
    const rule = compiled.rules[hit.ref.rule] as SafetyRule;
    if (rule.kind === 'triage') ruleHits.push({ hit, rule });
    else {
      cues.push({ cue: rule.cue, start: hit.start, end: hit.end });
      explained?.push({ ruleId: rule.id, kind: rule.cue, words: words(hit), verdict: 'cue' });
    }
  }
  const ctx = buildFramingContext(normalized, cues);
  const states = new Map<TriageRule, RuleState>();
  for (const { hit, rule } of ruleHits) {
    let state = states.get(rule);
    if (!state) {
      state = { counted: false, groups: new Set(), cancelled: false };
      states.set(rule, state);
    }
    const role = hit.ref.role;
    const verdict = role.kind === 'unless' ? 'unless' : judgeMatch(hit, rule.class, ctx);
    explained?.push({ ruleId: rule.id, kind: rule.class, words: words(hit), verdict });
    if (role.kind === 'unless') state.cancelled = true;
    else if (verdict === 'counts') {
      if (role.kind === 'any') state.counted = true;
      else state.groups.add(role.group);
    }
  }
  const fired: TriageRule[] = [];
  for (const [rule, s] of states)
    if (!s.cancelled && (s.counted || (rule.all.length > 0 && s.groups.size === rule.all.length))) fired.push(rule);
  fired.sort((a, b) => (RANK.get(a.class) as number) - (RANK.get(b.class) as number));
  return { triage: fired[0]?.class ?? 'routine', rules: fired.map((r) => r.id), tokens: normalized.tokens };
}

export function createClassifier(rules: SafetyRule[], options: ClassifierOptions = {}): Classifier {
  const lexiconFor = options.lexicons ?? (() => emptyLexicon());
  // Compiled lazily per message language and kept: a deployment sees two or three languages.
  const compiled = new Map<string, { rules: CompiledRules; lexicon: Lexicon }>();
  const forLanguage = (lang: string) => {
    let entry = compiled.get(lang);
    if (!entry) {
      const lexicon = lexiconFor(lang);
      entry = {
        rules: compileRules(
          rules.filter((r) => appliesTo(r, lang)),
          lexicon,
        ),
        lexicon,
      };
      compiled.set(lang, entry);
    }
    return entry;
  };
  const classify = (text: string, lang: string): TriageVerdict => {
    const entry = forLanguage(lang);
    const { triage, rules: fired } = evaluate(entry.rules, text, entry.lexicon);
    return { triage, rules: fired };
  };
  const explain = (text: string, lang: string): TriageExplanation => {
    const entry = forLanguage(lang);
    const matches: MatchExplanation[] = [];
    return { ...evaluate(entry.rules, text, entry.lexicon, matches), matches };
  };
  return Object.assign(classify, { explain });
}
