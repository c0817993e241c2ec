import { describe } from 'vitest';
import { openDatabase } from '../../src/crm/open-database.ts';
import { createSqlCrmStore } from '../../src/crm/sql-crm-store.ts';
import { createTestDatabase, postgresAvailable } from '../support/services.ts';
import { crmStoreContract } from './crm-store.contract.ts';

const available = await postgresAvailable('CRM contract on PostgreSQL');

describe.runIf(available)('PostgreSQL', () => {
  crmStoreContract('PostgreSQL', async () => {
    const database = await createTestDatabase();
    const crm = createSqlCrmStore(await openDatabase(database.url));
    return {
      crm,
      async cleanup() {
        await crm.close();
        await database.drop();
      },
    };
  });
});
