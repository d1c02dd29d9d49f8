/**
 * The PostgreSQL {@linkcode SqlDriver} over the `postgres` client (porsager/postgres): `?`
 * placeholders become `$n`, statements are prepared once per connection, transactions take a
 * pooled connection of their own, connection failures are retried with backoff, and change
 * notifications arrive on one dedicated `LISTEN` connection that reconnects by itself.
 * @module
 */

import type postgres from "postgres";
import type { SqlDriver, SqlValue } from "../../src/store/sql/driver.ts";

/** A `postgres` client (`postgres(url, options)`). */
export type Sql = postgres.Sql<Record<string, unknown>>;

/** What {@linkcode pgDriver} needs besides the pool. */
export interface PgDriverOptions {
  /** Milliseconds to keep retrying a statement or transaction while the server is unreachable. */
  retryFor: number;
  /** The notification channel of this store's schema. */
  channel: string;
  /** The pool's size: statements and transactions in flight at once. */
  connections: number;
  /** Opens the dedicated one-connection client for `LISTEN`; it reports via the callbacks. */
  listener(events: { onnotify(channel: string): void; onclose(): void }): Sql;
}

/** Error codes meaning "the server went away or is not ready; the same request may succeed". */
const TRANSIENT = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "57P01", // admin_shutdown: the server is stopping or restarting
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: still starting up
  "08000", // connection_exception
  "08001", // sqlclient_unable_to_establish_sqlconnection
  "08003", // connection_does_not_exist
  "08006", // connection_failure
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);

/**
 * @param error Anything thrown by the client.
 * @returns Whether retrying the whole request may succeed.
 */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && TRANSIENT.has(code);
}

/** Rewrites `?` placeholders as `$1, $2, …`, leaving quoted text and identifiers alone. */
function numbered(sql: string): string {
  let out = "";
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote !== null) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "?") {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * @param limit Most operations in flight at once.
 * @returns A runner that starts each operation once fewer than `limit` are in flight, in call
 * order.
 */
function gate(limit: number): <T>(op: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (op) => {
    if (running < limit) running++;
    else await new Promise<void>((r) => waiting.push(r));
    try {
      return await op();
    } finally {
      // The slot passes straight to the next in line, if any.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * @param sql The connection pool (its `bigint` columns must parse to numbers).
 * @param options Retry budget and listener.
 * @returns A driver for `SqlStore.open`; closing it ends the pool and the listener.
 */
export function pgDriver(sql: Sql, options: PgDriverOptions): SqlDriver {
  const texts = new Map<string, string>();
  const text = (s: string): string => {
    let t = texts.get(s);
    if (t === undefined) texts.set(s, t = numbered(s));
    return t;
  };
  let closed = false;
  const check = (): void => {
    if (closed) throw new Error("Cannot use the database: it is closed");
  };
  // No more statements in flight than the pool has connections, so every one, `BEGIN` included,
  // goes to an idle connection. Past that, postgres.js 3.4.9 pipelines statements onto busy
  // connections, and a `BEGIN` that fills a connection's pipeline leaves the connection
  // unreserved: its transaction fails with UNSAFE_TRANSACTION, or other statements run inside it
  // (porsager/postgres#823, #1189). `reserve()` is no way out: it never resolves when it has to
  // open a connection.
  const only = gate(options.connections);
  const run = async (
    conn: Sql | postgres.TransactionSql<Record<string, unknown>>,
    s: string,
    params: readonly SqlValue[] = [],
  ) => await conn.unsafe(text(s), params as SqlValue[], { prepare: true });

  /** Runs `op`, retrying transient failures with exponential backoff for `retryFor` ms. */
  const retrying = async <T>(op: () => Promise<T>): Promise<T> => {
    check();
    const deadline = Date.now() + options.retryFor;
    for (let delay = 25;; delay = Math.min(delay * 2, 1000)) {
      try {
        return await op();
      } catch (error) {
        if (closed || !isTransient(error)) throw error;
        if (Date.now() + delay > deadline) {
          throw new Error(
            `Cannot reach PostgreSQL: ${
              (error as Error).message
            } (retried for ${options.retryFor} ms)`,
            { cause: error },
          );
        }
        await sleep(delay);
      }
    }
  };

  const handle = (conn: postgres.TransactionSql<Record<string, unknown>>): SqlDriver => {
    const tx: SqlDriver = {
      dialect: "postgres",
      // postgres.js writes each statement of a transaction to its connection as it is issued.
      pipelines: true,
      query: async <T>(s: string, params?: readonly SqlValue[]) =>
        [...await run(conn, s, params)] as T[],
      exec: async (s, params) => ({ changes: (await run(conn, s, params)).count }),
      transaction: (inner) => inner(tx),
      close: () => Promise.reject(new Error("Cannot close the database inside a transaction")),
    };
    return tx;
  };

  // ---- change notifications: one LISTEN connection shared by every watcher ----
  const watchers = new Set<() => void>();
  let listener: Sql | null = null;
  let listening: Promise<void> | null = null;
  const tell = (): void => {
    for (const w of [...watchers]) w();
  };
  const subscribe = (): void => {
    if (listening || closed || watchers.size === 0) return;
    listening = (async () => {
      for (let delay = 100; !closed && watchers.size > 0; delay = Math.min(delay * 2, 2000)) {
        try {
          listener ??= options.listener({
            onnotify: (channel) => channel === options.channel && tell(),
            // The connection dropped: listen again once it is back.
            onclose: () => listening ? void listening.then(subscribe) : subscribe(),
          });
          await listener.unsafe(`LISTEN "${options.channel.replaceAll('"', '""')}"`);
          // Anything committed while we were not listening went unheard: look once.
          tell();
          return;
        } catch {
          await sleep(delay);
        }
      }
    })().finally(() => (listening = null));
  };

  return {
    dialect: "postgres",
    parallel: options.connections,
    // Inside a transaction (its `tx` handle says so too); outside one the gate above sends at
    // most one statement per connection.
    pipelines: true,
    query: <T>(s: string, params?: readonly SqlValue[]) =>
      retrying(() => only(async () => [...await run(sql, s, params)] as T[])),
    exec: (s, params) =>
      retrying(() => only(async () => ({ changes: (await run(sql, s, params)).count }))),
    // The body only awaits statements on its handle, so running it again after a lost
    // connection (the transaction rolled back) is safe.
    transaction: <T>(fn: (tx: SqlDriver) => Promise<T>) =>
      retrying(() => only(() => sql.begin((conn) => fn(handle(conn))) as Promise<T>)),
    listen(onChange: () => void): () => void {
      check();
      const w = (): void => onChange();
      watchers.add(w);
      subscribe();
      return () => {
        watchers.delete(w);
        if (watchers.size === 0 && listener) {
          const l = listener;
          listener = null;
          void l.end({ timeout: 1 }).catch(() => {});
        }
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      watchers.clear();
      const l = listener;
      listener = null;
      await Promise.all([sql.end({ timeout: 5 }), l?.end({ timeout: 1 })]);
    },
  };
}
