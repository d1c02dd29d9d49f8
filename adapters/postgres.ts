/**
 * The multi-host store: everywhen's SQL store in PostgreSQL, over the `postgres` client from npm
 * (porsager/postgres), on Node >= 22, Deno and Bun. Any number of schedulers on any number of
 * hosts may share one database:
 *
 * - claims use `SELECT … FOR UPDATE SKIP LOCKED`, so workers never wait on each other; leases
 *   and exactly-once fire ids work as in the SQLite store;
 * - the tables live in their own schema (default `everywhen`), versioned and migrated like
 *   SQLite's, in one transaction;
 * - writes that make work available `NOTIFY` (from triggers), and `store.watch` `LISTEN`s, so a
 *   job enqueued on one host starts on an idle worker of another at once; polling
 *   (`pollInterval`) stays as the fallback;
 * - statements and transactions that fail because the server went away are retried with
 *   backoff for `retryFor` ms, then the error reaches the scheduler (a `scheduler:error` event)
 *   and the next poll tries again.
 *
 * Install the client next to everywhen: `npm i postgres`.
 *
 * @example
 * ```ts
 * import { Scheduler } from "@everywhen/everywhen";
 * import { openStore } from "@everywhen/everywhen/postgres";
 *
 * const store = await openStore("postgres://app@db.internal/app", { schema: "jobs" });
 * const scheduler = new Scheduler({ store });
 * ```
 * @module
 */

import postgres from "postgres";
import { NOTIFY_PREFIX } from "../src/store/sql/dialect.ts";
import { SqlStore } from "../src/store/sql/sql_store.ts";
import { pgDriver, type Sql } from "./postgres/_driver.ts";
import { checkKeys } from "../src/_keys.ts";

export { SqlStore } from "../src/store/sql/sql_store.ts";
export type { SqlDriver, SqlValue } from "../src/store/sql/driver.ts";

/** Options for {@linkcode openStore}. */
export interface PostgresStoreOptions {
  /**
   * Schema holding everywhen's tables, created if missing. Several independent deployments can
   * share a database in different schemas. Letters, digits and `_`, at most 53 characters (the
   * notification channel is `everywhen:<schema>` and must fit PostgreSQL's 63).
   * @default "everywhen"
   */
  schema?: string;
  /**
   * Connections in the pool (one more is opened for `LISTEN` while a scheduler watches).
   * @default 10
   */
  max?: number;
  /**
   * Milliseconds a statement or transaction keeps retrying, with exponential backoff (25 ms
   * doubling to 1 s), while the server is unreachable or restarting; then it fails with
   * `Cannot reach PostgreSQL: …`. `0` fails at once.
   * @default 10000
   */
  retryFor?: number;
  /**
   * Whether other processes may write to the database, so schedulers poll it.
   * @default true
   */
  shared?: boolean;
  /**
   * Further options for the `postgres` client (TLS, timeouts, `connection` parameters, …).
   * `types`, `max` and the `search_path` connection parameter are set by the store.
   * @default {}
   */
  client?: postgres.Options<Record<string, never>>;
}

const SCHEMA = /^[A-Za-z_][A-Za-z0-9_]{0,52}$/;

const OPTIONS: readonly (keyof PostgresStoreOptions)[] = [
  "schema",
  "max",
  "retryFor",
  "shared",
  "client",
];

/**
 * Connects to PostgreSQL and opens everywhen's store in `schema`: creates the schema if needed,
 * refuses a schema written by a newer everywhen (writing nothing), and migrates an older one.
 * @param url A connection string, e.g. `postgres://user:password@host:5432/db`.
 * @param options Store options.
 * @returns The ready store; `close()` ends its connections.
 * @example
 * ```ts
 * import { openStore } from "@everywhen/everywhen/postgres";
 * const store = await openStore(process.env.DATABASE_URL!, { schema: "everywhen" });
 * ```
 */
export async function openStore(
  url: string,
  options?: PostgresStoreOptions,
): Promise<SqlStore> {
  if (typeof url !== "string" || url === "") {
    throw new TypeError(`Invalid url: expected a connection string, got ${typeof url}`);
  }
  options = checkKeys(options, OPTIONS, "PostgreSQL store options");
  const schema = options.schema ?? "everywhen";
  if (typeof schema !== "string" || !SCHEMA.test(schema)) {
    throw new RangeError(
      `Invalid schema: ${
        JSON.stringify(schema)
      } (expected letters, digits and _, at most 53 characters, not starting with a digit)`,
    );
  }
  const max = options.max ?? 10;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`Invalid max: ${max} (expected an integer >= 1)`);
  }
  const retryFor = options.retryFor ?? 10_000;
  if (!Number.isFinite(retryFor) || retryFor < 0) {
    throw new RangeError(`Invalid retryFor: ${retryFor} (expected a number of ms >= 0)`);
  }
  const client = options.client ?? {};
  const settings = {
    onnotice: () => {},
    // The client's own reconnect delay grows to 20 s after a few failed attempts, which would
    // hold everything back long after the server returns; the driver paces retries itself.
    backoff: (attempt: number) => Math.min(0.01 * 2 ** attempt, 0.5),
    ...client,
    // Instants and counts are BIGINT; everywhen's fit in a double, so read them as numbers.
    types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } },
    connection: { ...client.connection, search_path: `"${schema}"` },
  };
  const sql = postgres(url, { ...settings, max }) as unknown as Sql;
  const driver = pgDriver(sql, {
    retryFor,
    connections: max,
    channel: NOTIFY_PREFIX + schema,
    listener: ({ onnotify, onclose }) =>
      postgres(url, {
        ...settings,
        max: 1,
        idle_timeout: 0,
        max_lifetime: null,
        fetch_types: false,
        onclose,
        onnotify,
      } as unknown as postgres.Options<Record<string, never>>) as unknown as Sql,
  });
  try {
    // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists.
    const found = await driver.query("SELECT 1 AS found FROM pg_namespace WHERE nspname = ?", [
      schema,
    ]);
    if (found.length === 0) {
      try {
        await driver.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      } catch (error) {
        // Another process created it at the same moment.
        if ((error as { code?: string }).code !== "23505") throw error;
      }
    }
    return await SqlStore.open(driver, { shared: options.shared ?? true, name: "postgres" });
  } catch (error) {
    await driver.close();
    throw error;
  }
}
