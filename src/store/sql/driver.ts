/**
 * The SQL driver port: the few operations the SQL store needs from a database client. Drivers
 * exist (or will) for `node:sqlite`, Durable Object SQLite storage and PostgreSQL; each is a
 * thin mapping of these four methods.
 * @module
 */

/** A value bound to a statement parameter or read from a column. */
export type SqlValue = string | number | null;

/**
 * The SQL dialects the store knows how to speak. `"durable-object"` is SQLite inside a
 * Cloudflare Durable Object, whose storage manages its own journaling.
 */
export type SqlDialectName = "sqlite" | "durable-object" | "postgres";

/**
 * A database connection as the SQL store sees it. Statements use `?` placeholders.
 *
 * The store keeps transactions short: a transaction body awaits only statements on the `tx`
 * handle it was given, never timers, network or user code, so a driver may map `transaction` onto
 * a synchronous API (Durable Object `transactionSync`-style) or onto a pooled connection.
 */
export interface SqlDriver {
  /** Which SQL dialect the database speaks. */
  readonly dialect: SqlDialectName;
  /**
   * Runs a statement that returns rows.
   * @param sql One statement with `?` placeholders.
   * @param params Values for the placeholders, in order.
   * @returns The rows, as objects keyed by column name.
   */
  query<T = Record<string, SqlValue>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /**
   * Runs a statement for its effect.
   * @param sql One statement with `?` placeholders.
   * @param params Values for the placeholders, in order.
   * @returns How many rows the statement inserted, updated or deleted.
   */
  exec(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * Runs `fn` in a write transaction (on SQLite `BEGIN IMMEDIATE`, so two processes never both
   * write): committed when `fn` resolves, rolled back when it rejects. Other calls on this driver
   * wait until it ends; inside `fn` use only `tx`.
   * @param fn The transaction body.
   * @returns What `fn` resolved to.
   */
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T>;
  /**
   * Optional: how many transactions run at once (a pool's connections); absent means one at a
   * time, as on SQLite. The store reports it as `Store.parallel`.
   */
  readonly parallel?: number;
  /**
   * Optional: whether statements issued on a transaction's `tx` without awaiting each other are
   * sent together and run in the order issued (PostgreSQL's pipelining, on the transaction's one
   * connection). The store then sends a large insert's statements at once. Absent: the store
   * awaits each statement before issuing the next.
   */
  readonly pipelines?: boolean;
  /** Closes the connection; later calls reject. Closing twice is harmless. */
  close(): Promise<void>;
  /**
   * Optional: calls `onChange` soon after any connection commits new or changed work (e.g.
   * PostgreSQL `LISTEN/NOTIFY`), and once after each reconnection, when notifications may have
   * been missed. The store exposes it as `Store.watch`.
   * @param onChange Called with no arguments; must not throw.
   * @returns A function that stops listening.
   */
  listen?(onChange: () => void): () => void;
}
