import type { Generated } from 'kysely';

/**
 * Tables of the CRM (Chatwoot-like): Contact 1—n ContactIdentity (channel, external id; unique)
 * 1—n Conversation 1—n Message. Times are ISO-8601 UTC strings in both SQLite and PostgreSQL, so one
 * implementation serves both and they sort as text. JSON columns are text.
 */
export interface Database {
  contacts: ContactTable;
  contact_identities: ContactIdentityTable;
  conversations: ConversationTable;
  messages: MessageTable;
  message_platform_ids: MessagePlatformIdTable;
  handoffs: HandoffTable;
  unanswered_questions: UnansweredQuestionTable;
  feedback: FeedbackTable;
  audit_events: AuditEventTable;
  educators: EducatorTable;
}

export interface ContactTable {
  id: string;
  display_name: string | null;
  language: string | null;
  created_at: string;
  updated_at: string;
}

export interface ContactIdentityTable {
  id: string;
  contact_id: string;
  channel: string;
  external_id: string;
  /** 1 when the platform told us the patient blocked the bot or the number is undeliverable. */
  unreachable: number;
  created_at: string;
}

export interface ConversationTable {
  id: string;
  contact_id: string;
  channel: string;
  conversation_key: string;
  mode: string;
  language: string | null;
  /** JSON: the bot's short-term memory (last article, section, pending choices). */
  state: string;
  /** JSON: the adapter's reply context for proactive sends (e.g. a Bot Framework reference). */
  reply_context: string | null;
  last_inbound_at: string | null;
  created_at: string;
  updated_at: string;
}

/** The platform's id(s) of a sent message, for delivery reports. */
export interface MessagePlatformIdTable {
  channel: string;
  platform_message_id: string;
  message_id: string;
}

export interface MessageTable {
  id: string;
  conversation_id: string;
  /** 'note': an educator's internal note, stored with the conversation but never sent to the patient. */
  direction: 'in' | 'out' | 'note';
  author_kind: 'patient' | 'bot' | 'educator' | 'system';
  author_id: string | null;
  channel: string;
  /** Inbound: the platform's message id. Outbound: the ids returned by the platform's send API (JSON). */
  platform_message_id: string | null;
  /** `${channel}:${platformMessageId}` for inbound messages: the unique index that makes delivery idempotent. */
  dedupe_key: string | null;
  /** JSON: InboundContent or OutboundPart[] */
  content: string;
  /** Plain text for transcripts and search by staff. */
  text: string;
  /** JSON Decision, for bot replies. */
  decision: string | null;
  /** in: received → processed. out: pending → sent → delivered → read, or failed. */
  status: string;
  error: string | null;
  correlation_id: string | null;
  attempts: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface HandoffTable {
  id: string;
  conversation_id: string;
  reason: string;
  priority: string;
  status: string;
  educator_id: string | null;
  tags: string;
  outcome: string | null;
  created_at: string;
  claimed_at: string | null;
  closed_at: string | null;
  escalated_at: string | null;
}

export interface UnansweredQuestionTable {
  id: string;
  conversation_id: string;
  message_id: string | null;
  language: string;
  text: string;
  best_article_id: string | null;
  best_confidence: number;
  created_at: string;
}

export interface FeedbackTable {
  id: string;
  conversation_id: string;
  handoff_id: string | null;
  rating: number;
  comment: string | null;
  created_at: string;
}

export interface AuditEventTable {
  seq: Generated<number>;
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface EducatorTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  active: number;
  created_at: string;
}
