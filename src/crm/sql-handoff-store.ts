import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../core/errors.ts';
import type { ConversationKey } from '../core/types.ts';
import type { Handoff, HandoffPriority, HandoffReason, HandoffStatus } from '../handoff/types.ts';
import { newId } from '../shared/ids.ts';
import type { HandoffStore } from './handoff-store.ts';
import type { OpenedDatabase } from './open-database.ts';
import type { Database, HandoffTable } from './schema.ts';
import { guard, iso } from './sql/common.ts';

function toHandoff(row: Selectable<HandoffTable> & { conversation_key: string }): Handoff {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    conversationKey: row.conversation_key as ConversationKey,
    reason: row.reason as HandoffReason,
    priority: row.priority as HandoffPriority,
    status: row.status as HandoffStatus,
    educatorId: row.educator_id,
    tags: JSON.parse(row.tags) as string[],
    outcome: row.outcome,
    createdAt: row.created_at,
    claimedAt: row.claimed_at,
    closedAt: row.closed_at,
    escalatedAt: row.escalated_at,
  };
}

export function createSqlHandoffStore(opened: OpenedDatabase): HandoffStore {
  const db: Kysely<Database> = opened.db;
  const selectHandoffs = () =>
    db
      .selectFrom('handoffs as h')
      .innerJoin('conversations as c', 'c.id', 'h.conversation_id')
      .selectAll('h')
      .select('c.conversation_key');
  const changed = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows > 0n;

  return {
    createHandoff: ({ conversationId, reason, priority, at }) =>
      guard('createHandoff', async () => {
        const id = newId('ho_');
        await db
          .insertInto('handoffs')
          .values({
            id,
            conversation_id: conversationId,
            reason,
            priority,
            status: 'waiting',
            educator_id: null,
            tags: '[]',
            outcome: null,
            created_at: iso(at),
            claimed_at: null,
            closed_at: null,
            escalated_at: null,
          })
          .execute();
        const row = await selectHandoffs().where('h.id', '=', id).executeTakeFirstOrThrow();
        return toHandoff(row);
      }),
    getHandoff: (id) =>
      guard('getHandoff', async () => {
        const row = await selectHandoffs().where('h.id', '=', id).executeTakeFirst();
        return row ? toHandoff(row) : undefined;
      }),
    findOpenHandoff: (conversationId) =>
      guard('findOpenHandoff', async () => {
        const row = await selectHandoffs()
          .where('h.conversation_id', '=', conversationId)
          .where('h.status', 'in', ['waiting', 'claimed'])
          .orderBy('h.created_at', 'desc')
          .executeTakeFirst();
        return row ? toHandoff(row) : undefined;
      }),
    listHandoffs: ({ status, educatorId, limit }) =>
      guard('listHandoffs', async () => {
        let query = selectHandoffs().orderBy('h.created_at');
        if (status?.length) query = query.where('h.status', 'in', status);
        if (educatorId) query = query.where('h.educator_id', '=', educatorId);
        if (limit) query = query.limit(limit);
        return (await query.execute()).map(toHandoff);
      }),
    claimHandoff: (id, educatorId, at) =>
      guard('claimHandoff', async () =>
        changed(
          await db
            .updateTable('handoffs')
            .set({ status: 'claimed', educator_id: educatorId, claimed_at: iso(at) })
            .where('id', '=', id)
            .where('status', '=', 'waiting')
            .executeTakeFirst(),
        ),
      ),
    releaseHandoff: (id, educatorId) =>
      guard('releaseHandoff', async () =>
        changed(
          await db
            .updateTable('handoffs')
            .set({ status: 'waiting', educator_id: null })
            .where('id', '=', id)
            .where('status', '=', 'claimed')
            .where('educator_id', '=', educatorId)
            .executeTakeFirst(),
        ),
      ),
    closeHandoff: (id, { outcome, tags, at }) =>
      guard('closeHandoff', async () =>
        changed(
          await db
            .updateTable('handoffs')
            .set({ status: 'closed', outcome, tags: JSON.stringify(tags), closed_at: iso(at) })
            .where('id', '=', id)
            .where('status', 'in', ['waiting', 'claimed'])
            .executeTakeFirst(),
        ),
      ),
    raisePriority: (id, priority, reason) =>
      guard('raisePriority', async () => {
        await db.updateTable('handoffs').set({ priority, reason }).where('id', '=', id).execute();
      }),
    markEscalated: (id, at) =>
      guard('markEscalated', async () =>
        changed(
          await db
            .updateTable('handoffs')
            .set({ escalated_at: iso(at) })
            .where('id', '=', id)
            .where('escalated_at', 'is', null)
            .executeTakeFirst(),
        ),
      ),
    transferHandoff: (id, from, to) =>
      guard('transferHandoff', async () =>
        changed(
          await db
            .updateTable('handoffs')
            .set({ educator_id: to })
            .where('id', '=', id)
            .where('status', '=', 'claimed')
            .where('educator_id', '=', from)
            .executeTakeFirst(),
        ),
      ),
    recordFeedback: ({ conversationId, handoffId, rating, comment, at }) =>
      guard('recordFeedback', async () => {
        const row = {
          id: newId('fb_'),
          conversation_id: conversationId,
          handoff_id: handoffId,
          rating,
          comment,
          created_at: iso(at),
        };
        await db.insertInto('feedback').values(row).execute();
        return { id: row.id, conversationId, handoffId, rating, comment, createdAt: row.created_at };
      }),
    listFeedback: (conversationId) =>
      guard('listFeedback', async () => {
        const rows = await db
          .selectFrom('feedback')
          .selectAll()
          .where('conversation_id', '=', conversationId)
          .orderBy('created_at')
          .execute();
        return rows.map((r) => ({
          id: r.id,
          conversationId: r.conversation_id,
          handoffId: r.handoff_id,
          rating: Number(r.rating),
          comment: r.comment,
          createdAt: r.created_at,
        }));
      }),
    createEducator: ({ username, displayName, passwordHash, at }) =>
      guard('createEducator', async () => {
        const id = newId('ed_');
        const inserted = await db
          .insertInto('educators')
          .values({
            id,
            username,
            display_name: displayName,
            password_hash: passwordHash,
            active: 1,
            created_at: iso(at),
          })
          .onConflict((oc) => oc.column('username').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) throw new AppError('conflict', `educator "${username}" already exists`);
        return { id, username, displayName };
      }),
    setEducatorPassword: (username, passwordHash) =>
      guard('setEducatorPassword', async () =>
        changed(
          await db
            .updateTable('educators')
            .set({ password_hash: passwordHash })
            .where('username', '=', username)
            .executeTakeFirst(),
        ),
      ),
    findEducatorByUsername: (username) =>
      guard('findEducatorByUsername', async () => {
        const r = await db.selectFrom('educators').selectAll().where('username', '=', username).executeTakeFirst();
        return r
          ? {
              id: r.id,
              username: r.username,
              displayName: r.display_name,
              passwordHash: r.password_hash,
              active: Number(r.active) === 1,
            }
          : undefined;
      }),
    getEducator: (id) =>
      guard('getEducator', async () => {
        const r = await db
          .selectFrom('educators')
          .select(['id', 'username', 'display_name'])
          .where('id', '=', id)
          .executeTakeFirst();
        return r ? { id: r.id, username: r.username, displayName: r.display_name } : undefined;
      }),
    listEducators: () =>
      guard('listEducators', async () => {
        const rows = await db
          .selectFrom('educators')
          .select(['id', 'username', 'display_name'])
          .where('active', '=', 1)
          .orderBy('username')
          .execute();
        return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name }));
      }),
  };
}
