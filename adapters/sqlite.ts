/**
 * The embedded, durable store: everywhen's SQL store in an SQLite file, over `node:sqlite`
 * (`DatabaseSync`), which runs unchanged on Node >= 22, Deno and Bun. Several processes, on any
 * of these runtimes, may share one file: the file is switched to WAL mode, connections wait up to
 * `busyTimeout` for a lock, and claims run in `BEGIN IMMEDIATE` transactions.
 *
 * @example
 * ```ts
 * import { Scheduler } from "@everywhen/everywhen";
 * import { openStore } from "@everywhen/everywhen/sqlite";
 *
 * const store = await openStore("./everywhen.db");
 * const scheduler = new Scheduler({ store });
 * ```
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { SqlDriver, SqlValue } from "../src/store/sql/driver.ts";
import { SqlStore } from "../src/store/sql/sql_store.ts";
import { syncDriver } from "../src/store/sql/sync_driver.ts";

export { SqlStore } from "../src/store/sql/sql_store.ts";
export type { SqlDialectName, SqlDriver, SqlValue } from "../src/store/sql/driver.ts";

/** The part of a synchronous SQLite statement the driver uses (`node:sqlite`'s `StatementSync`). */
export interface SqliteStatement {
  /** Runs the statement and returns its rows. */
  all(...params: SqlValue[]): unknown[];
  /** Runs the statement and reports how many rows it changed. */
  run(...params: SqlValue[]): { changes: number | bigint };
}

/** The part of a synchronous SQLite database the driver uses (`node:sqlite`'s `DatabaseSync`). */
export interface SqliteDatabase {
  /** Compiles one statement. */
  prepare(sql: string): SqliteStatement;
  /** Runs statements without parameters. */
  exec(sql: string): void;
  /** Closes the database. */
  close(): void;
}

/** Options for {@linkcode openStore}. */
export interface OpenStoreOptions {
  /**
   * Milliseconds a statement waits for another process's lock before failing with
   * `SQLITE_BUSY`. The wait blocks this thread (`node:sqlite` is synchronous).
   * @default 5000
   */
  busyTimeout?: number;
  /**
   * SQLite's `synchronous` setting. `"normal"` (in WAL mode) survives any process crash and
   * syncs to disk at checkpoints, so a power cut can lose the last moments of writes; fires and
   * the jobs they create are written in one transaction, so they are lost or kept together and
   * nothing fires twice. `"full"` syncs every commit, about 3x slower.
   * @default "normal"
   */
  synchronous?: "normal" | "full";
  /**
   * Whether other processes may write to the file, so schedulers poll it.
   * @default true for a file, false for ":memory:" and "" (a private temporary database)
   */
  shared?: boolean;
}

/**
 * Wraps an open synchronous SQLite database in a {@linkcode SqlDriver}. Statements are prepared
 * once and cached; transactions are `BEGIN IMMEDIATE` and serialised on this connection.
 * @param db An open database, e.g. `new DatabaseSync(path)` from `node:sqlite`.
 * @returns A driver for {@linkcode SqlStore.open}; closing it closes `db`.
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { SqlStore, sqliteDriver } from "@everywhen/everywhen/sqlite";
 *
 * const db = new DatabaseSync("./app.db");
 * db.exec("PRAGMA busy_timeout = 5000");
 * const store = await SqlStore.open(sqliteDriver(db));
 * ```
 */
export function sqliteDriver(db: SqliteDatabase): SqlDriver {
  const statements = new Map<string, SqliteStatement>();
  const prepared = (sql: string): SqliteStatement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return syncDriver({
    dialect: "sqlite",
    all: (sql, params) => prepared(sql).all(...params) as Record<string, SqlValue>[],
    run: (sql, params) => Number(prepared(sql).run(...params).changes),
    begin: () => db.exec("BEGIN IMMEDIATE"),
    commit: () => db.exec("COMMIT"),
    rollback: () => db.exec("ROLLBACK"),
    close: () => {
      statements.clear();
      db.close();
    },
  });
}

/**
 * Opens (creating if needed) an SQLite file as an everywhen store: checks its schema version,
 * switches it to WAL mode and migrates it. A file written by a newer everywhen is refused and
 * left untouched.
 * @param path The file's path, or ":memory:" for a database that lives only in this process.
 * @param options Store options.
 * @returns The ready store.
 * @example
 * ```ts
 * import { openStore } from "@everywhen/everywhen/sqlite";
 * const store = await openStore("./everywhen.db");
 * ```
 */
export async function openStore(path: string, options: OpenStoreOptions = {}): Promise<SqlStore> {
  const busyTimeout = options.busyTimeout ?? 5000;
  if (!Number.isInteger(busyTimeout) || busyTimeout < 0) {
    throw new RangeError(`Invalid busyTimeout: ${busyTimeout} (expected an integer >= 0)`);
  }
  const synchronous = options.synchronous ?? "normal";
  if (synchronous !== "normal" && synchronous !== "full") {
    throw new RangeError(
      `Invalid synchronous: ${String(synchronous)} (expected "normal" or "full")`,
    );
  }
  const db = new DatabaseSync(path);
  const driver = sqliteDriver(db);
  try {
    db.exec(`PRAGMA busy_timeout = ${busyTimeout}`);
    const shared = options.shared ?? (path !== ":memory:" && path !== "");
    const store = await SqlStore.open(driver, { shared, name: "sqlite" });
    // After open, so that a file that is not a database gets the store's own clear error.
    db.exec(`PRAGMA synchronous = ${synchronous.toUpperCase()}`);
    return store;
  } catch (error) {
    await driver.close();
    throw error;
  }
}
