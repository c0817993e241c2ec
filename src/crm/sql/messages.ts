import type { Insertable, Kysely } from 'kysely';
import { newId } from '../../shared/ids.ts';
import type { CrmStore } from '../crm-store.ts';
import type { Database, MessageTable } from '../schema.ts';
import { guard, iso, toMessage } from './common.ts';
import { prepared } from './prepared.ts';

/** Every column of a new message row, always all of them (a prepared insert has a fixed shape). */
type MessageRow = Required<Insertable<MessageTable>>;

/** Messages in both directions: the inbound log (deduplicated) and the outbox of replies, and notes. */
export function sqlMessages(
  db: Kysely<Database>,
): Pick<
  CrmStore,
  | 'recordInbound'
  | 'findInbound'
  | 'markInboundProcessed'
  | 'markInbound'
  | 'listUnprocessedInbound'
  | 'recordOutbound'
  | 'markOutbound'
  | 'listPendingOutbound'
  | 'markOutboundByPlatformId'
  | 'recordNote'
  | 'markIdentityUnreachable'
  | 'getMessage'
  | 'listMessages'
  | 'listReplies'
> {
  // The statements every message runs, compiled once.
  const insertInbound = prepared(db, (q, row: MessageRow) =>
    q
      .insertInto('messages')
      .values(row)
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id'),
  );
  const insertMessage = prepared(db, (q, row: MessageRow) => q.insertInto('messages').values(row));
  const messageById = prepared(db, (q, p: { id: string }) =>
    q.selectFrom('messages').selectAll().where('id', '=', p.id),
  );
  const setStatus = prepared(db, (q, p: { id: string; status: string; at: string }) =>
    q.updateTable('messages').set({ status: p.status, updated_at: p.at }).where('id', '=', p.id),
  );
  const repliesTo = prepared(db, (q, p: { conversationId: string; correlationId: string }) =>
    q
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', p.conversationId)
      .where('correlation_id', '=', p.correlationId)
      .where('direction', '=', 'out')
      .orderBy('id'),
  );
  return {
    recordInbound: (input) =>
      guard('recordInbound', async () => {
        const id = newId('msg_');
        const [inserted] = await insertInbound({
          id,
          conversation_id: input.conversationId,
          direction: 'in',
          author_kind: 'patient',
          author_id: null,
          channel: input.channel,
          platform_message_id: input.platformMessageId,
          dedupe_key: `${input.channel}:${input.platformMessageId}`,
          content: JSON.stringify(input.content),
          text: input.text,
          decision: null,
          status: 'received',
          error: null,
          correlation_id: null,
          attempts: 0,
          created_at: iso(input.receivedAt),
          updated_at: iso(input.receivedAt),
        });
        return inserted ? { id } : 'duplicate';
      }),

    findInbound: (channel, platformMessageId) =>
      guard('findInbound', async () => {
        const row = await db
          .selectFrom('messages')
          .selectAll()
          .where('dedupe_key', '=', `${channel}:${platformMessageId}`)
          .executeTakeFirst();
        return row ? toMessage(row) : undefined;
      }),

    markInboundProcessed: (id, at) =>
      guard('markInboundProcessed', async () => {
        await setStatus({ id, status: 'processed', at: iso(at) });
      }),

    markInbound: (id, status, at) =>
      guard('markInbound', async () => {
        await setStatus({ id, status, at: iso(at) });
      }),

    listUnprocessedInbound: (limit) =>
      guard('listUnprocessedInbound', async () => {
        const rows = await db
          .selectFrom('messages')
          .selectAll()
          .where('direction', '=', 'in')
          .where('status', '=', 'received')
          .orderBy('id')
          .limit(limit)
          .execute();
        return rows.map(toMessage);
      }),

    recordOutbound: (input) =>
      guard('recordOutbound', async () => {
        const id = newId('msg_');
        await insertMessage({
          id,
          conversation_id: input.conversationId,
          direction: 'out',
          author_kind: input.sender.kind,
          author_id: input.sender.kind === 'educator' ? input.sender.educatorId : null,
          channel: input.channel,
          platform_message_id: null,
          dedupe_key: null,
          content: JSON.stringify(input.parts),
          text: input.text,
          decision: input.decision ? JSON.stringify(input.decision) : null,
          status: 'pending',
          error: null,
          correlation_id: input.correlationId,
          attempts: 0,
          created_at: iso(input.at),
          updated_at: iso(input.at),
        });
        return { id };
      }),

    markOutbound: (id, update, at) =>
      guard('markOutbound', async () => {
        const updated = await db
          .updateTable('messages')
          .set({
            status: update.status,
            ...(update.platformMessageIds && { platform_message_id: JSON.stringify(update.platformMessageIds) }),
            ...(update.error !== undefined && { error: update.error }),
            ...(update.attempts !== undefined && { attempts: update.attempts }),
            updated_at: iso(at),
          })
          .where('id', '=', id)
          .returning('channel')
          .executeTakeFirst();
        if (updated && update.platformMessageIds?.length)
          await db
            .insertInto('message_platform_ids')
            .values(
              update.platformMessageIds.map((platformId) => ({
                channel: updated.channel,
                platform_message_id: platformId,
                message_id: id,
              })),
            )
            .onConflict((oc) => oc.doNothing())
            .execute();
      }),

    listPendingOutbound: (limit) =>
      guard('listPendingOutbound', async () => {
        const rows = await db
          .selectFrom('messages')
          .selectAll()
          .where('direction', '=', 'out')
          .where('status', '=', 'pending')
          .orderBy('id')
          .limit(limit)
          .execute();
        return rows.map(toMessage);
      }),

    markOutboundByPlatformId: (channel, platformMessageId, update, at) =>
      guard('markOutboundByPlatformId', async () => {
        const row = await db
          .selectFrom('message_platform_ids as p')
          .innerJoin('messages as m', 'm.id', 'p.message_id')
          .select(['m.id', 'm.status'])
          .where('p.channel', '=', channel)
          .where('p.platform_message_id', '=', platformMessageId)
          .executeTakeFirst();
        if (!row) return false;
        // Reports can arrive out of order (read before delivered): never move a message backwards.
        const rank = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 } as Record<string, number>;
        if ((rank[row.status] ?? 0) >= (rank[update.status] ?? 0) && update.status !== 'failed') return true;
        await db
          .updateTable('messages')
          .set({
            status: update.status,
            ...(update.error !== undefined && { error: update.error }),
            updated_at: iso(at),
          })
          .where('id', '=', row.id)
          .execute();
        return true;
      }),

    recordNote: (input) =>
      guard('recordNote', async () => {
        const id = newId('msg_');
        await db
          .insertInto('messages')
          .values({
            id,
            conversation_id: input.conversationId,
            direction: 'note',
            author_kind: 'educator',
            author_id: input.educatorId,
            channel: input.channel,
            platform_message_id: null,
            dedupe_key: null,
            content: JSON.stringify([{ kind: 'text', markdown: input.text }]),
            text: input.text,
            decision: null,
            status: 'note',
            error: null,
            correlation_id: null,
            created_at: iso(input.at),
            updated_at: iso(input.at),
          })
          .execute();
        return { id };
      }),

    markIdentityUnreachable: (channel, externalId) =>
      guard('markIdentityUnreachable', async () => {
        await db
          .updateTable('contact_identities')
          .set({ unreachable: 1 })
          .where('channel', '=', channel)
          .where('external_id', '=', externalId)
          .execute();
      }),

    getMessage: (id) =>
      guard('getMessage', async () => {
        const [row] = await messageById({ id });
        return row ? toMessage(row) : undefined;
      }),

    listMessages: (conversationId, options = {}) =>
      guard('listMessages', async () => {
        let query = db
          .selectFrom('messages')
          .selectAll()
          .where('conversation_id', '=', conversationId)
          .orderBy('id', 'desc');
        if (options.limit) query = query.limit(options.limit);
        return (await query.execute()).map(toMessage).reverse();
      }),

    listReplies: (conversationId, correlationId) =>
      guard('listReplies', async () => (await repliesTo({ conversationId, correlationId })).map(toMessage)),
  };
}
