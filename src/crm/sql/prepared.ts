import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../schema.ts';

const MARK = '\u0000sehat-param:';

/**
 * A hot query of fixed shape, compiled once. Kysely builds and compiles a query's SQL on every call (~10 µs
 * and many short-lived objects per statement, a dozen statements per message); here the query is compiled
 * on first use with a placeholder for each parameter, and every call swaps its own values in.
 *
 * `build` must hand each parameter to the query builder unchanged (no `.toISOString()`, no string
 * concatenation inside it: they are placeholders when it runs), and every call passes the same keys.
 */
export function prepared<P extends Record<string, unknown>, R>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, params: P) => Compilable<R>,
): (params: P) => Promise<R[]> {
  let compiled: CompiledQuery<R> | undefined;
  /** For each SQL parameter: the key of the call's value that fills it (undefined: a constant of the query). */
  let slots: (string | undefined)[] = [];
  return async (params) => {
    if (compiled === undefined) {
      const markers = Object.fromEntries(Object.keys(params).map((key) => [key, `${MARK}${key}`])) as P;
      compiled = build(db, markers).compile();
      slots = compiled.parameters.map((value) =>
        typeof value === 'string' && value.startsWith(MARK) ? value.slice(MARK.length) : undefined,
      );
    }
    const parameters = compiled.parameters.map((value, i) => {
      const key = slots[i];
      return key === undefined ? value : params[key];
    });
    return (await db.executeQuery<R>({ ...compiled, parameters })).rows;
  };
}
