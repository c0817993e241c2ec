import type {
  ChannelId,
  ConversationKey,
  ConversationMode,
  Decision,
  InboundContent,
  OutboundPart,
  Sender,
} from '../core/types.ts';

export interface Contact {
  id: string;
  displayName: string | null;
  language: string | null;
  createdAt: string;
}

/** The bot's short-term memory of a conversation. */
export interface ConversationState {
  lastArticleId?: string;
  lastArticleLang?: string;
  /** Index of the last section sent; -1 = only the summary. */
  sectionIndex?: number;
  /** Set by /lang: the patient chose a language, so detection no longer switches it. */
  languageLocked?: boolean;
  greeted?: boolean;
  awaitingRating?: { handoffId: string };
  /** The patient asked to erase their data; the next message confirms or cancels. */
  pendingErasure?: boolean;
  /** The "your message is saved for the educator" notice was sent for the current hand-off. */
  waitingNoticeSent?: boolean;
}

export interface Conversation {
  id: string;
  contactId: string;
  channel: ChannelId;
  key: ConversationKey;
  mode: ConversationMode;
  language: string | null;
  state: ConversationState;
  replyContext: unknown;
  lastInboundAt: string | null;
  createdAt: string;
}

export type MessageStatus =
  | 'received'
  | 'processed'
  | 'throttled'
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'failed'
  | 'note';

export interface StoredMessage {
  id: string;
  conversationId: string;
  /** 'note': an educator's internal note, stored with the conversation but never sent to the patient. */
  direction: 'in' | 'out' | 'note';
  author: { kind: 'patient' | 'bot' | 'educator' | 'system'; id: string | null };
  channel: ChannelId;
  platformMessageId: string | null;
  content: InboundContent | OutboundPart[];
  text: string;
  decision: Decision | null;
  status: MessageStatus;
  error: string | null;
  correlationId: string | null;
  attempts: number;
  createdAt: string;
}

export interface NewInbound {
  conversationId: string;
  channel: ChannelId;
  platformMessageId: string;
  content: InboundContent;
  text: string;
  receivedAt: Date;
}

export interface NewOutbound {
  conversationId: string;
  channel: ChannelId;
  sender: Sender;
  parts: OutboundPart[];
  text: string;
  decision?: Decision;
  correlationId: string;
  at: Date;
}

export interface ContactExport {
  contact: Contact;
  identities: { channel: ChannelId; externalId: string; createdAt: string }[];
  conversations: (Conversation & { messages: StoredMessage[] })[];
  feedback: { rating: number; comment: string | null; createdAt: string }[];
  exportedAt: string;
}

export interface UnansweredQuestion {
  id: string;
  conversationId: string;
  messageId: string | null;
  language: string;
  text: string;
  bestArticleId: string | null;
  bestConfidence: number;
  createdAt: string;
}

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/**
 * The CRM port. One SQL implementation serves SQLite and PostgreSQL; the same contract suite runs
 * against both (tests/contract/crm-store.contract.ts).
 */
export interface CrmStore {
  /** Finds the contact behind (channel, externalId) or creates contact + identity. */
  upsertContact(input: {
    channel: ChannelId;
    externalId: string;
    displayName?: string;
    language?: string;
    at: Date;
  }): Promise<Contact>;
  getContact(id: string): Promise<Contact | undefined>;
  setContactLanguage(id: string, language: string, at: Date): Promise<void>;
  /** The conversation for a channel key, created in bot mode on first contact. */
  /** `language` is null until known: the first message's language is then detected. */
  openConversation(input: {
    contactId: string;
    channel: ChannelId;
    key: ConversationKey;
    language: string | null;
    at: Date;
  }): Promise<Conversation>;
  getConversation(id: string): Promise<Conversation | undefined>;
  findConversationByKey(key: ConversationKey): Promise<Conversation | undefined>;
  listConversations(contactId: string): Promise<Conversation[]>;
  updateConversation(
    id: string,
    patch: Partial<Pick<Conversation, 'mode' | 'language' | 'state' | 'replyContext' | 'lastInboundAt'>>,
    at: Date,
  ): Promise<void>;

  /** Stores an inbound message; 'duplicate' when (channel, platform id) was stored before. */
  recordInbound(input: NewInbound): Promise<{ id: string } | 'duplicate'>;
  /** The inbound message stored under (channel, platform id), if any (a redelivery finds its earlier copy). */
  findInbound(channel: ChannelId, platformMessageId: string): Promise<StoredMessage | undefined>;
  markInboundProcessed(id: string, at: Date): Promise<void>;
  /** Sets an inbound message's status (e.g. 'throttled': stored but deliberately not processed). */
  markInbound(id: string, status: 'throttled', at: Date): Promise<void>;
  /** Inbound messages accepted but not processed yet (after a crash): oldest first. */
  listUnprocessedInbound(limit: number): Promise<StoredMessage[]>;
  /** Writes a reply before it is sent (the outbox), status 'pending'. */
  recordOutbound(input: NewOutbound): Promise<{ id: string }>;
  markOutbound(
    id: string,
    update: { status: MessageStatus; platformMessageIds?: string[]; error?: string; attempts?: number },
    at: Date,
  ): Promise<void>;
  listPendingOutbound(limit: number): Promise<StoredMessage[]>;
  /** Applies a platform's delivery report to the outbound message that has that platform id. */
  markOutboundByPlatformId(
    channel: ChannelId,
    platformMessageId: string,
    update: { status: MessageStatus; error?: string },
    at: Date,
  ): Promise<boolean>;
  /** An educator's internal note on a conversation (never sent to the patient). */
  recordNote(input: {
    conversationId: string;
    channel: ChannelId;
    educatorId: string;
    text: string;
    at: Date;
  }): Promise<{ id: string }>;
  /** Marks an identity unreachable (blocked bot, dead number). */
  markIdentityUnreachable(channel: ChannelId, externalId: string): Promise<void>;
  getMessage(id: string): Promise<StoredMessage | undefined>;
  listMessages(conversationId: string, options?: { limit?: number }): Promise<StoredMessage[]>;
  /** The replies written for one inbound message (its correlation id), oldest first. */
  listReplies(conversationId: string, correlationId: string): Promise<StoredMessage[]>;

  recordUnanswered(input: Omit<UnansweredQuestion, 'id' | 'createdAt'> & { at: Date }): Promise<void>;
  listUnanswered(options?: { limit?: number; since?: Date }): Promise<UnansweredQuestion[]>;

  /** Append-only, hash-chained log of staff actions. */
  appendAudit(input: {
    actor: string;
    action: string;
    subject?: string;
    details?: Record<string, unknown>;
    at: Date;
  }): Promise<AuditEvent>;
  listAudit(options?: { limit?: number }): Promise<AuditEvent[]>;

  /** Everything stored about a contact (the patient's right to see and take their data). */
  exportContact(contactId: string): Promise<ContactExport | undefined>;
  /** Erases a contact with their identities, conversations, messages, hand-offs and feedback. */
  deleteContact(contactId: string): Promise<boolean>;

  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
