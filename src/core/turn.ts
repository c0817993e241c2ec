import type { Contact, Conversation, ConversationState, CrmStore } from '../crm/crm-store.ts';
import type { KnowledgeSnapshot } from '../knowledge/knowledge-snapshot.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Decision, InboundMessage, OutboundPart, TriageClass } from './types.ts';

export interface EngineSettings {
  languages: string[];
  defaultLanguage: string;
  answerMinConfidence: number;
  clarifyMargin: number;
  /** Send the greeting and privacy notice before the first answer in a new conversation. */
  greetOnFirstContact: boolean;
}

export type HandoffPriority = 'urgent' | 'high' | 'normal';

export interface HandoffRequest {
  reason: TriageClass | 'unanswered';
  priority: HandoffPriority;
}

export interface PlannedReply {
  parts: OutboundPart[];
  decision: Decision;
}

/** Everything one step may read or change while handling one inbound message. */
export interface Turn {
  readonly inbound: InboundMessage;
  /** CRM id of the stored inbound message. */
  readonly messageId: string;
  readonly contact: Contact;
  conversation: Conversation;
  /** Mutated by steps; saved once at the end of the turn. */
  state: ConversationState;
  readonly kb: KnowledgeSnapshot;
  /** The language replies are written in (decided by the language step). */
  language: string;
  /** Whether the language step was sure of the message's language. */
  languageConfident: boolean;
  /** The message text, when the content is text. */
  readonly text: string | undefined;
  triage: { triage: TriageClass; rules: string[] };
  readonly replies: PlannedReply[];
  /** Hand-offs to open after the turn (the handoff module acts on them). */
  readonly handoffRequests: HandoffRequest[];
  /** Work to do after the replies were sent (e.g. erasing the patient's data on their request). */
  readonly afterDelivery: (() => Promise<void>)[];
  readonly settings: EngineSettings;
  readonly crm: CrmStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Builds a Decision with the turn's language and triage filled in. */
export function decisionFor(turn: Turn, fields: Partial<Decision> & Pick<Decision, 'action'>): Decision {
  return {
    triage: turn.triage.triage,
    rules: turn.triage.rules,
    articles: [],
    confidence: 0,
    language: turn.language,
    ...fields,
  };
}

export function reply(turn: Turn, parts: OutboundPart[], decision: Partial<Decision> & Pick<Decision, 'action'>): void {
  turn.replies.push({ parts, decision: decisionFor(turn, decision) });
}

export function textPart(markdown: string): OutboundPart {
  return { kind: 'text', markdown };
}
