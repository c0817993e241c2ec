import type { Selectable } from 'kysely';
import { AppError } from '../../core/errors.ts';
import type { ChannelId, ConversationKey, ConversationMode } from '../../core/types.ts';
import type { Conversation, StoredMessage } from '../crm-store.ts';
import type { ConversationTable, MessageTable } from '../schema.ts';

/** Row mappers and the error guard shared by the SQL CRM store's parts. */
export const iso = (d: Date) => d.toISOString();
export const parseJson = <T>(text: string | null, fallback: T): T => {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

export function toConversation(row: Selectable<ConversationTable>): Conversation {
  return {
    id: row.id,
    contactId: row.contact_id,
    channel: row.channel as ChannelId,
    key: row.conversation_key as ConversationKey,
    mode: row.mode as ConversationMode,
    language: row.language,
    state: parseJson(row.state, {}),
    replyContext: parseJson(row.reply_context, undefined),
    lastInboundAt: row.last_inbound_at,
    createdAt: row.created_at,
  };
}

export function toMessage(row: Selectable<MessageTable>): StoredMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    direction: row.direction,
    author: { kind: row.author_kind, id: row.author_id },
    channel: row.channel as ChannelId,
    platformMessageId: row.platform_message_id,
    content: parseJson(row.content, { kind: 'unsupported', platformType: 'unreadable' }),
    text: row.text,
    decision: parseJson(row.decision, null),
    status: row.status as StoredMessage['status'],
    error: row.error,
    correlationId: row.correlation_id,
    attempts: Number(row.attempts),
    createdAt: row.created_at,
  };
}

/** Wraps driver errors so callers see 'store_unavailable' (retryable) instead of driver internals. */
export async function guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('store_unavailable', `CRM ${operation} failed: ${(error as Error).message}`, { cause: error });
  }
}
