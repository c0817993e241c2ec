import type BetterSqlite3 from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/**
 * SQLite for a busy single server: **group commit** and a prepared-statement cache under Kysely.
 *
 * Every SQLite commit writes the changed pages to the WAL file: ~100–300 µs per commit for a message row on
 * a typical disk, which dominated a message's cost when each of its dozen statements committed on its own.
 * Here writes from all conversations in flight join one transaction that commits once per event-loop turn
 * (`setImmediate`); each caller's promise settles only after that COMMIT, so "stored before acknowledged"
 * holds exactly as with autocommit. A read made while such a batch is open also waits for its commit, so
 * nobody acts on data that could still be rolled back. Explicit transactions (`db.transaction()`) run as a
 * SAVEPOINT inside the batch: their rollback undoes only their own writes, and their commit resolves when
 * the batch is durable.
 *
 * Kysely's own SqliteDriver also prepares every statement anew (~20 µs each); statements are cached here by
 * their SQL text.
 */
export function groupCommitSqliteDialect(database: BetterSqlite3.Database): Dialect {
  return {
    createDriver: () => new GroupCommitDriver(database),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}

const STATEMENT_CACHE_SIZE = 500;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The one SQLite connection: a batch transaction that many callers share, committed once per event-loop turn. */
class BatchingConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  /** Callers waiting for the open batch to commit; undefined when no batch is open. */
  #waiters: Waiter[] | undefined;
  #flushScheduled = false;
  /** An explicit transaction (a savepoint) is open: the batch cannot commit in the middle of it. */
  #explicit = false;

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  execute<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.#prepare(compiled.sql);
    // Reads with no batch open see only committed data: answer at once.
    if (this.#waiters === undefined && stmt.readonly) return Promise.resolve(run<R>(stmt, compiled.parameters));
    this.#begin();
    let result: QueryResult<R>;
    try {
      result = run<R>(stmt, compiled.parameters);
    } catch (error) {
      this.#afterError(error);
      return Promise.reject(error);
    }
    // Inside an explicit transaction, results come at once; its commit waits for the batch instead.
    if (this.#explicit) return Promise.resolve(result);
    return this.#untilCommitted().then(() => result);
  }

  /** The driver lets one explicit transaction run at a time. */
  beginExplicit(): void {
    this.#begin();
    this.#explicit = true;
    this.#exec('SAVEPOINT sehat_explicit');
  }

  commitExplicit(): Promise<void> {
    this.#exec('RELEASE sehat_explicit');
    return this.#endExplicit();
  }

  rollbackExplicit(): Promise<void> {
    // A failed statement may already have ended the whole transaction (e.g. SQLITE_FULL).
    if (this.#db.inTransaction) {
      this.#exec('ROLLBACK TO sehat_explicit');
      this.#exec('RELEASE sehat_explicit');
    }
    return this.#endExplicit().catch(() => {});
  }

  savepoint(sql: string): void {
    this.#exec(sql);
  }

  /** Commits what is pending (on shutdown). */
  flushNow(): void {
    if (!this.#explicit) this.#commit();
  }

  #endExplicit(): Promise<void> {
    this.#explicit = false;
    this.#scheduleFlush();
    return this.#untilCommitted();
  }

  #begin(): void {
    if (this.#waiters !== undefined) return;
    this.#exec('BEGIN');
    this.#waiters = [];
    this.#scheduleFlush();
  }

  #untilCommitted(): Promise<void> {
    const waiters = this.#waiters;
    if (waiters === undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      // An explicit transaction is between two of its statements: its end schedules the commit.
      if (!this.#explicit) this.#commit();
    });
  }

  #commit(): void {
    const waiters = this.#waiters;
    if (waiters === undefined) return;
    this.#waiters = undefined;
    try {
      this.#exec('COMMIT');
    } catch (error) {
      if (this.#db.inTransaction) this.#exec('ROLLBACK');
      for (const w of waiters) w.reject(error);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  /** A statement error that rolled back the whole transaction fails everyone who was waiting for it. */
  #afterError(error: unknown): void {
    if (this.#waiters === undefined || this.#db.inTransaction) return;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    this.#explicit = false;
    for (const w of waiters) w.reject(error);
  }

  #exec(sql: string): void {
    this.#prepare(sql).run();
  }

  #prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value as string;
        this.#statements.delete(oldest);
      }
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}

function run<R>(stmt: BetterSqlite3.Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
  const { changes, lastInsertRowid } = stmt.run(parameters);
  return {
    numAffectedRows: BigInt(changes),
    insertId: lastInsertRowid === undefined || lastInsertRowid === null ? undefined : BigInt(lastInsertRowid),
    rows: [],
  };
}

/**
 * What Kysely holds while it runs a query or a transaction. A query from outside an open explicit
 * transaction waits until that transaction ends, so it never lands inside (and is never rolled back with) it.
 */
class Handle implements DatabaseConnection {
  explicit = false;
  constructor(
    private readonly shared: BatchingConnection,
    private readonly driver: GroupCommitDriver,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Check and run with no await in between, or a transaction could begin in the gap.
    if (!this.explicit) while (this.driver.lock) await this.driver.lock;
    return this.shared.execute<R>(compiled);
  }

  // biome-ignore lint/correctness/useYield: Kysely's interface; Sehat does not stream queries.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQLite here');
  }
}

/** One connection shared by everyone; an explicit transaction holds it exclusively until it ends. */
class GroupCommitDriver implements Driver {
  readonly #db: BetterSqlite3.Database;
  readonly #connection: BatchingConnection;
  /** Set while an explicit transaction runs; settles when it ends. */
  lock: Promise<void> | undefined;
  #unlock: (() => void) | undefined;

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
    this.#connection = new BatchingConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Handle(this.#connection, this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // Statements are synchronous: only an open explicit transaction makes others wait. The check and the
    // taking of the lock have no await in between, so two transactions can never both take it.
    while (this.lock) await this.lock;
    this.lock = new Promise((resolve) => {
      this.#unlock = resolve;
    });
    (connection as Handle).explicit = true;
    try {
      this.#connection.beginExplicit();
    } catch (error) {
      // Kysely does not roll back a transaction whose BEGIN failed: let the others go on.
      (connection as Handle).explicit = false;
      this.#release();
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as Handle).explicit = false;
    const committed = this.#connection.commitExplicit();
    this.#release();
    await committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as Handle).explicit = false;
    const rolledBack = this.#connection.rollbackExplicit();
    this.#release();
    await rolledBack;
  }

  async savepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#connection.savepoint(`SAVEPOINT "${name}"`);
  }

  async rollbackToSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#connection.savepoint(`ROLLBACK TO "${name}"`);
  }

  async releaseSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#connection.savepoint(`RELEASE "${name}"`);
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    this.#connection.flushNow();
    this.#db.close();
  }

  #release(): void {
    const unlock = this.#unlock;
    this.lock = undefined;
    this.#unlock = undefined;
    unlock?.();
  }
}
