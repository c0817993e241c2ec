// TEMPORARY until the triage module lands: everything is routine.

import type { Classify } from '../core/steps/triage.ts';
import type { KnowledgeSnapshot } from '../knowledge/knowledge-snapshot.ts';
import type { Logger } from '../shared/logger.ts';

export function createSafety(
  _kb: () => KnowledgeSnapshot,
  _options: { country?: string; logger: Logger },
): { classify: Classify; vars: (lang: string) => Record<string, string> } {
  return {
    classify: () => ({ triage: 'routine', rules: [] }),
    vars: () => ({ emergency_numbers: '112', crisis_lines: '' }),
  };
}
