import type { Step } from '../../core/compose.ts';
import { reply, type Turn, textPart } from '../../core/turn.ts';
import type { HandoffService } from '../handoff-service.ts';

/** After a hand-off closes, "4 thanks, very clear" is a rating (1–5) with a comment, stored as feedback. */
export function createRatingStep(service: HandoffService): Step<Turn> {
  return async (turn, next) => {
    const awaiting = turn.state.awaitingRating;
    if (!awaiting || !turn.text) return next();
    const match = /^\s*([1-5])(?:\s*\/\s*5)?(?:[\s,.:;!-]+(.*))?$/s.exec(turn.text);
    turn.state.awaitingRating = undefined; // ask once; anything else is a new question
    if (!match) return next();
    const comment = match[2]?.trim() || null;
    await service.recordRating(turn.conversation, awaiting.handoffId, Number(match[1]), comment);
    reply(turn, [textPart(turn.kb.response('rating_thanks', turn.language))], { action: 'notice', reason: 'rating' });
  };
}
