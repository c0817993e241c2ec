import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Database } from './schema.ts';

/** Migrations live in code (not files) so they ship with the bundle and run at start-up on both databases. */
type Dialect = 'sqlite' | 'postgres';

function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_core': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('contacts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('display_name', 'text')
          .addColumn('language', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('contact_identities')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('external_id', 'text', (c) => c.notNull())
          .addColumn('unreachable', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('contact_identities_channel_external_id', ['channel', 'external_id'])
          .execute();
        await db.schema
          .createTable('conversations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('conversation_key', 'text', (c) => c.notNull().unique())
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('language', 'text')
          .addColumn('state', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('reply_context', 'text')
          .addColumn('last_inbound_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('messages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('direction', 'text', (c) => c.notNull())
          .addColumn('author_kind', 'text', (c) => c.notNull())
          .addColumn('author_id', 'text')
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('platform_message_id', 'text')
          .addColumn('dedupe_key', 'text', (c) => c.unique())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('decision', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('correlation_id', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('messages_conversation')
          .on('messages')
          .columns(['conversation_id', 'id'])
          .execute();
        await db.schema.createIndex('messages_status').on('messages').columns(['direction', 'status']).execute();
        await db.schema
          .createTable('handoffs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('priority', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('educator_id', 'text')
          .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('outcome', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('claimed_at', 'text')
          .addColumn('closed_at', 'text')
          .addColumn('escalated_at', 'text')
          .execute();
        await db.schema.createIndex('handoffs_status').on('handoffs').columns(['status', 'created_at']).execute();
        await db.schema
          .createTable('unanswered_questions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('message_id', 'text')
          .addColumn('language', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('best_article_id', 'text')
          .addColumn('best_confidence', 'real', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('feedback')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('handoff_id', 'text')
          .addColumn('rating', 'integer', (c) => c.notNull())
          .addColumn('comment', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('audit_events')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('subject', 'text')
          .addColumn('details', 'text', (c) => c.notNull())
          .addColumn('prev_hash', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('educators')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0002_message_platform_ids': {
      // Delivery reports name the platform's id of a sent message: an indexed lookup instead of a LIKE over
      // every message's JSON list of ids (a full scan per report, ~3 reports per reply on WhatsApp).
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('message_platform_ids')
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('platform_message_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
          .addPrimaryKeyConstraint('message_platform_ids_pk', ['channel', 'platform_message_id'])
          .execute();
        await db.schema
          .createIndex('message_platform_ids_message')
          .on('message_platform_ids')
          .column('message_id')
          .execute();
        const sent = await (db as Kysely<Database>)
          .selectFrom('messages')
          .select(['id', 'channel', 'platform_message_id'])
          .where('direction', '=', 'out')
          .where('platform_message_id', 'is not', null)
          .execute();
        for (const row of sent) {
          let ids: unknown;
          try {
            ids = JSON.parse(row.platform_message_id ?? '[]');
          } catch {
            continue;
          }
          if (!Array.isArray(ids)) continue;
          for (const platformId of ids)
            await (db as Kysely<Database>)
              .insertInto('message_platform_ids')
              .values({ channel: row.channel, platform_message_id: String(platformId), message_id: row.id })
              .onConflict((oc) => oc.doNothing())
              .execute();
        }
      },
    },
  };
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown'}`,
    );
  }
  // Keeps the planner's statistics fresh on SQLite after a big migration; harmless elsewhere.
  if (dialect === 'sqlite') await sql`PRAGMA optimize`.execute(db);
}
