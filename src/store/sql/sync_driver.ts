/**
 * `syncDriver`: builds a {@linkcode SqlDriver} from a synchronous, single-connection client
 * (`node:sqlite` through `adapters/sqlite.ts`, a Durable Object's SQL storage through
 * `adapters/cloudflare/driver.ts`). It serialises transactions: while one is open, every other
 * call waits, so statements of concurrent async callers never land inside someone else's
 * transaction.
 *
 * Lock waits are asynchronous. A synchronous client that waits for another process's lock
 * blocks the whole event loop, so clients keep their own wait short and report "busy"; this
 * driver then retries with a growing delay on a timer (the loop keeps serving meanwhile), up
 * to a bounded total wait, after which the call fails with {@linkcode BusyError}.
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
  /**
   * Runs `body` inside a write transaction: committed when it resolves, rolled back when it
   * rejects. Use {@linkcode beginCommit} for a client with BEGIN/COMMIT/ROLLBACK statements.
   */
  transaction<T>(body: () => Promise<T>): Promise<T>;
  /** Closes the connection. */
  close(): void;
  /**
   * Whether an error means another connection holds a lock, so the same call may succeed later.
   * Omitted: nothing is retried.
   */
  isBusy?(error: unknown): boolean;
  /** Most milliseconds to keep retrying a busy call in all. @default 5000 */
  busyWait?: number;
}

/** A call gave up waiting for another connection's lock. */
export class BusyError extends Error {
  /** Always `"BusyError"`. */
  override name = "BusyError";
  /**
   * @param waited Milliseconds waited in all.
   * @param cause The client's last busy error.
   */
  constructor(waited: number, cause: unknown) {
    super(
      `Cannot write to the database: another connection held its lock for over ${waited} ms; ` +
        "raise busyTimeout or find the process holding the lock",
      { cause },
    );
  }
}

/** First retry delay; each retry doubles it up to `MAX_DELAY_MS`. */
const FIRST_DELAY_MS = 2;
const MAX_DELAY_MS = 20;

/**
 * The `transaction` of a client whose transactions are statements.
 * @param begin Starts a write transaction (e.g. `BEGIN IMMEDIATE`).
 * @param commit Commits it.
 * @param rollback Rolls it back.
 * @returns A `transaction` for {@linkcode SyncSqlClient}.
 */
export function beginCommit(
  begin: () => void,
  commit: () => void,
  rollback: () => void,
): <T>(body: () => Promise<T>) => Promise<T> {
  return async <T>(body: () => Promise<T>): Promise<T> => {
    begin();
    let result: T;
    try {
      result = await body();
    } catch (error) {
      try {
        rollback();
      } catch {
        // The transaction may already be gone (e.g. a failed statement rolled it back).
      }
      throw error;
    }
    try {
      commit();
    } catch (error) {
      try {
        rollback();
      } catch {
        // A failed COMMIT may roll back by itself.
      }
      throw error;
    }
    return result;
  };
}

/**
 * @param client The synchronous client.
 * @returns An async {@linkcode SqlDriver} over it.
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { beginCommit, syncDriver } from "./sync_driver.ts";
 * const db = new DatabaseSync(":memory:");
 * const driver = syncDriver({
 *   dialect: "sqlite",
 *   all: (sql, params) => db.prepare(sql).all(...params) as never,
 *   run: (sql, params) => Number(db.prepare(sql).run(...params).changes),
 *   transaction: beginCommit(
 *     () => db.exec("BEGIN IMMEDIATE"),
 *     () => db.exec("COMMIT"),
 *     () => db.exec("ROLLBACK"),
 *   ),
 *   close: () => db.close(),
 * });
 * ```
 */
export function syncDriver(client: SyncSqlClient): SqlDriver {
  let closed = false;
  const lock = serialLock();
  const { acquire, release } = lock;
  const busyWait = client.busyWait ?? 5000;
  const isBusy = (error: unknown): boolean => client.isBusy?.(error) ?? false;
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

  /** Calls `attempt` until it does not fail busy, sleeping on a timer between tries. */
  const retrying = async <T>(attempt: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    for (let delay = FIRST_DELAY_MS;; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof Retry)) throw error;
        const waited = Date.now() - start;
        if (waited >= busyWait) throw new BusyError(waited, error.cause);
        const pause = Math.min(delay * (0.5 + Math.random()), busyWait - waited);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  };
  /** Runs a statement outside any transaction (after the open one ends), retried while busy. */
  const outside = <T>(op: () => T): Promise<T> =>
    retrying(() =>
      lock.outside(() => {
        try {
          return op();
        } catch (error) {
          throw isBusy(error) ? new Retry(error) : error;
        }
      })
    );

  const driver: SqlDriver = {
    dialect: client.dialect,
    query: (sql, params) => outside(() => query(sql, params)),
    exec: (sql, params) => outside(() => exec(sql, params)),
    async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
      await acquire();
      let open = false;
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
        // Only a transaction whose body has not started is retried: a busy start wrote nothing.
        return await retrying(async () => {
          check();
          let started = false;
          try {
            return await client.transaction(async () => {
              started = open = true;
              try {
                return await fn(tx);
              } finally {
                open = false;
              }
            });
          } catch (error) {
            throw !started && isBusy(error) ? new Retry(error) : error;
          }
        });
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

/** Marks a busy failure worth another try. */
class Retry extends Error {
  constructor(cause: unknown) {
    super("busy", { cause });
  }
}
