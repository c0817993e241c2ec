import type { Env } from '../config/env.ts';
import { verifyAuditChain } from '../crm/audit-chain.ts';
import { openDatabase } from '../crm/open-database.ts';
import { createSqlCrmStore } from '../crm/sql-crm-store.ts';

/** `sehat audit verify`: recomputes the hash chain; exit 1 and the first broken entry if anything was edited. */
export async function runAuditVerify(env: Env, options: { db?: string }): Promise<number> {
  const crm = createSqlCrmStore(await openDatabase(options.db ?? env.DATABASE_URL));
  try {
    const events = await crm.listAudit();
    const broken = verifyAuditChain(events.map((e) => ({ ...e, details: JSON.stringify(e.details) })));
    if (broken) {
      console.error(
        `Audit log TAMPERED: entry #${broken.seq} (${broken.id}) — ${broken.problem === 'hash_mismatch' ? 'its content was changed' : 'an entry before it was removed or changed'}.`,
      );
      return 1;
    }
    console.log(`Audit log intact: ${events.length} entries, hash chain verified.`);
    return 0;
  } finally {
    await crm.close();
  }
}

/** `sehat audit list`: the newest staff actions. */
export async function runAuditList(env: Env, options: { db?: string; limit?: string }): Promise<number> {
  const crm = createSqlCrmStore(await openDatabase(options.db ?? env.DATABASE_URL));
  try {
    const events = await crm.listAudit();
    for (const e of events.slice(-Number(options.limit ?? 50))) {
      console.log(
        `${e.at}  #${e.seq}  ${e.actor.padEnd(22)} ${e.action.padEnd(22)} ${e.subject ?? ''} ${Object.keys(e.details).length ? JSON.stringify(e.details) : ''}`,
      );
    }
    return 0;
  } finally {
    await crm.close();
  }
}
