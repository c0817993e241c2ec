import type { Turn } from '../core/turn.ts';
import type { Redactor } from './redact-pii.ts';
import type { HistoryLine } from './understand.ts';

const MAX_CHARS_PER_LINE = 400;

/**
 * The last few turns before this message, oldest first, redacted, for the "understand" step. Internal notes
 * never leave; long bot replies (article text) are cut, since only their topic matters for a follow-up.
 */
export async function loadHistory(turn: Turn, redactor: Redactor, limit = 8): Promise<HistoryLine[]> {
  const messages = await turn.crm.listMessages(turn.conversation.id, { limit: limit + 1 });
  return messages
    .filter((m) => m.id !== turn.messageId && m.direction !== 'note' && m.text.trim())
    .slice(-limit)
    .map((m) => ({
      from:
        m.direction === 'in'
          ? ('patient' as const)
          : m.author.kind === 'educator'
            ? ('educator' as const)
            : ('bot' as const),
      text: redactor.redact(m.text.length > MAX_CHARS_PER_LINE ? `${m.text.slice(0, MAX_CHARS_PER_LINE)}…` : m.text),
    }));
}
