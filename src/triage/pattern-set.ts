import type { NormalizedText } from './normalize.ts';
import type { TokenSpan } from './phrase-index.ts';

/**
 * Regular expressions are the editors' escape hatch for what phrases cannot say ("chest … hurts" with up
 * to three words between). They are grouped (per class) and each group is first tested with ONE combined
 * regex: most messages match nothing, so most messages cost one regex test per group, not one per rule.
 * Only when the group hits are its patterns run one by one, to find which rules fired and where.
 */
export interface PatternTerm<T> {
  source: string;
  ref: T;
}

interface PatternGroup<T> {
  /** Undefined when the patterns cannot be joined: then each one runs (slower, never wrong). */
  prefilter: RegExp | undefined;
  terms: { regex: RegExp; ref: T }[];
}

export type PatternSet<T> = PatternGroup<T>[];

export function buildPatternSet<T>(terms: PatternTerm<T>[], groupOf: (ref: T) => string): PatternSet<T> {
  const groups = new Map<string, PatternTerm<T>[]>();
  for (const term of terms) {
    const key = groupOf(term.ref);
    const list = groups.get(key);
    if (list) list.push(term);
    else groups.set(key, [term]);
  }
  return [...groups.values()].map((list) => ({
    prefilter: joined(list.map((t) => t.source)),
    terms: list.map((t) => ({ regex: new RegExp(t.source, 'gu'), ref: t.ref })),
  }));
}

function joined(sources: string[]): RegExp | undefined {
  try {
    return new RegExp(sources.map((s) => `(?:${s})`).join('|'), 'u');
  } catch {
    return undefined; // the loader rejects what cannot be joined; this guards rules built in code
  }
}

/** Index of the token that contains character `offset` of the normalized text. */
function tokenAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function findPatterns<T>(set: PatternSet<T>, normalized: NormalizedText): (TokenSpan & { ref: T })[] {
  const hits: (TokenSpan & { ref: T })[] = [];
  if (normalized.tokens.length === 0) return hits;
  for (const group of set) {
    if (group.prefilter && !group.prefilter.test(normalized.text)) continue;
    for (const { regex, ref } of group.terms) {
      regex.lastIndex = 0;
      for (let m = regex.exec(normalized.text); m; m = regex.exec(normalized.text)) {
        if (m[0].length === 0) {
          regex.lastIndex += 1; // an empty match would loop forever
          continue;
        }
        const start = tokenAt(normalized.starts, m.index);
        const end = tokenAt(normalized.starts, m.index + m[0].length - 1) + 1;
        hits.push({ ref, start, end });
      }
    }
  }
  return hits;
}
