/**
 * The SQL driver over a Durable Object's `ctx.storage.sql`, with the object's alarm kept in the
 * same storage transaction as every write, and counters of what the platform bills.
 * @module
 */

import type { SqlDriver, SqlValue } from "../../src/store/sql/driver.ts";
import { syncDriver } from "../../src/store/sql/sync_driver.ts";
import type { DurableObjectStorageLike, DurableSqlCursor } from "./types.ts";

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
 * Builds the driver: the same serialised driver as SQLite's (`syncDriver`), over the object's
 * synchronous `storage.sql`. `afterWrite` runs synchronously after every statement outside a
 * transaction that wrote rows, and at the end of every transaction that wrote rows, still inside
 * it: that is where the object's alarm is moved, so a row and its alarm commit (or roll back)
 * together.
 *
 * Transactions use `storage.transaction()`, which rolls back SQL and alarm changes when the body
 * rejects (`BEGIN` and `SAVEPOINT` are refused by the platform). The platform never reports a
 * lock held elsewhere (one object is one connection), so nothing is retried.
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
  // Inside a transaction, writes are noted and `afterWrite` runs once before it commits.
  let inTransaction = false;
  let wrote = false;
  const run = (sql: string, params: readonly SqlValue[]): [rows: unknown[], written: number] => {
    const cursor: DurableSqlCursor = storage.sql.exec(sql, ...params);
    const rows = cursor.toArray();
    metrics.statements++;
    metrics.rowsRead += cursor.rowsRead;
    metrics.rowsWritten += cursor.rowsWritten;
    return [rows, cursor.rowsWritten];
  };
  const noteWrite = (): void => {
    if (inTransaction) wrote = true;
    else afterWrite();
  };
  return syncDriver({
    dialect: "durable-object",
    all: (sql, params) => {
      const [rows, written] = run(sql, params);
      if (written > 0) noteWrite();
      return rows as Record<string, SqlValue>[];
    },
    run: (sql, params) => {
      const [, written] = run(sql, params);
      if (written === 0) return 0;
      // `rowsWritten` counts index rows too; `changes()` is the statement's own row count.
      const [rows] = run("SELECT changes() AS n", []);
      const changes = (rows[0] as { n: number } | undefined)?.n ?? 0;
      if (changes > 0) noteWrite();
      return changes;
    },
    transaction: (body) =>
      storage.transaction(async () => {
        inTransaction = true;
        wrote = false;
        try {
          const result = await body();
          if (wrote) afterWrite();
          return result;
        } finally {
          inTransaction = false;
        }
      }),
    close: () => {},
  });
}
