/**
 * Dialect specifics of the SQL store, kept in one place: column types, the greatest-of-two
 * function, list parameters, table introspection, per-connection setup, row locks and extra
 * schema objects: SQLite, Durable Object SQLite storage and PostgreSQL.
 * @module
 */

import type { SqlDialectName, SqlValue } from "./driver.ts";

/** What the SQL store needs to know about a dialect. */
export interface Dialect {
  /** The dialect's name, as drivers report it. */
  readonly name: SqlDialectName;
  /** Column type for epoch-millisecond instants and counters. */
  readonly int: string;
  /** Column type for millisecond durations, which may be fractional or `Infinity`. */
  readonly num: string;
  /** Column type for text. */
  readonly text: string;
  /** Keyword ending a generated (computed) column definition, e.g. `VIRTUAL` or `STORED`. */
  readonly generated: string;
  /**
   * @param a SQL expression.
   * @param b SQL expression.
   * @returns An expression for the larger of two non-null values.
   */
  greatest(a: string, b: string): string;
  /**
   * @param column A column name.
   * @returns A condition `column` is one of the values bound to a single placeholder, whose
   * value comes from {@linkcode Dialect.list}.
   */
  inList(column: string): string;
  /**
   * @param values The values.
   * @returns The parameter value for an {@linkcode Dialect.inList} placeholder.
   */
  list(values: readonly string[]): SqlValue;
  /**
   * @param column An indexed column.
   * @returns The condition of {@linkcode Dialect.inList}, in a form the planner answers with a
   * seek of the column's index per value rather than by reading the whole index.
   */
  inListIndexed(column: string): string;
  /**
   * A query reading rows out of a JSON array of objects bound to one placeholder (used as a
   * `WITH` table), so one statement can update many rows with different values.
   * @param columns Column names and whether each is text or an integer.
   * @returns The `SELECT`.
   */
  records(columns: ReadonlyArray<[name: string, type: "text" | "int"]>): string;
  /**
   * @param column A key column.
   * @param table A `WITH` table from {@linkcode Dialect.records} with an `id` column.
   * @returns A condition that `column` is one of the table's ids, in a form the planner answers
   * with the key's index.
   */
  inRecords(column: string, table: string): string;
  /** Appended to `CREATE TABLE` of a table with a composite key, to store rows in the key. */
  readonly withoutRowid: string;
  /**
   * An expression taking the next job sequence number, evaluated once per inserted row; `null`
   * where the store counts in `everywhen_counters` instead (SQLite: writers are serialised).
   */
  readonly nextSeq: string | null;
  /**
   * Whether the priority index leaves out priority 0 (the default), so that jobs without a
   * priority write no row into it; claims then walk priority 0 through the ready index.
   */
  readonly sparsePriority: boolean;
  /**
   * Whether the store keeps `everywhen_job_counts` (finished jobs per status and task), so the
   * admin counts read a few rows instead of counting index entries. Not on Durable Objects, which
   * bill every row written.
   */
  readonly jobCounts: boolean;
  /**
   * Rows each status and task's count is spread over. Where writers run side by side
   * (PostgreSQL), one counter row would make every finish wait for the one before it to commit;
   * each write adds to one of these at random, and a count is their sum.
   */
  readonly countShards: number;
  /**
   * Whether statements run synchronously on the caller's thread (`node:sqlite`, Durable Object
   * storage), blocking the event loop while they run: clean-up then sizes its chunks by time.
   */
  readonly blocking: boolean;
  /** What `LIMIT` takes to mean "no limit" (before an `OFFSET`). */
  readonly unlimited: string;
  /** A query returning one row when the table named by its single parameter exists. */
  readonly tableExists: string;
  /** Statements run once per connection after the schema version check and before migrating. */
  readonly setup: readonly string[];
  /**
   * Gives the pages that deletes freed back to the file system, a bounded step at a time:
   * `free` reads how many pages are free, `step` releases up to a fixed number. `null` where
   * the database reclaims space by itself (PostgreSQL's autovacuum, Durable Object storage).
   */
  readonly reclaim: { free: string; step: string } | null;
  /**
   * A write that changes nothing, run at open in a transaction that is rolled back, so that a
   * read-only database is refused at open instead of failing on every write later; `null` where
   * storage is never read-only.
   */
  readonly writeProbe: string | null;
  /**
   * Appended to the `SELECT` that picks rows to claim: locks them for this transaction and skips
   * rows another transaction holds, so concurrent claimers never wait on each other. Empty where
   * write transactions are serialised anyway (SQLite).
   */
  readonly skipLocked: string;
  /**
   * Most bound parameters one statement may carry: multi-row inserts are cut to fit. Durable
   * Objects allow 100 (three job rows), SQLite 32,766, PostgreSQL 65,535.
   */
  readonly maxParams: number;
  /** Appended to a `SELECT` that reads a row it then updates, to lock it. Empty on SQLite. */
  readonly forUpdate: string;
  /**
   * Appended to a `SELECT` whose rows must not change until commit (a dependency's status read
   * by a job inserted after it), so a concurrent update waits, or is waited for. Empty on SQLite.
   */
  readonly forShare: string;
  /**
   * A statement taking a transaction-scoped lock on the name bound to its single parameter,
   * waiting for it; `null` where write transactions are serialised anyway.
   */
  readonly lock: string | null;
  /**
   * A query taking the same kind of lock without waiting; its one row has `ok` = 1 when the lock
   * was taken, 0 when another transaction holds it. `null` where not needed.
   */
  readonly tryLock: string | null;
  /**
   * A query taking that kind of lock on every name of a list bound to its single parameter
   * (from {@linkcode Dialect.list}) without waiting, in one statement: one row per name, with
   * `name` and `ok` (1 when taken, 0 when another transaction holds it). `null` where not needed.
   */
  readonly tryLocks: string | null;
  /**
   * @param version A migration's version.
   * @returns Dialect-only statements appended to that migration (e.g. notification triggers).
   */
  extraMigration(version: number): string[];
}

/** SQLite (3.35 or later: generated columns, `RETURNING`, JSON functions). */
export const sqlite: Dialect = {
  name: "sqlite",
  int: "INTEGER",
  num: "REAL",
  text: "TEXT",
  generated: "VIRTUAL",
  greatest: (a, b) => `max(${a}, ${b})`,
  inList: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  list: (values) => JSON.stringify(values),
  // SQLite already seeks the index once per value of the list.
  inListIndexed: (column) => sqlite.inList(column),
  records: (columns) =>
    `SELECT ${
      columns.map(([name]) => `value ->> '$.${name}' AS ${name}`).join(", ")
    } FROM json_each(?)`,
  // SQLite already answers the join on the key with its index; an IN here is evaluated per row.
  inRecords: () => "1 = 1",
  withoutRowid: " WITHOUT ROWID",
  nextSeq: null,
  // Jobs of the default priority stay out of the priority index: most jobs then write two index
  // entries fewer over a run (Durable Objects bill each). Claims walk priority 0 through the
  // ready index instead and read (and skip) ready jobs of negative priority there.
  sparsePriority: true,
  jobCounts: true,
  countShards: 1,
  blocking: true,
  unlimited: "-1",
  tableExists: "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
  // WAL lets readers run while one process writes; it is a property of the file, so the first
  // process to open it switches it for everyone. `:memory:` databases answer "memory" and stay so.
  // Incremental auto-vacuum can only be chosen while the file has no table (a new file): it lets
  // clean-up give freed pages back in steps. An older file keeps its mode until a VACUUM.
  setup: ["PRAGMA auto_vacuum = INCREMENTAL", "PRAGMA journal_mode = WAL"],
  reclaim: { free: "PRAGMA freelist_count", step: "PRAGMA incremental_vacuum(256)" },
  writeProbe:
    "UPDATE everywhen_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM everywhen_migrations)",
  // BEGIN IMMEDIATE makes every write transaction exclusive: nothing to lock or skip.
  skipLocked: "",
  maxParams: 32_766,
  forUpdate: "",
  forShare: "",
  lock: null,
  tryLock: null,
  tryLocks: null,
  extraMigration: () => [],
};

/** Advisory lock class ids (`pg_advisory_xact_lock(int, int)`), so ours never meet an app's. */
const LOCK_CLASS = 0x65776e; // "ewn"

/** The channel prefix of change notifications; the schema name follows. */
export const NOTIFY_PREFIX = "everywhen:";

/**
 * PostgreSQL (12 or later: stored generated columns, `SKIP LOCKED`). Tables live in the
 * connection's `current_schema()`; the adapter sets `search_path` to the configured schema.
 * Instants are `BIGINT` (the driver reads them back as numbers), durations `DOUBLE PRECISION`
 * (which holds `Infinity`).
 */
export const postgres: Dialect = {
  name: "postgres",
  int: "BIGINT",
  num: "DOUBLE PRECISION",
  text: "TEXT",
  generated: "STORED",
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  inList: (column) => `${column} IN (SELECT jsonb_array_elements_text(?::text::jsonb))`,
  list: (values) => JSON.stringify(values),
  // `IN (SELECT …)` hashes the list and reads every entry of the index; an array is sought.
  inListIndexed: (column) =>
    `${column} = ANY(ARRAY(SELECT jsonb_array_elements_text(?::text::jsonb)))`,
  records: (columns) =>
    `SELECT * FROM jsonb_to_recordset(?::text::jsonb) AS r(${
      columns.map(([name, type]) => `${name} ${type === "int" ? "BIGINT" : "TEXT"}`).join(", ")
    })`,
  // A plain join or IN makes the planner hash the whole jobs table; an array lets it use the key.
  inRecords: (column, table) => `${column} = ANY(ARRAY(SELECT id FROM ${table}))`,
  withoutRowid: "",
  nextSeq: "nextval('everywhen_jobs_seq')",
  sparsePriority: false,
  jobCounts: true,
  countShards: 16,
  blocking: false,
  unlimited: "ALL",
  tableExists:
    "SELECT 1 AS found FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?",
  setup: [],
  reclaim: null,
  writeProbe:
    "UPDATE everywhen_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM everywhen_migrations)",
  skipLocked: " FOR UPDATE SKIP LOCKED",
  maxParams: 65_535,
  forUpdate: " FOR UPDATE",
  forShare: " FOR SHARE",
  lock:
    `SELECT 1 AS ok FROM (SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(current_schema() || ':' || ?))) AS l`,
  tryLock:
    `SELECT pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(current_schema() || ':' || ?))::int AS ok`,
  // The same lock ids as `tryLock`, so a name locked either way is one lock.
  tryLocks: `SELECT t.name, pg_try_advisory_xact_lock(${LOCK_CLASS},
    hashtext(current_schema() || ':' || t.name))::int AS ok
    FROM jsonb_array_elements_text(?::text::jsonb) AS t(name)`,
  extraMigration: (version) =>
    version === 10 ? PENDING_NOTIFY_PER_STATEMENT : version !== 1 ? [] : [
      // Change notifications for LISTEN: new or retried pending jobs, key-limited jobs leaving
      // "running" (a freed concurrency slot; other finishes stay silent, since NOTIFY serialises
      // commits and would wake every worker for nothing), and schedules written by someone other than a firing
      // scheduler (fires change next_run_at but never updated_at). Notifications with the same
      // channel and payload in one transaction are delivered once, at commit.
      `CREATE FUNCTION everywhen_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('${NOTIFY_PREFIX}' || TG_TABLE_SCHEMA, TG_TABLE_NAME);
          RETURN NULL;
        END $$`,
      `CREATE TRIGGER everywhen_jobs_inserted AFTER INSERT ON everywhen_jobs
        FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION everywhen_notify()`,
      `CREATE TRIGGER everywhen_jobs_updated AFTER UPDATE ON everywhen_jobs
        FOR EACH ROW WHEN ((NEW.status = 'pending' AND (OLD.status <> 'pending' OR
          NEW.run_at < OLD.run_at)) OR (OLD.status = 'running' AND NEW.status <> 'running' AND
          NEW.concurrency_key IS NOT NULL AND NEW.concurrency_limit IS NOT NULL))
        EXECUTE FUNCTION everywhen_notify()`,
      `CREATE TRIGGER everywhen_schedules_inserted AFTER INSERT ON everywhen_schedules
        FOR EACH ROW EXECUTE FUNCTION everywhen_notify()`,
      `CREATE TRIGGER everywhen_schedules_updated AFTER UPDATE ON everywhen_schedules
        FOR EACH ROW WHEN (NEW.updated_at <> OLD.updated_at) EXECUTE FUNCTION everywhen_notify()`,
      `CREATE TRIGGER everywhen_meta_changed AFTER INSERT OR UPDATE OR DELETE ON everywhen_meta
        FOR EACH STATEMENT EXECUTE FUNCTION everywhen_notify()`,
    ],
};

/**
 * Schema version 10 on PostgreSQL: inserted pending jobs notify once per statement. The row
 * trigger of version 1 ran a PL/pgSQL call per pending job inserted (1,000 calls for a batch of
 * 1,000, for the one notification a transaction delivers per channel and payload): 10-20% of
 * `enqueueMany`'s throughput. The statement trigger reads the rows the statement inserted (the
 * counts trigger captures them already) and notifies if one of them is pending: jobs written
 * running by a fire, waiting jobs and finished ones still wake nobody.
 */
const PENDING_NOTIFY_PER_STATEMENT: string[] = [
  "DROP TRIGGER everywhen_jobs_inserted ON everywhen_jobs",
  `CREATE FUNCTION everywhen_notify_pending() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM inserted WHERE status = 'pending') THEN
        PERFORM pg_notify('${NOTIFY_PREFIX}' || TG_TABLE_SCHEMA, TG_TABLE_NAME);
      END IF;
      RETURN NULL;
    END $$`,
  `CREATE TRIGGER everywhen_jobs_inserted AFTER INSERT ON everywhen_jobs
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION everywhen_notify_pending()`,
];

/**
 * SQLite inside a Cloudflare Durable Object (`ctx.storage.sql`): SQLite's SQL, but no setup.
 * The platform owns journaling and durability (it refuses `PRAGMA journal_mode`), and one
 * object is one connection, so nothing needs switching.
 */
export const durableObject: Dialect = {
  ...sqlite,
  name: "durable-object",
  setup: [],
  reclaim: null,
  // A probe would bill a row write on every wake-up; object storage is always writable.
  writeProbe: null,
  maxParams: 100,
  jobCounts: false,
};

/**
 * @param name A driver's dialect.
 * @returns The dialect's specifics.
 */
export function dialectFor(name: SqlDialectName): Dialect {
  if (name === "sqlite") return sqlite;
  if (name === "durable-object") return durableObject;
  if (name === "postgres") return postgres;
  throw new RangeError(
    `Cannot open store: the ${JSON.stringify(name)} dialect is not supported yet (use SQLite)`,
  );
}
