import type { Step } from '../compose.ts';
import type { Turn } from '../turn.ts';
import type { TriageClass } from '../types.ts';

export interface TriageVerdict {
  triage: TriageClass;
  rules: string[];
}

/** The safety classifier as the core sees it (implemented in src/triage from knowledge/safety rules). */
export type Classify = (text: string, lang: string) => TriageVerdict;

/** Triage responders: what the bot does for each non-routine class (src/triage/safety-responses.ts). */
export type TriageResponder = (turn: Turn) => Promise<'handled' | 'continue'>;

/**
 * Classifies every text before anything else can answer it. Emergencies and crises are handled here and
 * never reach the answer step; routine messages go on.
 */
export function createTriageStep(classify: Classify, respond: TriageResponder): Step<Turn> {
  return async (turn, next) => {
    if (turn.text) turn.triage = classify(turn.text, turn.language);
    if (turn.triage.triage !== 'routine' && (await respond(turn)) === 'handled') return;
    await next();
  };
}
