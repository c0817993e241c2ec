import type { Decision } from '../core/types.ts';
import type { Contact, Conversation, StoredMessage } from '../crm/crm-store.ts';
import type { Educator, Handoff } from './types.ts';

/** What a console shows for one hand-off: enough to help without opening anything else. */
export interface HandoffView {
  handoff: Handoff;
  contact: Pick<Contact, 'id' | 'displayName' | 'language'>;
  channel: string;
  language: string | null;
  waitingMs: number;
  position?: number;
  educator?: Educator;
  /** The last few messages, both directions, oldest first. */
  recent: TranscriptLine[];
  /** The bot's last answer before the hand-off, with why it said it. */
  botAttempt?: { text: string; decision: Decision | null };
}

export interface TranscriptLine {
  id: string;
  at: string;
  direction: 'in' | 'out' | 'note';
  author: 'patient' | 'bot' | 'educator' | 'system';
  authorName?: string;
  text: string;
  status: string;
  triage?: string;
}

export function toTranscriptLine(
  message: StoredMessage,
  educatorName?: (id: string | null) => string | undefined,
): TranscriptLine {
  return {
    id: message.id,
    at: message.createdAt,
    direction: message.direction,
    author: message.direction === 'in' ? 'patient' : message.author.kind,
    ...(message.author.kind === 'educator' && { authorName: educatorName?.(message.author.id) }),
    text: message.text,
    status: message.status,
    ...(message.decision && { triage: message.decision.triage }),
  };
}

export function buildHandoffView(input: {
  handoff: Handoff;
  contact: Contact;
  conversation: Conversation;
  messages: StoredMessage[];
  now: Date;
  position?: number;
  educator?: Educator;
  educatorName?: (id: string | null) => string | undefined;
}): HandoffView {
  const { handoff, contact, conversation, messages } = input;
  // The bot's last real attempt at answering (not its notices or safety replies).
  const attempts = new Set(['answer', 'more', 'clarify', 'fallback']);
  const lastBot = [...messages]
    .reverse()
    .find((m) => m.direction === 'out' && m.author.kind === 'bot' && attempts.has(m.decision?.action ?? ''));
  return {
    handoff,
    contact: { id: contact.id, displayName: contact.displayName, language: contact.language },
    channel: conversation.channel,
    language: conversation.language,
    waitingMs: input.now.getTime() - new Date(handoff.createdAt).getTime(),
    ...(input.position !== undefined && { position: input.position }),
    ...(input.educator && { educator: input.educator }),
    recent: messages.slice(-8).map((m) => toTranscriptLine(m, input.educatorName)),
    ...(lastBot && { botAttempt: { text: lastBot.text, decision: lastBot.decision } }),
  };
}
