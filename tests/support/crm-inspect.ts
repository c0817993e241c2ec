import { openDatabase } from '../../src/crm/open-database.ts';

/**
 * Read-only look at a CRM another process writes (SQLite file or PostgreSQL), for tests that run real
 * server processes: every message with its conversation key, in the order it was written (ids sort by time).
 */
export interface InspectedMessage {
  id: string;
  conversationKey: string;
  direction: 'in' | 'out' | 'note';
  status: string;
  text: string;
  platformMessageId: string | null;
  correlationId: string | null;
  authorKind: string;
  createdAt: string;
}

export interface CrmInspector {
  messages(): Promise<InspectedMessage[]>;
  close(): Promise<void>;
}

export async function inspectCrm(url: string): Promise<CrmInspector> {
  const opened = await openDatabase(url, { poolSize: 2 });
  return {
    async messages() {
      const rows = await opened.db
        .selectFrom('messages')
        .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
        .select([
          'messages.id as id',
          'conversations.conversation_key as conversationKey',
          'messages.direction as direction',
          'messages.status as status',
          'messages.text as text',
          'messages.platform_message_id as platformMessageId',
          'messages.correlation_id as correlationId',
          'messages.author_kind as authorKind',
          'messages.created_at as createdAt',
        ])
        // Ids are time-sortable (src/shared/ids.ts); inbound created_at is the platform's send time.
        .orderBy('messages.id')
        .execute();
      return rows as InspectedMessage[];
    },
    close: () => opened.close(),
  };
}

/** Counts by `${direction}:${status}`, e.g. { 'in:processed': 100, 'out:sent': 200 }. */
export function countByStatus(messages: InspectedMessage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) counts[`${m.direction}:${m.status}`] = (counts[`${m.direction}:${m.status}`] ?? 0) + 1;
  return counts;
}
