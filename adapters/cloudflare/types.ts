/**
 * The few Cloudflare Workers runtime types the adapter uses, declared structurally (srvx style)
 * so published sources never import `@cloudflare/workers-types` or `cloudflare:workers`, and the
 * real objects still fit them.
 * @module
 */

/** A value bound to, or read from, Durable Object SQL. */
export type DurableSqlValue = string | number | null | ArrayBuffer;

/** What `ctx.storage.sql.exec()` returns (the part the driver uses). */
export interface DurableSqlCursor {
  /** Every remaining row, as objects keyed by column name. */
  toArray(): Record<string, DurableSqlValue>[];
  /** Rows written so far by the statement (billed as rows written). */
  readonly rowsWritten: number;
  /** Rows read so far by the statement (billed as rows read). */
  readonly rowsRead: number;
}

/** `ctx.storage.sql`: the object's SQLite database. */
export interface DurableSqlStorage {
  /** Runs one statement with `?` placeholders. */
  exec(query: string, ...bindings: unknown[]): DurableSqlCursor;
}

/** `ctx.storage` of a SQLite-backed Durable Object (the part the adapter uses). */
export interface DurableObjectStorageLike {
  /** The object's SQLite database. */
  readonly sql: DurableSqlStorage;
  /** Runs `fn` in a transaction that rolls back when it rejects (alarm changes included). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** The armed alarm (epoch ms), or `null`. */
  getAlarm(): Promise<number | null>;
  /** Arms the object's one alarm. */
  setAlarm(scheduledTime: number | Date): Promise<void> | void;
  /** Deletes the alarm. */
  deleteAlarm(): Promise<void> | void;
}

/** `ctx`, the `DurableObjectState` passed to a Durable Object's constructor. */
export interface DurableObjectStateLike {
  /** The object's storage. */
  readonly storage: DurableObjectStorageLike;
  /** Runs `fn` before any event is delivered to the object. */
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
  /** The object's id. */
  readonly id: { toString(): string; readonly name?: string | undefined };
  /** Keeps the object's current invocation alive until `promise` settles. */
  waitUntil?(promise: Promise<unknown>): void;
}

/** What the platform passes to `alarm()`. */
export interface AlarmInvocationInfo {
  /** How many times this alarm was retried after failing. */
  readonly retryCount: number;
  /** Whether this is a retry. */
  readonly isRetry: boolean;
}

/** The `DurableObject` base class from `cloudflare:workers`, as a constructor. */
export type DurableObjectBase<Env, Instance extends object = object> = abstract new (
  ctx: never,
  env: Env,
) => Instance;

/** A stub for one Durable Object (`namespace.get(id)`), as the client uses it. */
export interface DurableObjectStubLike {
  /** The scheduler object's one RPC entry point. */
  everywhen(request: unknown): Promise<unknown>;
}

/** A Durable Object namespace binding (`env.MY_OBJECT`), as the client uses it. */
export interface DurableObjectNamespaceLike {
  /** The id of the object with this name (the same name always gives the same object). */
  idFromName(name: string): unknown;
  /** A stub for the object. */
  get(id: never): unknown;
}

/** The `controller` a Worker's `scheduled()` handler receives for a Cron Trigger. */
export interface ScheduledControllerLike {
  /** The cron expression that fired, exactly as written in the Wrangler configuration. */
  readonly cron: string;
  /** The fire instant in epoch milliseconds. */
  readonly scheduledTime: number;
  /** Stops the platform from retrying this invocation. */
  noRetry?(): void;
}

/** The `ctx` a Worker's handlers receive. */
export interface ExecutionContextLike {
  /** Keeps the invocation alive until `promise` settles. */
  waitUntil(promise: Promise<unknown>): void;
}
