import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/crm/open-database.ts';
import { prepared } from '../../../src/crm/sql/prepared.ts';

describe('prepared queries', () => {
  it('compile once and run with each call’s own values, keeping the query’s constants', async () => {
    const { db, close } = await openDatabase('sqlite::memory:');
    const at = '2026-01-01T00:00:00.000Z';
    for (const [id, name] of [
      ['ct_1', 'Ani'],
      ['ct_2', 'Budi'],
      ['ct_3', null],
    ] as const)
      await db
        .insertInto('contacts')
        .values({ id, display_name: name, language: 'id', created_at: at, updated_at: at })
        .execute();
    let builds = 0;
    const named = prepared(db, (q, p: { language: string; notId: string }) => {
      builds += 1;
      return q
        .selectFrom('contacts')
        .select('id')
        .where('language', '=', p.language)
        .where('id', '!=', p.notId)
        .where('display_name', 'is not', null)
        .orderBy('id');
    });
    expect((await named({ language: 'id', notId: 'ct_1' })).map((r) => r.id)).toEqual(['ct_2']);
    expect((await named({ language: 'id', notId: 'ct_2' })).map((r) => r.id)).toEqual(['ct_1']);
    expect(await named({ language: 'en', notId: 'x' })).toEqual([]);
    expect(builds).toBe(1);
    await close();
  });
});
