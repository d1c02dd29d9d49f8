/**
 * Dialect specifics of the SQL store, kept in one place: column types, the greatest-of-two
 * function, list parameters, table introspection and per-connection setup. SQLite and Durable
 * Object SQLite storage today; PostgreSQL adds an entry here.
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
  /** What `LIMIT` takes to mean "no limit" (before an `OFFSET`). */
  readonly unlimited: string;
  /** A query returning one row when the table named by its single parameter exists. */
  readonly tableExists: string;
  /** Statements run once per connection after the schema version check and before migrating. */
  readonly setup: readonly string[];
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
  unlimited: "-1",
  tableExists: "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
  // WAL lets readers run while one process writes; it is a property of the file, so the first
  // process to open it switches it for everyone. `:memory:` databases answer "memory" and stay so.
  setup: ["PRAGMA journal_mode = WAL"],
};

/**
 * SQLite inside a Cloudflare Durable Object (`ctx.storage.sql`): SQLite's SQL, but no setup.
 * The platform owns journaling and durability (it refuses `PRAGMA journal_mode`), and one
 * object is one connection, so nothing needs switching.
 */
export const durableObject: Dialect = { ...sqlite, name: "durable-object", setup: [] };

/**
 * @param name A driver's dialect.
 * @returns The dialect's specifics.
 */
export function dialectFor(name: SqlDialectName): Dialect {
  if (name === "sqlite") return sqlite;
  if (name === "durable-object") return durableObject;
  throw new RangeError(
    `Cannot open store: the ${JSON.stringify(name)} dialect is not supported yet (use SQLite)`,
  );
}
