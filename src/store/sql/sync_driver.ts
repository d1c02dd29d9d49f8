/**
 * `syncDriver`: builds a {@linkcode SqlDriver} from a synchronous, single-connection client
 * (`node:sqlite`, `bun:sqlite`, Durable Object SQLite storage). It serialises transactions: while
 * one is open, every other call waits, so statements of concurrent async callers never land
 * inside someone else's transaction.
 * @module
 */

import type { SqlDialectName, SqlDriver, SqlValue } from "./driver.ts";
import { serialLock } from "./_serial.ts";

/** The synchronous primitives a single-connection client supplies. */
export interface SyncSqlClient {
  /** Which SQL dialect the database speaks. */
  dialect: SqlDialectName;
  /** Runs a statement and returns its rows. */
  all(sql: string, params: readonly SqlValue[]): Record<string, SqlValue>[];
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params: readonly SqlValue[]): number;
  /** Starts a write transaction. */
  begin(): void;
  /** Commits the open transaction. */
  commit(): void;
  /** Rolls back the open transaction. */
  rollback(): void;
  /** Closes the connection. */
  close(): void;
}

/**
 * @param client The synchronous client.
 * @returns An async {@linkcode SqlDriver} over it.
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { syncDriver } from "./sync_driver.ts";
 * const db = new DatabaseSync(":memory:");
 * const driver = syncDriver({
 *   dialect: "sqlite",
 *   all: (sql, params) => db.prepare(sql).all(...params) as never,
 *   run: (sql, params) => Number(db.prepare(sql).run(...params).changes),
 *   begin: () => db.exec("BEGIN IMMEDIATE"),
 *   commit: () => db.exec("COMMIT"),
 *   rollback: () => db.exec("ROLLBACK"),
 *   close: () => db.close(),
 * });
 * ```
 */
export function syncDriver(client: SyncSqlClient): SqlDriver {
  let closed = false;
  const lock = serialLock();
  const { acquire, release } = lock;
  const check = (): void => {
    if (closed) throw new Error("Cannot use the database: it is closed");
  };
  const query = <T>(sql: string, params: readonly SqlValue[] = []): T[] => {
    check();
    return client.all(sql, params) as T[];
  };
  const exec = (sql: string, params: readonly SqlValue[] = []): { changes: number } => {
    check();
    return { changes: client.run(sql, params) };
  };
  /** Runs `op` now, or after the open transaction ends. */
  const outside = <T>(op: () => T): Promise<T> => lock.outside(op);

  const driver: SqlDriver = {
    dialect: client.dialect,
    query: (sql, params) => outside(() => query(sql, params)),
    exec: (sql, params) => outside(() => exec(sql, params)),
    async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
      await acquire();
      let open = true;
      const inside = <R>(op: () => R): Promise<R> => {
        if (!open) {
          return Promise.reject(new Error("Cannot use a transaction handle after it ended"));
        }
        try {
          return Promise.resolve(op());
        } catch (error) {
          return Promise.reject(error);
        }
      };
      const tx: SqlDriver = {
        dialect: client.dialect,
        query: (sql, params) => inside(() => query(sql, params)),
        exec: (sql, params) => inside(() => exec(sql, params)),
        transaction: (inner) => inner(tx),
        close: () => Promise.reject(new Error("Cannot close the database inside a transaction")),
      };
      try {
        check();
        client.begin();
        let result: T;
        try {
          result = await fn(tx);
          open = false;
          client.commit();
        } catch (error) {
          open = false;
          try {
            client.rollback();
          } catch {
            // The transaction may already be gone (e.g. a failed COMMIT rolls back by itself).
          }
          throw error;
        }
        return result;
      } finally {
        open = false;
        release();
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      await acquire();
      try {
        if (!closed) client.close();
        closed = true;
      } finally {
        release();
      }
    },
  };
  return driver;
}
