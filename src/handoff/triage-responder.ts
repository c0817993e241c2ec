import { sendArticle } from '../core/steps/follow-up.ts';
import type { TriageResponder } from '../core/steps/triage.ts';
import { type HandoffRequest, reply, type Turn, textPart } from '../core/turn.ts';
import type { ResponseKey } from '../knowledge/responses.ts';

interface ClassPolicy {
  response: ResponseKey;
  handoff: HandoffRequest['priority'];
  /** Answered even while an educator has the chat (safety first); other classes are then relayed. */
  always: boolean;
}

const POLICIES: Partial<Record<Turn['triage']['triage'], ClassPolicy>> = {
  emergency: { response: 'emergency', handoff: 'urgent', always: true },
  crisis: { response: 'crisis', handoff: 'urgent', always: true },
  complaint: { response: 'complaint_ack', handoff: 'high', always: false },
  human_request: { response: 'human_request', handoff: 'normal', always: false },
  personal_medical: { response: 'personal_medical_decline', handoff: 'normal', always: false },
};

/**
 * What the bot does for each non-routine triage class: a reviewed reply at once, and a hand-off with the
 * class's priority. An emergency or crisis never gets a routine article; a personal medical question gets
 * the general article too when one clearly fits.
 */
export function createTriageResponder(safetyVars: (lang: string) => Record<string, string>): TriageResponder {
  return async (turn) => {
    const { triage } = turn.triage;
    const policy = POLICIES[triage];
    if (!policy) return 'continue';
    if (!policy.always && turn.conversation.mode !== 'bot') return 'continue';
    const text = turn.kb.response(policy.response, turn.language, safetyVars(turn.language));
    reply(turn, [textPart(text)], { action: 'handoff', reason: triage });
    turn.handoffRequests.push({ reason: triage, priority: policy.handoff });
    if (triage === 'personal_medical' && turn.text) {
      const [best] = turn.kb.search(turn.text, turn.language, 1);
      if (best && best.confidence >= turn.settings.answerMinConfidence) {
        sendArticle(turn, best.articleId, [{ id: best.articleId, score: best.score }], best.confidence);
        // The article is general education; the Decision of the whole turn stays personal_medical.
      }
    }
    return 'handled';
  };
}
