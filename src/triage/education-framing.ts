import type { NormalizedText } from './normalize.ts';
import type { TokenSpan } from './phrase-index.ts';
import type { CueKind, SafetyClass } from './safety-rules.ts';

/**
 * Words alone do not make an emergency. "No chest pain, just a cough" and "what are the signs of a stroke?"
 * name emergency signs without anyone having them. This module decides, for each place a rule matched,
 * whether the match counts. The words it reads are cues from the rule files (knowledge/safety/rules), so a
 * new language brings its own negations and question words without code.
 *
 * THE HEURISTIC (deliberately simple, biased towards recall: a missed emergency is worse than an extra
 * handoff)
 *
 * 1. Clauses. The message is cut at punctuation (. , ; ! ? newline brackets, a spaced dash) and before
 *    `clause_break` cues ("but", "tapi", "because", "karena"). Negation and education framing only reach
 *    within a clause: in "no fever, but chest pain" the "no" does not touch "chest pain".
 *
 * 2. Negation (NegEx-style, Chapman et al. 2001). A match does not count when a `negation` cue ("no",
 *    "not", "don't", "tidak", "bukan", "tanpa") ends at most NEGATION_WINDOW_TOKENS words before it in the
 *    same clause, or a `negation_after` cue ("tidak ada", "none") follows it (at most one word between) and ends the
 *    clause. Except:
 *    - a negation cue inside a `pseudo_negation` cue is no negation: "tidak kuat" (can't bear it),
 *      "tidak berhenti" (won't stop), "not sure", "tidak tahu";
 *    - a `situation` cue between the negation and the match blocks it: "no, I have chest pain";
 *    - the negation word may be part of the rule's own phrase ("can't breathe", "tidak sadar"): only cues
 *      that END before the match starts negate it.
 *
 * 3. Education framing (emergency rules only). An emergency match does not count when its clause holds an
 *    `education` cue (a question about a topic: "what are", "signs of", "how do I know", "is it normal",
 *    "apa saja", "gejala", "tanda", "bagaimana mengenali", hypothetical "if"/"kalau"/"jika") AND the message
 *    has no `situation` cue anywhere. Situation cues say that a real person is affected now: first person
 *    ("I have", "I'm", "my", "saya", "aku", "anak saya"), someone present ("he is", "dia", "suami"), now
 *    ("now", "sekarang", "lagi", "dari tadi") or a call for help ("help", "tolong", "what do I do",
 *    "harus gimana"). So "I have chest pain, what should I do?" stays an emergency, and "what are the
 *    danger signs of a stroke?" is routine education.
 *    A situation cue that lies inside an education cue does not count: the "saya" of "saya mau tanya"
 *    (I'd like to ask) or the "I" of "how do I know" is the asker, not a patient.
 *
 * 4. Crisis is never downgraded, neither by negation nor by framing: "how many pills to kill myself" and
 *    "I don't want to live anymore" are crises. A false alarm costs an empathetic message; a miss can cost
 *    a life.
 *
 * Known trade-offs (recall over precision): "can my child get seizures from fever?" is an emergency
 * (the "my" makes it personal); "what does vomiting blood mean?" is routine (no one is said to have it).
 */
export const NEGATION_WINDOW_TOKENS = 3;

export interface CueHit extends TokenSpan {
  cue: CueKind;
}

export type MatchVerdict = 'counts' | 'negated' | 'education_framed';

export interface FramingContext {
  /** Clause number of each token. */
  clauseOf: number[];
  negations: TokenSpan[];
  negationsAfter: TokenSpan[];
  /** Situation cues that are not part of an education cue. */
  situations: TokenSpan[];
  /** Clauses that hold an education cue. */
  educationClauses: Set<number>;
  /** Whether someone is said to be affected now, anywhere in the message. */
  hasSituation: boolean;
}

const inside = (inner: TokenSpan, outer: TokenSpan) => inner.start >= outer.start && inner.end <= outer.end;
const overlaps = (a: TokenSpan, b: TokenSpan) => a.start < b.end && b.start < a.end;

function clauseNumbers(normalized: NormalizedText, breaks: TokenSpan[]): number[] {
  const breakAt = new Set(breaks.map((b) => b.start));
  const clauseOf: number[] = [];
  let clause = 0;
  for (let i = 0; i < normalized.tokens.length; i++) {
    if (i > 0 && (normalized.segmentOf[i] !== normalized.segmentOf[i - 1] || breakAt.has(i))) clause += 1;
    clauseOf.push(clause);
  }
  return clauseOf;
}

export function buildFramingContext(normalized: NormalizedText, cues: CueHit[]): FramingContext {
  const of = (kind: CueKind) => cues.filter((c) => c.cue === kind);
  const pseudo = of('pseudo_negation');
  const education = of('education');
  const clauseOf = clauseNumbers(normalized, of('clause_break'));
  const situations = of('situation').filter((s) => !education.some((e) => inside(s, e)));
  return {
    clauseOf,
    negations: of('negation').filter((n) => !pseudo.some((p) => overlaps(n, p))),
    negationsAfter: of('negation_after').filter((n) => !pseudo.some((p) => overlaps(n, p))),
    situations,
    educationClauses: new Set(education.map((e) => clauseOf[e.start] as number)),
    hasSituation: situations.length > 0,
  };
}

function isNegated(match: TokenSpan, ctx: FramingContext): boolean {
  const clause = ctx.clauseOf[match.start];
  const before = ctx.negations.some(
    (n) =>
      n.end <= match.start &&
      match.start - n.end <= NEGATION_WINDOW_TOKENS &&
      ctx.clauseOf[n.start] === clause &&
      !ctx.situations.some((s) => s.start >= n.end && s.end <= match.start),
  );
  if (before) return true;
  // "sesak napas tidak ada", "chest pain: none" — but not "antri lama tidak ada kejelasan".
  const clauseEnd = (n: TokenSpan) => n.end >= ctx.clauseOf.length || ctx.clauseOf[n.end] !== ctx.clauseOf[n.end - 1];
  return ctx.negationsAfter.some(
    (n) =>
      n.start >= match.end &&
      n.start - match.end <= 1 &&
      ctx.clauseOf[n.start] === ctx.clauseOf[match.end - 1] &&
      clauseEnd(n),
  );
}

function isEducationFramed(match: TokenSpan, ctx: FramingContext): boolean {
  if (ctx.hasSituation) return false;
  return (
    ctx.educationClauses.has(ctx.clauseOf[match.start] as number) ||
    ctx.educationClauses.has(ctx.clauseOf[match.end - 1] as number)
  );
}

/** Whether one match of a rule of class `cls` counts. */
export function judgeMatch(match: TokenSpan, cls: SafetyClass, ctx: FramingContext): MatchVerdict {
  if (cls === 'crisis') return 'counts';
  if (isNegated(match, ctx)) return 'negated';
  if (cls === 'emergency' && isEducationFramed(match, ctx)) return 'education_framed';
  return 'counts';
}
