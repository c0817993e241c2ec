/**
 * Safety triage: every inbound text is classified before any answer (see classifier.ts for the precedence
 * and education-framing.ts for negation and question-about-a-topic handling). Rules and numbers are content
 * in knowledge/safety.
 */
export {
  type Classifier,
  type ClassifierOptions,
  createClassifier,
  type MatchExplanation,
  type TriageExplanation,
} from './classifier.ts';
export { NEGATION_WINDOW_TOKENS } from './education-framing.ts';
export {
  COUNTRIES,
  type CountryCode,
  type EmergencyNumbers,
  loadEmergencyNumbers,
  type SafetyNumbers,
} from './emergency-numbers.ts';
export {
  CUE_KINDS,
  type CueKind,
  type CueRule,
  loadSafetyRules,
  SAFETY_CLASSES,
  type SafetyClass,
  type SafetyRule,
  type TriageRule,
} from './safety-rules.ts';
