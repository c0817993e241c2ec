import { sql } from 'kysely';
import type { CrmStore } from './crm-store.ts';
import type { OpenedDatabase } from './open-database.ts';
import { sqlAudit } from './sql/audit.ts';
import { guard } from './sql/common.ts';
import { sqlContacts } from './sql/contacts.ts';
import { sqlMessages } from './sql/messages.ts';
import { sqlPrivacy } from './sql/privacy.ts';
import { sqlUnanswered } from './sql/unanswered.ts';

/**
 * The CRM over SQL: one implementation for SQLite and PostgreSQL (Kysely), assembled from one part per
 * concern. Times are ISO strings and JSON is text in both databases, so no part needs to know which one.
 */
export function createSqlCrmStore(opened: OpenedDatabase): CrmStore {
  const { db } = opened;
  return {
    ...sqlContacts(db),
    ...sqlMessages(db),
    ...sqlUnanswered(db),
    ...sqlAudit(db, opened.dialect),
    ...sqlPrivacy(db),
    ping: () =>
      guard('ping', async () => {
        await sql`SELECT 1`.execute(db);
      }),

    close: () => opened.close(),
  };
}
