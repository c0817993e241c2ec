import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/crm/open-database.ts';
import { createSqlCrmStore } from '../../src/crm/sql-crm-store.ts';
import { crmStoreContract } from './crm-store.contract.ts';

crmStoreContract('SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sehat-crm-'));
  const crm = createSqlCrmStore(await openDatabase(`sqlite:${join(dir, 'crm.db')}`));
  return {
    crm,
    async cleanup() {
      await crm.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
