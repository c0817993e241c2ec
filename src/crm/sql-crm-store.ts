import { type Kysely, type Selectable, sql } from 'kysely';
import { AppError } from '../core/errors.ts';
import type { ChannelId, ConversationKey, ConversationMode } from '../core/types.ts';
import { newId } from '../shared/ids.ts';
import { GENESIS_HASH, hashAuditEntry } from './audit-chain.ts';
import type { AuditEvent, Conversation, CrmStore, StoredMessage, UnansweredQuestion } from './crm-store.ts';
import type { OpenedDatabase } from './open-database.ts';
import type { ConversationTable, Database, MessageTable } from './schema.ts';

const iso = (d: Date) => d.toISOString();
const parseJson = <T>(text: string | null, fallback: T): T => {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

function toConversation(row: Selectable<ConversationTable>): Conversation {
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

function toMessage(row: Selectable<MessageTable>): StoredMessage {
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
async function guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('store_unavailable', `CRM ${operation} failed: ${(error as Error).message}`, { cause: error });
  }
}

export function createSqlCrmStore(opened: OpenedDatabase): CrmStore {
  const db: Kysely<Database> = opened.db;

  return {
    upsertContact: ({ channel, externalId, displayName, language, at }) =>
      guard('upsertContact', async () => {
        const find = () =>
          db
            .selectFrom('contact_identities as i')
            .innerJoin('contacts as c', 'c.id', 'i.contact_id')
            .select(['c.id', 'c.display_name', 'c.language', 'c.created_at'])
            .where('i.channel', '=', channel)
            .where('i.external_id', '=', externalId)
            .executeTakeFirst();
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
        const row = await db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
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
        const find = () =>
          db.selectFrom('conversations').selectAll().where('conversation_key', '=', key).executeTakeFirst();
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
        const row = await db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toConversation(row) : undefined;
      }),

    findConversationByKey: (key) =>
      guard('findConversationByKey', async () => {
        const row = await db
          .selectFrom('conversations')
          .selectAll()
          .where('conversation_key', '=', key)
          .executeTakeFirst();
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

    recordInbound: (input) =>
      guard('recordInbound', async () => {
        const id = newId('msg_');
        const inserted = await db
          .insertInto('messages')
          .values({
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
            created_at: iso(input.receivedAt),
            updated_at: iso(input.receivedAt),
          })
          .onConflict((oc) => oc.column('dedupe_key').doNothing())
          .returning('id')
          .executeTakeFirst();
        return inserted ? { id } : 'duplicate';
      }),

    markInboundProcessed: (id, at) =>
      guard('markInboundProcessed', async () => {
        await db
          .updateTable('messages')
          .set({ status: 'processed', updated_at: iso(at) })
          .where('id', '=', id)
          .execute();
      }),

    markInbound: (id, status, at) =>
      guard('markInbound', async () => {
        await db
          .updateTable('messages')
          .set({ status, updated_at: iso(at) })
          .where('id', '=', id)
          .execute();
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
        await db
          .insertInto('messages')
          .values({
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
            created_at: iso(input.at),
            updated_at: iso(input.at),
          })
          .execute();
        return { id };
      }),

    markOutbound: (id, update, at) =>
      guard('markOutbound', async () => {
        await db
          .updateTable('messages')
          .set({
            status: update.status,
            ...(update.platformMessageIds && { platform_message_id: JSON.stringify(update.platformMessageIds) }),
            ...(update.error !== undefined && { error: update.error }),
            ...(update.attempts !== undefined && { attempts: update.attempts }),
            updated_at: iso(at),
          })
          .where('id', '=', id)
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
        // platform_message_id holds the JSON list of ids a send returned; match the id inside it.
        const row = await db
          .selectFrom('messages')
          .select(['id', 'status'])
          .where('direction', '=', 'out')
          .where('channel', '=', channel)
          .where('platform_message_id', 'like', `%${JSON.stringify(platformMessageId).slice(1, -1)}%`)
          .orderBy('id', 'desc')
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
        const row = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
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

    recordUnanswered: (input) =>
      guard('recordUnanswered', async () => {
        await db
          .insertInto('unanswered_questions')
          .values({
            id: newId('uq_'),
            conversation_id: input.conversationId,
            message_id: input.messageId,
            language: input.language,
            text: input.text,
            best_article_id: input.bestArticleId,
            best_confidence: input.bestConfidence,
            created_at: iso(input.at),
          })
          .execute();
      }),

    listUnanswered: (options = {}) =>
      guard('listUnanswered', async () => {
        let query = db.selectFrom('unanswered_questions').selectAll().orderBy('created_at', 'desc');
        if (options.since) query = query.where('created_at', '>=', iso(options.since));
        if (options.limit) query = query.limit(options.limit);
        const rows = await query.execute();
        return rows.map(
          (r): UnansweredQuestion => ({
            id: r.id,
            conversationId: r.conversation_id,
            messageId: r.message_id,
            language: r.language,
            text: r.text,
            bestArticleId: r.best_article_id,
            bestConfidence: Number(r.best_confidence),
            createdAt: r.created_at,
          }),
        );
      }),

    appendAudit: (input) =>
      guard('appendAudit', () =>
        db.transaction().execute(async (tx) => {
          // Serialise appends across processes so two entries never chain to the same predecessor.
          if (opened.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(727384)`.execute(tx);
          const last = await tx
            .selectFrom('audit_events')
            .select(['hash'])
            .orderBy('seq', 'desc')
            .limit(1)
            .executeTakeFirst();
          const prevHash = last?.hash ?? GENESIS_HASH;
          const fields = {
            id: newId('au_'),
            at: iso(input.at),
            actor: input.actor,
            action: input.action,
            subject: input.subject ?? null,
            details: JSON.stringify(input.details ?? {}),
          };
          const hash = hashAuditEntry(prevHash, fields);
          const row = await tx
            .insertInto('audit_events')
            .values({ ...fields, prev_hash: prevHash, hash })
            .returning('seq')
            .executeTakeFirstOrThrow();
          return { ...fields, seq: Number(row.seq), details: input.details ?? {}, prevHash, hash } satisfies AuditEvent;
        }),
      ),

    listAudit: (options = {}) =>
      guard('listAudit', async () => {
        let query = db.selectFrom('audit_events').selectAll().orderBy('seq');
        if (options.limit) query = query.limit(options.limit);
        return (await query.execute()).map((r) => ({
          seq: Number(r.seq),
          id: r.id,
          at: r.at,
          actor: r.actor,
          action: r.action,
          subject: r.subject,
          details: parseJson(r.details, {}),
          prevHash: r.prev_hash,
          hash: r.hash,
        }));
      }),

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

    ping: () =>
      guard('ping', async () => {
        await sql`SELECT 1`.execute(db);
      }),

    close: () => opened.close(),
  };
}
