import type { Step } from '../../core/compose.ts';
import { reply, type Turn, textPart } from '../../core/turn.ts';
import type { HandoffService } from '../handoff-service.ts';

/**
 * While a hand-off is open the bot does not answer: the patient's messages go to the educator's console.
 * (Emergencies and crises were already answered by the triage step, which runs before this one.)
 */
export function createRouteByModeStep(service: HandoffService): Step<Turn> {
  return async (turn, next) => {
    const { mode } = turn.conversation;
    if (mode !== 'waiting' && mode !== 'with_educator') return next();
    await service.patientMessage(turn.conversation, turn.messageId);
    if (mode === 'waiting' && !turn.state.waitingNoticeSent) {
      turn.state.waitingNoticeSent = true;
      reply(turn, [textPart(turn.kb.response('handoff_already_waiting', turn.language))], {
        action: 'relay',
        reason: 'waiting_for_educator',
      });
      return;
    }
    // Recorded for the educator; no bot reply. The Decision is implied by the stored message.
  };
}
