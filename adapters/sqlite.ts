/**
 * The embedded, durable store: everywhen's SQL store in an SQLite file, over `node:sqlite`
 * (`DatabaseSync`), which runs unchanged on Node >= 22, Deno and Bun. Several processes, on any
 * of these runtimes, may share one file: the file is switched to WAL mode, claims run in
 * `BEGIN IMMEDIATE` transactions, and a call that finds another process holding the write lock
 * waits for it on a timer (never blocking the event loop) for up to `busyTimeout` in all.
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
import { beginCommit, syncDriver } from "../src/store/sql/sync_driver.ts";
import { checkKeys } from "../src/_keys.ts";

export { SqlStore, type SqlStoreOptions } from "../src/store/sql/sql_store.ts";
export { BusyError } from "../src/store/sql/sync_driver.ts";
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
   * Most milliseconds a call waits in all for another process's write lock before failing with
   * `BusyError`. SQLite itself waits at most a few milliseconds at a time (`node:sqlite` is
   * synchronous, so its waits block the thread); between tries the wait is a timer, so the event
   * loop keeps serving.
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
  /**
   * Open the file for reading only, e.g. to inspect a store another process runs (the file must
   * exist and be at this version's schema; writes fail). Without it, a file that cannot be
   * written is refused at open with a message saying it is read-only.
   * @default false
   */
  readOnly?: boolean;
}

const OPEN_STORE_OPTIONS: readonly (keyof OpenStoreOptions)[] = [
  "busyTimeout",
  "synchronous",
  "shared",
  "readOnly",
];

/** Options for {@linkcode sqliteDriver}. */
export interface SqliteDriverOptions {
  /** Most milliseconds to wait in all for another connection's lock. @default 5000 */
  busyTimeout?: number;
}

/**
 * Milliseconds SQLite's own busy handler may block the thread per try; longer waits happen on
 * timers between tries.
 */
export const BUSY_STEP_MS = 10;

/** SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes. */
function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown })?.errcode;
  if (typeof code === "number") return (code & 0xff) === 5 || (code & 0xff) === 6;
  return /database is locked|database table is locked/i.test(String((error as Error)?.message));
}
/**
 * Wraps an open synchronous SQLite database in a {@linkcode SqlDriver}. Statements are prepared
 * once and cached; transactions are `BEGIN IMMEDIATE` and serialised on this connection; a
 * statement that finds the database locked is retried on a timer for up to `busyTimeout` (set a
 * short `PRAGMA busy_timeout` on `db`, e.g. {@linkcode BUSY_STEP_MS}, so no try blocks long).
 * @param db An open database, e.g. `new DatabaseSync(path)` from `node:sqlite`.
 * @param options Driver options.
 * @returns A driver for {@linkcode SqlStore.open}; closing it closes `db`.
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { SqlStore, sqliteDriver } from "@everywhen/everywhen/sqlite";
 *
 * const db = new DatabaseSync("./app.db");
 * db.exec("PRAGMA busy_timeout = 10");
 * const store = await SqlStore.open(sqliteDriver(db));
 * ```
 */
export function sqliteDriver(db: SqliteDatabase, options?: SqliteDriverOptions): SqlDriver {
  const { busyTimeout = 5000 } = checkKeys(options, ["busyTimeout"], "SQLite driver options");
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
    transaction: beginCommit(
      () => db.exec("BEGIN IMMEDIATE"),
      () => db.exec("COMMIT"),
      () => db.exec("ROLLBACK"),
    ),
    isBusy,
    busyWait: busyTimeout,
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
export async function openStore(path: string, options?: OpenStoreOptions): Promise<SqlStore> {
  options = checkKeys(options, OPEN_STORE_OPTIONS, "SQLite store options");
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
  const readOnly = options.readOnly ?? false;
  if (typeof readOnly !== "boolean") {
    throw new TypeError(`Invalid readOnly: ${String(readOnly)} (expected a boolean)`);
  }
  const db = new DatabaseSync(path, { readOnly });
  const driver = sqliteDriver(db, { busyTimeout });
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.min(BUSY_STEP_MS, busyTimeout)}`);
    const shared = options.shared ?? (path !== ":memory:" && path !== "");
    const store = await SqlStore.open(driver, { shared, name: "sqlite", readOnly });
    // After open, so that a file that is not a database gets the store's own clear error.
    if (!readOnly) db.exec(`PRAGMA synchronous = ${synchronous.toUpperCase()}`);
    return store;
  } catch (error) {
    await driver.close();
    throw error;
  }
}
