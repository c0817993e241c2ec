import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import { AppError } from '../core/errors.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';
import { groupCommitSqliteDialect } from './sqlite-group-commit.ts';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  /** Where it is, safe to log (no password). */
  description: string;
  close(): Promise<void>;
}

/** `sqlite:./data/sehat.db`, `sqlite::memory:` or `postgres://user:pass@host/db`. Runs migrations. */
export async function openDatabase(url: string, options: { poolSize?: number } = {}): Promise<OpenedDatabase> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length) || ':memory:';
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    sqlite.pragma('journal_mode = WAL'); // readers don't block the writer
    sqlite.pragma('synchronous = NORMAL'); // durable across process crashes in WAL mode
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: groupCommitSqliteDialect(sqlite) });
    await migrateToLatest(db as Kysely<unknown>, 'sqlite');
    return { db, dialect: 'sqlite', description: `SQLite ${file}`, close: () => db.destroy() };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    // Loaded only for PostgreSQL: the embedded (SQLite) install never needs the driver at start-up.
    const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    // A checked-out client losing its connection between two queries (the pool's idle listener is off
    // then) emits 'error' on the client: unhandled, it would crash the process. The failed query rejects
    // by itself and the pool drops the broken client on release. (Found by tests/faults.)
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const parsed = new URL(url);
    const description = `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
    try {
      await migrateToLatest(db as Kysely<unknown>, 'postgres');
    } catch (error) {
      await db.destroy().catch(() => {});
      throw new AppError('store_unavailable', `cannot use ${description}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return { db, dialect: 'postgres', description, close: () => db.destroy() };
  }
  throw new AppError('config_invalid', 'DATABASE_URL must start with sqlite: or postgres://');
}
