import type { Kysely } from 'kysely';
import type { ChannelId } from '../../core/types.ts';
import type { CrmStore } from '../crm-store.ts';
import type { Database } from '../schema.ts';
import { guard, toConversation, toMessage } from './common.ts';

/** A patient's data as a whole: export and erasure. */
export function sqlPrivacy(db: Kysely<Database>): Pick<CrmStore, 'exportContact' | 'deleteContact'> {
  return {
    exportContact: (contactId) =>
      guard('exportContact', async () => {
        const contactRow = await db.selectFrom('contacts').selectAll().where('id', '=', contactId).executeTakeFirst();
        if (!contactRow) return undefined;
        const identities = await db
          .selectFrom('contact_identities')
          .selectAll()
          .where('contact_id', '=', contactId)
          .execute();
        const conversations = await db
          .selectFrom('conversations')
          .selectAll()
          .where('contact_id', '=', contactId)
          .orderBy('created_at')
          .execute();
        const withMessages = await Promise.all(
          conversations.map(async (row) => ({
            ...toConversation(row),
            messages: (
              await db.selectFrom('messages').selectAll().where('conversation_id', '=', row.id).orderBy('id').execute()
            ).map(toMessage),
          })),
        );
        const feedback = conversations.length
          ? await db
              .selectFrom('feedback')
              .select(['rating', 'comment', 'created_at'])
              .where(
                'conversation_id',
                'in',
                conversations.map((c) => c.id),
              )
              .execute()
          : [];
        return {
          contact: {
            id: contactRow.id,
            displayName: contactRow.display_name,
            language: contactRow.language,
            createdAt: contactRow.created_at,
          },
          identities: identities.map((i) => ({
            channel: i.channel as ChannelId,
            externalId: i.external_id,
            createdAt: i.created_at,
          })),
          conversations: withMessages,
          feedback: feedback.map((f) => ({ rating: Number(f.rating), comment: f.comment, createdAt: f.created_at })),
          exportedAt: new Date().toISOString(),
        };
      }),

    deleteContact: (contactId) =>
      guard('deleteContact', () =>
        db.transaction().execute(async (tx) => {
          const conversationIds = (
            await tx.selectFrom('conversations').select('id').where('contact_id', '=', contactId).execute()
          ).map((c) => c.id);
          if (conversationIds.length) {
            // Explicit deletes (not only ON DELETE CASCADE): SQLite enforces cascades only with foreign_keys on.
            await tx
              .deleteFrom('message_platform_ids')
              .where('message_id', 'in', (q) =>
                q.selectFrom('messages').select('id').where('conversation_id', 'in', conversationIds),
              )
              .execute();
            for (const table of ['messages', 'handoffs', 'feedback', 'unanswered_questions'] as const) {
              await tx.deleteFrom(table).where('conversation_id', 'in', conversationIds).execute();
            }
            await tx.deleteFrom('conversations').where('id', 'in', conversationIds).execute();
          }
          await tx.deleteFrom('contact_identities').where('contact_id', '=', contactId).execute();
          const result = await tx.deleteFrom('contacts').where('id', '=', contactId).executeTakeFirst();
          return result.numDeletedRows > 0n;
        }),
      ),
  };
}
