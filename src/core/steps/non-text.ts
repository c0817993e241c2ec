import type { Step } from '../compose.ts';
import { reply, type Turn, textPart } from '../turn.ts';

/**
 * Media and unknown message types never throw: the patient is told the bot reads text, and media is kept
 * for the educator (its reference is in the stored inbound message).
 */
export const nonTextStep: Step<Turn> = async (turn, next) => {
  const { content } = turn.inbound;
  if (content.kind === 'media') {
    reply(turn, [textPart(turn.kb.response('media_unsupported', turn.language))], {
      action: 'notice',
      reason: `media:${content.media}`,
    });
    return;
  }
  if (content.kind === 'unsupported') {
    reply(turn, [textPart(turn.kb.response('unsupported_message', turn.language))], {
      action: 'notice',
      reason: `unsupported:${content.platformType}`,
    });
    return;
  }
  if (content.kind === 'text' && !content.text.trim()) return;
  await next();
};
