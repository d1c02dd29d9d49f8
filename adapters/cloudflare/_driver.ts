/**
 * The SQL driver over a Durable Object's `ctx.storage.sql`, with the object's alarm kept in the
 * same storage transaction as every write, and counters of what the platform bills.
 * @module
 */

import type { SqlDriver, SqlValue } from "../../src/store/sql/driver.ts";
import type { DurableObjectStorageLike, DurableSqlCursor } from "./_types.ts";
import { serialLock } from "../../src/store/sql/_serial.ts";

/** What this object has done to its storage since it started (the platform bills these). */
export interface StorageMetrics {
  /** SQL statements run. */
  statements: number;
  /** Rows read, as the platform counts them (index rows included). */
  rowsRead: number;
  /** Rows written, as the platform counts them (index rows included). */
  rowsWritten: number;
  /** `setAlarm` calls. */
  setAlarm: number;
  /** `deleteAlarm` calls. */
  deleteAlarm: number;
  /** `alarm()` invocations handled. */
  alarms: number;
  /** Jobs started by this object. */
  jobsStarted: number;
  /** Jobs created by schedule fires. */
  fires: number;
}

/** @returns Zeroed metrics. */
export function newMetrics(): StorageMetrics {
  return {
    statements: 0,
    rowsRead: 0,
    rowsWritten: 0,
    setAlarm: 0,
    deleteAlarm: 0,
    alarms: 0,
    jobsStarted: 0,
    fires: 0,
  };
}

/**
 * Builds the driver. `afterWrite` runs synchronously after every statement outside a transaction
 * that wrote rows, and at the end of every transaction that wrote rows, still inside it: that is
 * where the object's alarm is moved, so a row and its alarm commit (or roll back) together.
 *
 * Transactions use `storage.transaction()`, which rolls back SQL and alarm changes when the body
 * rejects (`BEGIN` and `SAVEPOINT` are refused by the platform). They are serialised: while one
 * is open, every other call waits, so no statement lands in someone else's transaction.
 *
 * @param storage The object's storage.
 * @param metrics Counters to update.
 * @param afterWrite Called after committed-to-be writes, synchronously.
 * @returns The driver.
 * @example
 * ```ts ignore
 * import { durableObjectDriver } from "@everywhen/everywhen/cloudflare";
 * import { SqlStore } from "@everywhen/everywhen/sqlite";
 *
 * // Inside a Durable Object (durableScheduler() does this for you):
 * const metrics = { statements: 0, rowsRead: 0, rowsWritten: 0, setAlarm: 0, deleteAlarm: 0,
 *   alarms: 0, jobsStarted: 0, fires: 0 };
 * const store = await SqlStore.open(durableObjectDriver(ctx.storage, metrics, () => {}));
 * ```
 */
export function durableObjectDriver(
  storage: DurableObjectStorageLike,
  metrics: StorageMetrics,
  afterWrite: () => void,
): SqlDriver {
  let closed = false;
  const lock = serialLock();
  const { acquire, release } = lock;
  const run = (sql: string, params: readonly SqlValue[]): [rows: unknown[], wrote: number] => {
    if (closed) throw new Error("Cannot use the database: it is closed");
    const cursor: DurableSqlCursor = storage.sql.exec(sql, ...params);
    const rows = cursor.toArray();
    metrics.statements++;
    metrics.rowsRead += cursor.rowsRead;
    metrics.rowsWritten += cursor.rowsWritten;
    return [rows, cursor.rowsWritten];
  };
  // `rowsWritten` counts index rows too; `changes()` is the statement's own row count.
  const changes = (): number => {
    const [rows] = run("SELECT changes() AS n", []);
    return (rows[0] as { n: number } | undefined)?.n ?? 0;
  };
  /** Runs `op` now, or after the open transaction ends. */
  const outside = <T>(op: () => T): Promise<T> => lock.outside(op);
  const exec = (sql: string, params: readonly SqlValue[] = []): { changes: number } => {
    const [, wrote] = run(sql, params);
    return { changes: wrote > 0 ? changes() : 0 };
  };

  return {
    dialect: "durable-object",
    query: <T>(sql: string, params: readonly SqlValue[] = []) =>
      outside(() => {
        const [rows, wrote] = run(sql, params);
        if (wrote > 0) afterWrite();
        return rows as T[];
      }),
    exec: (sql, params) =>
      outside(() => {
        const result = exec(sql, params);
        if (result.changes > 0) afterWrite();
        return result;
      }),
    async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
      await acquire();
      let open = true;
      let wrote = false;
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
        dialect: "durable-object",
        query: <R>(sql: string, params: readonly SqlValue[] = []) =>
          inside(() => {
            const [rows, n] = run(sql, params);
            if (n > 0) wrote = true;
            return rows as R[];
          }),
        exec: (sql, params) =>
          inside(() => {
            const result = exec(sql, params);
            if (result.changes > 0) wrote = true;
            return result;
          }),
        transaction: (inner) => inner(tx),
        close: () => Promise.reject(new Error("Cannot close the database inside a transaction")),
      };
      try {
        return await storage.transaction(async () => {
          const result = await fn(tx);
          if (wrote) afterWrite();
          return result;
        });
      } finally {
        open = false;
        release();
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      await acquire();
      closed = true;
      release();
    },
  };
}
