import { type Kysely, sql } from 'kysely';
import { newId } from '../../shared/ids.ts';
import { GENESIS_HASH, hashAuditEntry } from '../audit-chain.ts';
import type { AuditEvent, CrmStore } from '../crm-store.ts';
import type { Database } from '../schema.ts';
import { guard, iso, parseJson } from './common.ts';

/** The append-only, hash-chained audit log of staff actions. */
export function sqlAudit(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
): Pick<CrmStore, 'appendAudit' | 'listAudit'> {
  return {
    appendAudit: (input) =>
      guard('appendAudit', () =>
        db.transaction().execute(async (tx) => {
          // Serialise appends across processes so two entries never chain to the same predecessor.
          if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(727384)`.execute(tx);
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
  };
}
