import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type Dialect, Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { groupCommitSqliteDialect } from '../../../src/crm/sqlite-group-commit.ts';

interface Db {
  notes: { id: string; body: string };
}

/** A writer (through the dialect) and an independent reader connection on the same file. */
function open() {
  const file = join(mkdtempSync(join(tmpdir(), 'sehat-gc-')), 'test.db');
  const raw = new SqliteDatabase(file);
  raw.pragma('journal_mode = WAL');
  raw.exec('create table notes (id text primary key, body text not null)');
  const db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw) });
  const other = new SqliteDatabase(file, { readonly: true });
  const committed = () =>
    (other.prepare('select id from notes order by id').all() as { id: string }[]).map((r) => r.id);
  return {
    db,
    raw,
    committed,
    close: async () => {
      other.close();
      await db.destroy();
    },
  };
}

const insert = (db: Kysely<Db>, id: string) => db.insertInto('notes').values({ id, body: id }).execute();

let opened: ReturnType<typeof open> | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

describe('SQLite group commit', () => {
  it('settles a write only once it is committed, visible to another connection', async () => {
    opened = open();
    const { db, committed } = opened;
    let seenAtSettle: string[] = [];
    await insert(db, 'a').then(() => {
      seenAtSettle = committed();
    });
    expect(seenAtSettle).toEqual(['a']);
  });

  it('commits the writes of many concurrent callers together, in one transaction', async () => {
    // WAL frames written: every commit appends the pages it changed, so 50 autocommits write ≥ 50 frames.
    const framesFor = async (dialect: (raw: SqliteDatabase.Database) => Dialect) => {
      const file = join(mkdtempSync(join(tmpdir(), 'sehat-gc-')), 'frames.db');
      const raw = new SqliteDatabase(file);
      raw.pragma('journal_mode = WAL');
      raw.pragma('wal_autocheckpoint = 0');
      raw.exec('create table notes (id text primary key, body text not null)');
      raw.pragma('wal_checkpoint(TRUNCATE)');
      const db = new Kysely<Db>({ dialect: dialect(raw) });
      await Promise.all(Array.from({ length: 50 }, (_, i) => insert(db, `n${i}`)));
      const [{ log }] = raw.pragma('wal_checkpoint(PASSIVE)') as [{ log: number }];
      const rows = raw.prepare('select count(*) as n from notes').get() as { n: number };
      await db.destroy();
      return { frames: log, rows: rows.n };
    };
    const stock = await framesFor((raw) => new SqliteDialect({ database: raw }));
    const grouped = await framesFor(groupCommitSqliteDialect);
    expect(stock).toMatchObject({ rows: 50 });
    expect(grouped).toMatchObject({ rows: 50 });
    expect(stock.frames).toBeGreaterThanOrEqual(50);
    expect(grouped.frames).toBeLessThan(10);
  });

  it('fails only the statement that broke a constraint; the others in the batch commit', async () => {
    opened = open();
    const { db, committed } = opened;
    await insert(db, 'dup');
    const results = await Promise.allSettled([insert(db, 'x1'), insert(db, 'dup'), insert(db, 'x2')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed()).toEqual(['dup', 'x1', 'x2']);
  });

  it('rolls back an explicit transaction without losing other callers’ writes of the same batch', async () => {
    opened = open();
    const { db, committed } = opened;
    const outside = insert(db, 'outside');
    const failed = db
      .transaction()
      .execute(async (tx) => {
        await insert(tx, 'inside-1');
        await insert(tx, 'inside-2');
        throw new Error('changed my mind');
      })
      .catch((error: Error) => error.message);
    expect(await failed).toBe('changed my mind');
    await outside;
    await insert(db, 'after');
    expect(committed()).toEqual(['after', 'outside']);
  });

  it('keeps other callers out of an open explicit transaction until it ends', async () => {
    opened = open();
    const { db, committed } = opened;
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const tx = db.transaction().execute(async (t) => {
      await insert(t, 't1');
      order.push('tx wrote');
      await gate;
      await insert(t, 't2');
      order.push('tx done');
    });
    await new Promise((r) => setTimeout(r, 5));
    const other = insert(db, 'o1').then(() => order.push('other committed'));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['tx wrote']);
    release();
    await Promise.all([tx, other]);
    expect(order).toEqual(['tx wrote', 'tx done', 'other committed']);
    expect(committed()).toEqual(['o1', 't1', 't2']);
  });

  it('runs many concurrent transactions one at a time, each committed or rolled back whole, none stuck', async () => {
    opened = open();
    const { db, committed } = opened;
    const work = Array.from({ length: 30 }, (_, i) => {
      const id = String(i).padStart(2, '0');
      return i % 3 === 0
        ? db
            .transaction()
            .execute(async (tx) => {
              await insert(tx, `t${id}a`);
              await insert(tx, `t${id}b`);
              if (i % 2 === 0) throw new Error('rolled back');
            })
            .catch(() => 'rolled back')
        : insert(db, `p${id}`);
    });
    // Started in the same tick, as concurrent webhooks do: a lock taken twice used to leave callers waiting forever.
    const settled = await Promise.race([
      Promise.all(work).then(() => 'all settled'),
      new Promise((r) => setTimeout(() => r('stuck'), 5_000)),
    ]);
    expect(settled).toBe('all settled');
    const expected = Array.from({ length: 30 }, (_, i) => {
      const id = String(i).padStart(2, '0');
      if (i % 3 !== 0) return [`p${id}`];
      return i % 2 === 0 ? [] : [`t${id}a`, `t${id}b`];
    })
      .flat()
      .sort();
    expect(committed()).toEqual(expected);
  });

  it('answers reads at once when nothing is pending, and after the commit when a batch is open', async () => {
    opened = open();
    const { db } = opened;
    await insert(db, 'r1');
    const rows = await db.selectFrom('notes').select('id').execute();
    expect(rows.map((r) => r.id)).toEqual(['r1']);
    const [, read] = await Promise.all([
      insert(db, 'r2'),
      sql<{ n: number }>`select count(*) as n from notes`.execute(db),
    ]);
    expect(read.rows[0]?.n).toBe(2);
  });

  it('commits what is pending when the database is closed', async () => {
    const { db, raw } = open();
    const file = raw.name;
    const pending = insert(db, 'last');
    // Wait (in microtasks, before the batch's own commit turn) until the row is written but not committed.
    while (!raw.prepare("select 1 from notes where id = 'last'").get()) await Promise.resolve();
    await db.destroy();
    await pending;
    const check = new SqliteDatabase(file, { readonly: true });
    expect(check.prepare('select id from notes').all()).toEqual([{ id: 'last' }]);
    check.close();
  });
});
