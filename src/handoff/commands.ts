import type { CommandTable } from '../core/steps/commands.ts';
import { reply, textPart } from '../core/turn.ts';

/** /human: the patient asks for a person; a normal-priority hand-off (or a notice if one is open). */
export const handoffCommands: CommandTable = {
  human(turn) {
    turn.triage = { triage: 'human_request', rules: ['command-human'] };
    if (turn.conversation.mode === 'bot') {
      reply(turn, [textPart(turn.kb.response('human_request', turn.language))], {
        action: 'handoff',
        reason: 'human_command',
      });
    }
    turn.handoffRequests.push({ reason: 'human_request', priority: 'normal' });
  },
};
