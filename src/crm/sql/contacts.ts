import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../shared/ids.ts';
import type { CrmStore } from '../crm-store.ts';
import type { Database } from '../schema.ts';
import { guard, iso, toConversation } from './common.ts';
import { prepared } from './prepared.ts';

/** Contacts, their channel identities and conversations. */
export function sqlContacts(
  db: Kysely<Database>,
): Pick<
  CrmStore,
  | 'upsertContact'
  | 'getContact'
  | 'setContactLanguage'
  | 'openConversation'
  | 'getConversation'
  | 'findConversationByKey'
  | 'listConversations'
  | 'updateConversation'
> {
  // The queries every message runs, compiled once.
  const contactByIdentity = prepared(db, (q, p: { channel: string; externalId: string }) =>
    q
      .selectFrom('contact_identities as i')
      .innerJoin('contacts as c', 'c.id', 'i.contact_id')
      .select(['c.id', 'c.display_name', 'c.language', 'c.created_at'])
      .where('i.channel', '=', p.channel)
      .where('i.external_id', '=', p.externalId),
  );
  const contactById = prepared(db, (q, p: { id: string }) =>
    q.selectFrom('contacts').selectAll().where('id', '=', p.id),
  );
  const conversationByKey = prepared(db, (q, p: { key: string }) =>
    q.selectFrom('conversations').selectAll().where('conversation_key', '=', p.key),
  );
  const conversationById = prepared(db, (q, p: { id: string }) =>
    q.selectFrom('conversations').selectAll().where('id', '=', p.id),
  );
  return {
    upsertContact: ({ channel, externalId, displayName, language, at }) =>
      guard('upsertContact', async () => {
        const find = async () => (await contactByIdentity({ channel, externalId }))[0];
        let row = await find();
        if (!row) {
          await db.transaction().execute(async (tx) => {
            const contactId = newId('ct_');
            await tx
              .insertInto('contacts')
              .values({
                id: contactId,
                display_name: displayName ?? null,
                language: language ?? null,
                created_at: iso(at),
                updated_at: iso(at),
              })
              .execute();
            const inserted = await tx
              .insertInto('contact_identities')
              .values({
                id: newId('ci_'),
                contact_id: contactId,
                channel,
                external_id: externalId,
                unreachable: 0,
                created_at: iso(at),
              })
              .onConflict((oc) => oc.columns(['channel', 'external_id']).doNothing())
              .returning('id')
              .executeTakeFirst();
            // Another process created this identity first: drop our duplicate contact.
            if (!inserted) await tx.deleteFrom('contacts').where('id', '=', contactId).execute();
          });
          row = await find();
        } else if (displayName && row.display_name !== displayName) {
          await db
            .updateTable('contacts')
            .set({ display_name: displayName, updated_at: iso(at) })
            .where('id', '=', row.id)
            .execute();
          row = { ...row, display_name: displayName };
        }
        if (!row) throw new AppError('internal', 'contact vanished during upsert');
        return { id: row.id, displayName: row.display_name, language: row.language, createdAt: row.created_at };
      }),

    getContact: (id) =>
      guard('getContact', async () => {
        const [row] = await contactById({ id });
        return row
          ? { id: row.id, displayName: row.display_name, language: row.language, createdAt: row.created_at }
          : undefined;
      }),

    setContactLanguage: (id, language, at) =>
      guard('setContactLanguage', async () => {
        await db
          .updateTable('contacts')
          .set({ language, updated_at: iso(at) })
          .where('id', '=', id)
          .execute();
      }),

    openConversation: ({ contactId, channel, key, language, at }) =>
      guard('openConversation', async () => {
        const find = async () => (await conversationByKey({ key }))[0];
        let row = await find();
        if (!row) {
          await db
            .insertInto('conversations')
            .values({
              id: newId('cv_'),
              contact_id: contactId,
              channel,
              conversation_key: key,
              mode: 'bot',
              language,
              state: '{}',
              reply_context: null,
              last_inbound_at: null,
              created_at: iso(at),
              updated_at: iso(at),
            })
            .onConflict((oc) => oc.column('conversation_key').doNothing())
            .execute();
          row = await find();
        }
        if (!row) throw new AppError('internal', 'conversation vanished during open');
        return toConversation(row);
      }),

    getConversation: (id) =>
      guard('getConversation', async () => {
        const [row] = await conversationById({ id });
        return row ? toConversation(row) : undefined;
      }),

    findConversationByKey: (key) =>
      guard('findConversationByKey', async () => {
        const [row] = await conversationByKey({ key });
        return row ? toConversation(row) : undefined;
      }),

    listConversations: (contactId) =>
      guard('listConversations', async () => {
        const rows = await db
          .selectFrom('conversations')
          .selectAll()
          .where('contact_id', '=', contactId)
          .orderBy('created_at')
          .execute();
        return rows.map(toConversation);
      }),

    updateConversation: (id, patch, at) =>
      guard('updateConversation', async () => {
        await db
          .updateTable('conversations')
          .set({
            ...(patch.mode !== undefined && { mode: patch.mode }),
            ...(patch.language !== undefined && { language: patch.language }),
            ...(patch.state !== undefined && { state: JSON.stringify(patch.state) }),
            ...(patch.replyContext !== undefined && { reply_context: JSON.stringify(patch.replyContext) }),
            ...(patch.lastInboundAt !== undefined && { last_inbound_at: patch.lastInboundAt }),
            updated_at: iso(at),
          })
          .where('id', '=', id)
          .execute();
      }),
  };
}
