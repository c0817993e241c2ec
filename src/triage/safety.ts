import type { Classify } from '../core/steps/triage.ts';
import type { KnowledgeSnapshot } from '../knowledge/knowledge-snapshot.ts';
import type { Logger } from '../shared/logger.ts';
import { type Classifier, createClassifier } from './classifier.ts';
import { type CountryCode, type EmergencyNumbers, loadEmergencyNumbers } from './emergency-numbers.ts';
import { loadSafetyRules } from './safety-rules.ts';

export interface Safety {
  classify: Classify;
  /** {{emergency_numbers}} and {{crisis_lines}} for the deployment's country, in a language. */
  vars: (lang: string) => Record<string, string>;
}

/**
 * Keeps the classifier and the emergency numbers in step with the knowledge base: when editors change
 * knowledge/safety, the next message uses the new rules. A broken rules file is refused and the last good
 * rules keep running (at start-up, the readable rules run and the problems are logged).
 */
export function createSafety(
  knowledge: () => KnowledgeSnapshot,
  options: { country?: CountryCode; logger: Logger },
): Safety {
  const { logger } = options;
  let version = -1;
  let classifier: Classifier | undefined;
  let numbers: EmergencyNumbers | undefined;

  const refresh = () => {
    const snapshot = knowledge();
    if (snapshot.version === version) return;
    version = snapshot.version;
    const rules = loadSafetyRules(snapshot.safetyDir);
    const loadedNumbers = loadEmergencyNumbers(snapshot.safetyDir);
    const problems = [...rules.problems, ...loadedNumbers.problems];
    for (const p of problems)
      logger.error({ kb: p }, `safety rules: ${p.file}${p.field ? ` (${p.field})` : ''} ${p.message}`);
    if (rules.problems.some((p) => p.severity === 'error') && classifier) {
      logger.warn('safety rules reload refused: the last good rules stay in force');
    } else {
      classifier = createClassifier(rules.rules, { lexicons: (lang) => snapshot.lexicon(lang) });
      logger.info({ rules: rules.rules.length }, 'safety rules loaded');
    }
    if (!loadedNumbers.problems.length || !numbers) numbers = loadedNumbers.numbers;
  };

  return {
    classify(text, lang) {
      refresh();
      return (classifier as Classifier)(text, lang);
    },
    vars(lang) {
      refresh();
      const n = (numbers as EmergencyNumbers).numbersFor(options.country, lang);
      return { emergency_numbers: n.emergency, crisis_lines: n.crisis };
    },
  };
}
