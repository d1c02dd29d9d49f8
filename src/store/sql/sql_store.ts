/**
 * `SqlStore`: the Store port over any {@linkcode SqlDriver}. Its semantics match
 * `MemoryStore`'s exactly; claims run in write transactions, so processes sharing one database
 * never claim the same schedule or job twice.
 *
 * Every table has a computed "next attention" column (`due_at` for schedules, `ready_at` for
 * jobs) with a partial index, so claims and the wake-up query read only the rows that are due.
 * @module
 */

import type {
  ClaimedSchedule,
  ClaimJobsOptions,
  FiredSchedule,
  JobError,
  JobFilter,
  JobIfExists,
  JobOutcome,
  JobRecord,
  JobStatus,
  LeaseRenewal,
  PlannedFire,
  PurgeFilter,
  ScheduleFilter,
  ScheduleRecord,
  ScheduleRelease,
  Store,
} from "../store.ts";
import { type Dialect, dialectFor } from "./dialect.ts";
import type { SqlDriver, SqlValue } from "./driver.ts";
import {
  JOB_COLUMNS,
  JOB_SELECT,
  jobParams,
  type Row,
  SCHEDULE_COLUMNS,
  SCHEDULE_SELECT,
  scheduleParams,
  toJob,
  toSchedule,
} from "./_rows.ts";
import { assertKnownVersion, migrate, SCHEMA_VERSION, schemaVersion } from "./schema.ts";
import { checkKeys } from "../../_keys.ts";
import {
  canRerun,
  droppedOnArrival,
  FINAL_STATUSES,
  MAX_INSERT_JOBS,
  replacedJob,
  rerunRecord,
  scheduleExists,
} from "../semantics.ts";
import { claimIn } from "./_claim.ts";
import { countMoved, countsQuery, FINAL_SQL } from "./_job_counts.ts";
import {
  insertMany,
  insertOne,
  insertRows,
  pipelinesInserts,
  releaseDependants,
  rowsPerInsert,
} from "./_inserts.ts";
import { InsertGroup, type InsertOutcome, WriteGroup } from "../_write_group.ts";
import { type ReleaseCall, releaseIn } from "./_release.ts";

const S = "everywhen_schedules";
const J = "everywhen_jobs";
const placeholders = (n: number): string => Array.from({ length: n }, () => "?").join(", ");
const UPSERT_SCHEDULE = `INSERT INTO ${S} (${SCHEDULE_COLUMNS.join(", ")}, lease_owner, lease_until)
  VALUES (${placeholders(SCHEDULE_COLUMNS.length)}, NULL, NULL)
  ON CONFLICT (id) DO UPDATE SET ${
  SCHEDULE_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(", ")
}, lease_owner = NULL, lease_until = NULL`;
const UPDATE_SCHEDULE = `UPDATE ${S} SET ${
  SCHEDULE_COLUMNS.slice(1).map((c) => `${c} = ?`).join(", ")
}, lease_owner = NULL, lease_until = NULL WHERE id = ?`;
const HELD = "id = ? AND status = 'running' AND lease_owner = ?";
/**
 * The fields `insertJob(job, "replace")` overwrites on a pending or waiting job, as `replacedJob`
 * does (identity, status and dependencies stay).
 */
const REPLACED = [
  "scheduled_at",
  "run_at",
  "payload",
  "max_attempts",
  "timeout",
  "result_ttl",
  "concurrency_key",
  "concurrency_limit",
  "priority",
  "rate_key",
  "rate_limit",
  "rate_period",
] as const;

/** Options for {@linkcode SqlStore.open}. */
export interface SqlStoreOptions {
  /**
   * Whether other processes may write to the same database (schedulers then poll it).
   * @default true
   */
  shared?: boolean;
  /**
   * Name reported as `store.name`.
   * @default the driver's dialect, e.g. "sqlite"
   */
  name?: string;
  /**
   * Open the database for reading only (e.g. the CLI's read commands): nothing is migrated, and
   * the schema must already be at the version this code knows. Without it, a database that
   * cannot be written is refused at open.
   * @default false
   */
  readOnly?: boolean;
  /**
   * This process's scheduler is the database's only writer while it is open (a Durable Object):
   * see `Store.soleWriter`. Opening then makes the jobs left running without a lease due again.
   * Needs `shared: false`.
   * @default false
   */
  soleWriter?: boolean;
}

const SQL_STORE_OPTIONS: readonly (keyof SqlStoreOptions)[] = [
  "shared",
  "name",
  "readOnly",
  "soleWriter",
];

/**
 * Jobs a previous run of a sole writer left running without a lease (fires it started at once),
 * made due again: their runner is gone, since no other process writes the store. Such jobs
 * belong to a schedule, so the terms of the active-jobs index let the statement walk it rather
 * than the whole table.
 */
const RECOVER_LEASELESS_SQL = `UPDATE ${J} SET lease_until = 0 WHERE schedule_id IS NOT NULL
  AND status IN ('pending', 'running') AND status = 'running' AND lease_until IS NULL`;

/**
 * The earliest instants anything needs attention, as columns `s` (schedules' `due_at`: next run,
 * or lease expiry while firing) and `j` (jobs' `ready_at`: run time, or lease expiry while
 * running). Each walks a partial index and reads one row. Exported for drivers that must ask
 * synchronously (the Durable Object alarm).
 */
export const NEXT_WAKEUP_SQL: string = `SELECT
  (SELECT due_at FROM ${S} WHERE due_at IS NOT NULL ORDER BY due_at LIMIT 1) AS s,
  (SELECT ready_at FROM ${J} WHERE ready_at IS NOT NULL ORDER BY ready_at LIMIT 1) AS j`;

/** Most expired jobs one clean-up statement deletes. */
export const CLEANUP_CHUNK = 500;

/** Free pages below which clean-up leaves them in the file (reused by the next inserts). */
const RECLAIM_MIN_PAGES = 64;

/** Expired jobs the first clean-up statement deletes, before its pace is known. */
const CLEANUP_FIRST_CHUNK = 50;

/**
 * How long one clean-up statement should hold the event loop (and the write lock) where
 * statements block it (SQLite), in ms. A chunk of 500 took up to ~150 ms at 1,000,000 jobs
 * (each index row of a deleted job is on a random page, and a WAL checkpoint may follow a
 * commit), so the chunk size follows the measured pace; BENCHMARKS.md has the figures.
 */
const CLEANUP_SLICE_MS = 8;

/**
 * The columns admin filters compare, written as the expressions the admin-query indexes hold
 * (schema version 2), so those filters use them and nothing else does.
 */
const ADMIN = {
  status: "(status || '')",
  task: "(task || '')",
  scheduleId: "(schedule_id || '')",
} as const;

/** Deletes up to `?` expired jobs, walking the expiry index from the oldest. */
const CLEANUP_CHUNK_SQL = `DELETE FROM ${J} WHERE id IN (SELECT id FROM ${J}
  WHERE expires_at <= ? AND status IN (${FINAL_SQL}) ORDER BY expires_at LIMIT ?)`;

/** Deletes up to `?` rate-limit starts past their window, walking their expiry index. */
const CLEANUP_STARTS_SQL = `DELETE FROM everywhen_rate_starts WHERE expires_at IN (SELECT
  expires_at FROM everywhen_rate_starts WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`;

/** Position of each column in `jobParams`. */
const JOB_COLUMN_INDEX: Record<string, number> = Object.fromEntries(
  JOB_COLUMNS.map((c, i) => [c, i]),
);

/**
 * A Store kept in an SQL database reached through a {@linkcode SqlDriver}. Create it with
 * {@linkcode SqlStore.open}, which checks and migrates the schema; `close()` closes the driver.
 *
 * @example
 * ```ts
 * import { openStore } from "@everywhen/everywhen/sqlite";
 * const store = await openStore("./everywhen.db");
 * ```
 */
export class SqlStore implements Store {
  /** The store's name for diagnostics, e.g. `"sqlite"`. */
  readonly name: string;
  /** True when other processes may write to the same database. */
  readonly shared: boolean;
  /** How many transactions the driver runs at once (see `Store.parallel`). */
  readonly parallel: number;
  /** Whether this process is the database's only writer (see `Store.soleWriter`). */
  readonly soleWriter: boolean;
  /** The driver, for callers who need the database itself. */
  readonly driver: SqlDriver;
  /**
   * Present when the driver can listen for changes (PostgreSQL): calls `onChange` soon after any
   * process adds or changes work. See `Store.watch`.
   */
  declare readonly watch?: (onChange: () => void) => () => void;
  #d: Dialect;
  #inserts: InsertGroup;
  /** Releases of fires arriving together (a batch of due schedules) share one transaction. */
  #releases: WriteGroup<ReleaseCall, string[] | null>;

  private constructor(driver: SqlDriver, dialect: Dialect, options: SqlStoreOptions) {
    this.driver = driver;
    this.#d = dialect;
    // A single row takes its sequence number inside its own INSERT; several need a transaction
    // where the store numbers them itself (SQLite), one statement where a sequence does.
    // A group wider than one statement is several statements: one transaction keeps it whole.
    this.#inserts = new InsertGroup((jobs) =>
      jobs.length === 1 ||
        (dialect.nextSeq !== null &&
          jobs.length <= rowsPerInsert(dialect, pipelinesInserts(driver, dialect)))
        ? insertRows(driver, dialect, jobs)
        : driver.transaction((tx) => insertRows(tx, dialect, jobs))
    );
    this.#releases = new WriteGroup(
      (call) => call.id,
      (calls) => driver.transaction((tx) => releaseIn(tx, dialect, calls)),
    );
    this.name = options.name ?? driver.dialect;
    this.shared = options.shared ?? true;
    this.soleWriter = options.soleWriter ?? false;
    this.parallel = driver.parallel ?? 1;
    const listen = driver.listen?.bind(driver);
    if (listen) this.watch = (onChange) => listen(onChange);
  }

  /**
   * Opens a store over `driver`: refuses a database whose schema is newer than this code knows
   * (writing nothing), applies the dialect's connection setup, then migrates an older schema.
   * @param driver The database connection.
   * @param options Store options.
   * @returns The ready store.
   */
  static async open(driver: SqlDriver, options?: SqlStoreOptions): Promise<SqlStore> {
    const opts = checkKeys(options, SQL_STORE_OPTIONS, "SQL store options");
    if (opts.soleWriter !== undefined && typeof opts.soleWriter !== "boolean") {
      throw new TypeError(`Invalid soleWriter: ${String(opts.soleWriter)} (expected a boolean)`);
    }
    if (opts.soleWriter === true && (opts.shared ?? true)) {
      throw new RangeError("Invalid SQL store options: soleWriter: true needs shared: false");
    }
    const d = dialectFor(driver.dialect);
    const version = await schemaVersion(driver, d);
    assertKnownVersion(version, SCHEMA_VERSION);
    if (opts.readOnly === true) {
      if (version !== SCHEMA_VERSION) {
        throw new Error(
          `Cannot open store read-only: its schema is at version ${version}, this everywhen needs ${SCHEMA_VERSION}; open it once without readOnly to migrate it`,
        );
      }
      return new SqlStore(driver, d, opts);
    }
    try {
      for (const sql of d.setup) await driver.query(sql);
      await migrate(driver, d);
      if (d.writeProbe !== null) await probeWrite(driver, d.writeProbe);
      if (opts.soleWriter === true) await driver.exec(RECOVER_LEASELESS_SQL);
    } catch (error) {
      throw readOnlyError(error) ?? error;
    }
    return new SqlStore(driver, d, opts);
  }

  async putSchedule(
    record: ScheduleRecord,
    ifExists: "replace" | "keep" | "error",
  ): Promise<"inserted" | "replaced" | "kept"> {
    return await this.driver.transaction(async (tx) => {
      // Where writers run side by side (PostgreSQL), the existence check and the write must not
      // interleave with another putSchedule of the same id.
      if (this.#d.lock !== null) await tx.query(this.#d.lock, [`schedule:${record.id}`]);
      const existing = (await tx.query(`SELECT 1 AS found FROM ${S} WHERE id = ?`, [record.id]))
        .length > 0;
      if (existing && ifExists === "error") {
        throw scheduleExists(record.id);
      }
      if (existing && ifExists === "keep") return "kept";
      await tx.exec(UPSERT_SCHEDULE, scheduleParams(record));
      return existing ? "replaced" : "inserted";
    });
  }

  async getSchedule(id: string): Promise<ScheduleRecord | null> {
    const [row] = await this.driver.query<Row>(`SELECT ${SCHEDULE_SELECT} FROM ${S} WHERE id = ?`, [
      id,
    ]);
    return row ? toSchedule(row) : null;
  }

  async listSchedules(filter: ScheduleFilter = {}): Promise<ScheduleRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.task !== undefined) {
      where.push("task = ?");
      params.push(filter.task);
    }
    if (filter.paused !== undefined) {
      where.push("paused = ?");
      params.push(filter.paused ? 1 : 0);
    }
    const rows = await this.driver.query<Row>(
      `SELECT ${SCHEDULE_SELECT} FROM ${S}${clause(where)} ORDER BY id${
        this.#page(filter, params)
      }`,
      params,
    );
    return rows.map(toSchedule);
  }

  async updateSchedule(record: ScheduleRecord): Promise<ScheduleRecord | null> {
    const params = scheduleParams(record);
    params.push(params.shift()!);
    const { changes } = await this.driver.exec(UPDATE_SCHEDULE, params);
    return changes > 0 ? { ...record } : null;
  }

  async removeSchedule(id: string): Promise<boolean> {
    return (await this.driver.exec(`DELETE FROM ${S} WHERE id = ?`, [id])).changes > 0;
  }

  async claimDueSchedules(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<ClaimedSchedule[]> {
    if (!(limit > 0)) return [];
    return await this.driver.transaction(async (tx) => {
      const claimed = await this.#takeDue(tx, now, limit);
      await this.#lease(tx, claimed, owner, now + leaseMs);
      return claimed;
    });
  }

  async fireDueSchedules<P extends PlannedFire>(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    plan: (claimed: ClaimedSchedule) => P,
  ): Promise<FiredSchedule<P>[]> {
    if (!(limit > 0)) return [];
    return await this.driver.transaction(async (tx) => {
      // The transaction holds the rows until it commits (SQLite's write lock, PostgreSQL's row
      // locks), so no lease is written: one UPDATE per batch instead of two, and one commit.
      const taken: FiredSchedule<P>[] = (await this.#takeDue(tx, now, limit)).map((claimed) => {
        try {
          return { claimed, planned: plan(claimed), inserted: [] };
        } catch (error) {
          return { claimed, error };
        }
      });
      const failed = taken.filter((t) => "error" in t).map((t) => t.claimed);
      await this.#lease(tx, failed, owner, now + leaseMs);
      const fired = taken.filter((t) => "planned" in t);
      if (fired.length === 0) return taken;
      const inserted = await releaseIn(
        tx,
        this.#d,
        fired.map((f) => ({ id: f.claimed.record.id, owner: null, release: f.planned.release })),
      );
      let k = 0;
      return taken.map((t) => "planned" in t ? { ...t, inserted: inserted[k++] ?? [] } : t);
    });
  }

  /**
   * Reads up to `limit` due schedules that no live lease holds, earliest first, with their
   * active-job counts: one statement for the rows and one for all counts, whatever the batch
   * (per-schedule statements made each fire on PostgreSQL two round trips here alone).
   */
  async #takeDue(tx: SqlDriver, now: number, limit: number): Promise<ClaimedSchedule[]> {
    const d = this.#d;
    const rows = await tx.query<Row>(
      `SELECT ${SCHEDULE_SELECT} FROM ${S} WHERE due_at <= ? ORDER BY due_at, id LIMIT ?${d.skipLocked}`,
      [now, limit],
    );
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id as string);
    const counts = await tx.query<{ id: string; n: number }>(
      `SELECT schedule_id AS id, count(*) AS n FROM ${J} WHERE ${
        ids.length === 1 ? "schedule_id = ?" : d.inListIndexed("schedule_id")
      } AND status IN ('pending', 'running') GROUP BY schedule_id`,
      [ids.length === 1 ? ids[0]! : d.list(ids)],
    );
    const active = new Map(counts.map((c) => [c.id, Number(c.n)]));
    return rows.map((row) => ({
      record: toSchedule(row),
      activeJobs: active.get(row.id as string) ?? 0,
    }));
  }

  /** Leases `claimed` to `owner` until `until`, in one statement. */
  async #lease(
    tx: SqlDriver,
    claimed: readonly ClaimedSchedule[],
    owner: string,
    until: number,
  ): Promise<void> {
    if (claimed.length === 0) return;
    const ids = claimed.map((c) => c.record.id);
    const one = ids.length === 1;
    await tx.exec(
      `UPDATE ${S} SET lease_owner = ?, lease_until = ? WHERE ${
        one ? "id = ?" : this.#d.inListIndexed("id")
      }`,
      [owner, until, one ? ids[0]! : this.#d.list(ids)],
    );
  }

  releaseSchedule(
    id: string,
    owner: string,
    release: ScheduleRelease,
  ): Promise<string[] | null> {
    return this.#releases.add({ id, owner, release });
  }

  async insertJob(job: JobRecord, ifExists: JobIfExists = "keep"): Promise<InsertOutcome> {
    // One statement, grouped with other inserts arriving meanwhile: no dependency to read,
    // nothing to replace or drop.
    if (ifExists === "keep" && job.after.length === 0 && !droppedOnArrival(job)) {
      return await this.#inserts.add(job);
    }
    return await this.#inserts.add(job, () => this.#insertAlone(job, ifExists));
  }

  async #insertAlone(job: JobRecord, ifExists: JobIfExists): Promise<InsertOutcome> {
    const d = this.#d;
    return await this.driver.transaction(async (tx) => {
      if (ifExists === "keep") return (await insertOne(tx, d, job)) ? "inserted" : "kept";
      // Where writers run side by side (PostgreSQL), replaces of one id take turns; a plain
      // insert of the id committed meanwhile makes the insert below conflict, and the second
      // round (a new snapshot) finds and replaces it.
      if (d.lock !== null) await tx.query(d.lock, [`job:${job.id}`]);
      for (let round = 0; round < 2; round++) {
        const [row] = await tx.query<Row>(
          `SELECT ${JOB_SELECT} FROM ${J} WHERE id = ?${d.forUpdate}`,
          [job.id],
        );
        if (row) {
          const stored = toJob(row);
          if (stored.status !== "pending" && stored.status !== "waiting") return "kept";
          const values = jobParams(replacedJob(stored, job));
          await tx.exec(
            `UPDATE ${J} SET ${REPLACED.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`,
            [...REPLACED.map((c) => values[JOB_COLUMN_INDEX[c]!]!), job.id],
          );
          return "replaced";
        }
        if (await insertOne(tx, d, job)) return "inserted";
      }
      return "kept";
    });
  }

  async insertJobs(jobs: readonly JobRecord[]): Promise<string[]> {
    if (jobs.length > MAX_INSERT_JOBS) {
      throw new RangeError(
        `Cannot insert ${jobs.length} jobs in one call: at most ${MAX_INSERT_JOBS}; split the batch`,
      );
    }
    if (jobs.length === 0) return [];
    return await this.driver.transaction((tx) => insertMany(tx, this.#d, jobs));
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const [row] = await this.driver.query<Row>(`SELECT ${JOB_SELECT} FROM ${J} WHERE id = ?`, [id]);
    return row ? toJob(row) : null;
  }

  async listJobs(filter: JobFilter = {}): Promise<JobRecord[]> {
    const params: SqlValue[] = [];
    const where = this.#jobWhere(filter, params);
    const rows = await this.driver.query<Row>(
      `SELECT ${JOB_SELECT} FROM ${J}${where} ORDER BY created_at DESC, id DESC${
        this.#page(filter, params)
      }`,
      params,
    );
    return rows.map(toJob);
  }

  async countJobs(filter: JobFilter = {}): Promise<number> {
    const params: SqlValue[] = [];
    const sql = countsQuery(this.#d, filter, params, (f, p) => this.#jobWhere(f, p)) ??
      `SELECT count(*) AS n FROM ${J}${this.#jobWhere(filter, params)}`;
    const [row] = await this.driver.query<{ n: number }>(sql, params);
    return Number(row?.n ?? 0);
  }

  async claimJobs(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    options: ClaimJobsOptions,
  ): Promise<JobRecord[]> {
    if (!(limit > 0) || options.tasks.length === 0) return [];
    return await this.driver.transaction((tx) =>
      claimIn(tx, this.#d, now, owner, leaseMs, limit, options)
    );
  }

  async renewJobs(
    ids: readonly string[],
    owner: string,
    leaseUntil: number,
  ): Promise<LeaseRenewal> {
    if (ids.length === 0) return { lost: [], cancelRequested: [] };
    return await this.driver.transaction(async (tx) => {
      // Inside: a driver may run the body again after a lost connection.
      const renewal: LeaseRenewal = { lost: [], cancelRequested: [] };
      for (const id of ids) {
        const [row] = await tx.query<{ c: number }>(
          `UPDATE ${J} SET lease_until = ? WHERE ${HELD} RETURNING cancel_requested AS c`,
          [leaseUntil, id, owner],
        );
        if (!row) renewal.lost.push(id);
        else if (row.c !== 0) renewal.cancelRequested.push(id);
      }
      return renewal;
    });
  }

  async finishJob(id: string, owner: string, outcome: JobOutcome): Promise<boolean> {
    return await this.driver.transaction(async (tx) => {
      if (droppedOnArrival(outcome)) {
        const { changes } = await tx.exec(`DELETE FROM ${J} WHERE ${HELD}`, [id, owner]);
        if (changes === 0) return false;
      } else {
        const finished = await tx.query<{ status: string; task: string }>(
          `UPDATE ${J} SET status = ?, result = ?, error_json = ?, finished_at = ?, expires_at = ?,
            lease_owner = NULL, lease_until = NULL WHERE ${HELD} RETURNING status, task`,
          [
            outcome.status,
            outcome.result,
            outcome.error === null ? null : JSON.stringify(outcome.error),
            outcome.finishedAt,
            outcome.expiresAt,
            id,
            owner,
          ],
        );
        if (finished.length === 0) return false;
        await countMoved(tx, this.#d, finished);
      }
      await releaseDependants(tx, this.#d, [[id, outcome.status]], outcome.finishedAt);
      return true;
    });
  }

  async finishJobs(
    owner: string,
    items: ReadonlyArray<{ id: string; outcome: JobOutcome }>,
  ): Promise<string[]> {
    if (items.length === 0) return [];
    if (items.length === 1) {
      // Alone, the plain statement is cheaper: fewer rows read (which Durable Objects bill).
      const [{ id, outcome }] = items as [{ id: string; outcome: JobOutcome }];
      return (await this.finishJob(id, owner, outcome)) ? [id] : [];
    }
    const gone = items.filter((i) => droppedOnArrival(i.outcome)).map((i) => i.id);
    const kept = items.filter((i) => !droppedOnArrival(i.outcome)).map(({ id, outcome }) => ({
      id,
      status: outcome.status,
      result: outcome.result,
      error: outcome.error === null ? null : JSON.stringify(outcome.error),
      finished: outcome.finishedAt,
      expires: outcome.expiresAt,
    }));
    const d = this.#d;
    return await this.driver.transaction(async (tx) => {
      const done: string[] = [];
      if (gone.length > 0) {
        const rows = await tx.query<{ id: string }>(
          `DELETE FROM ${J} WHERE ${d.inList("id")} AND status = 'running' AND lease_owner = ?
            RETURNING id`,
          [d.list(gone), owner],
        );
        for (const r of rows) done.push(r.id);
      }
      if (kept.length > 0) {
        const v = d.records([
          ["id", "text"],
          ["status", "text"],
          ["result", "text"],
          ["error", "text"],
          ["finished", "int"],
          ["expires", "int"],
        ]);
        const rows = await tx.query<{ id: string; status: string; task: string }>(
          `WITH v AS (${v})
            UPDATE ${J} SET status = v.status, result = v.result, error_json = v.error,
              finished_at = v.finished, expires_at = v.expires, lease_owner = NULL,
              lease_until = NULL
            FROM v
            WHERE ${J}.id = v.id AND ${d.inRecords(`${J}.id`, "v")}
              AND ${J}.status = 'running' AND ${J}.lease_owner = ?
            RETURNING ${J}.id AS id, ${J}.status AS status, ${J}.task AS task`,
          [JSON.stringify(kept), owner],
        );
        for (const r of rows) done.push(r.id);
        await countMoved(tx, d, rows);
      }
      const byId = new Map(items.map((i) => [i.id, i.outcome]));
      const now = Math.max(...items.map((i) => i.outcome.finishedAt));
      await releaseDependants(
        tx,
        d,
        done.map((id): [string, JobStatus] => [id, byId.get(id)!.status]),
        now,
      );
      return done;
    });
  }

  async retryJob(id: string, owner: string, runAt: number, error: JobError): Promise<boolean> {
    const { changes } = await this.driver.exec(
      `UPDATE ${J} SET status = 'pending', run_at = ?, error_json = ?, lease_owner = NULL,
        lease_until = NULL WHERE ${HELD}`,
      [runAt, JSON.stringify(error), id, owner],
    );
    return changes > 0;
  }

  async setProgress(id: string, owner: string, progress: string): Promise<boolean> {
    const { changes } = await this.driver.exec(`UPDATE ${J} SET progress = ? WHERE ${HELD}`, [
      progress,
      id,
      owner,
    ]);
    return changes > 0;
  }

  async cancelJob(id: string, now: number, expiresAt: number | null): Promise<JobRecord | null> {
    return await this.driver.transaction(async (tx) => {
      const [row] = await tx.query<Row>(
        `SELECT ${JOB_SELECT} FROM ${J} WHERE id = ?${this.#d.forUpdate}`,
        [id],
      );
      if (!row) return null;
      const job = toJob(row);
      if (job.status === "pending" || job.status === "waiting") {
        Object.assign(job, { status: "cancelled", finishedAt: now, expiresAt });
        if (droppedOnArrival(job)) {
          await tx.exec(`DELETE FROM ${J} WHERE id = ?`, [id]);
        } else {
          await tx.exec(
            `UPDATE ${J} SET status = 'cancelled', finished_at = ?, expires_at = ? WHERE id = ?`,
            [now, expiresAt, id],
          );
          await countMoved(tx, this.#d, [job]);
        }
        await releaseDependants(tx, this.#d, [[id, "cancelled"]], now);
      } else if (job.status === "running" && !job.cancelRequested) {
        job.cancelRequested = true;
        await tx.exec(`UPDATE ${J} SET cancel_requested = 1 WHERE id = ?`, [id]);
      }
      return job;
    });
  }

  async rerunJob(id: string, now: number): Promise<JobRecord | null> {
    return await this.driver.transaction(async (tx) => {
      const [row] = await tx.query<Row>(
        `SELECT ${JOB_SELECT} FROM ${J} WHERE id = ?${this.#d.forUpdate}`,
        [id],
      );
      if (!row) return null;
      const job = toJob(row);
      if (!canRerun(job.status)) return job;
      const next = rerunRecord(job, now);
      await tx.exec(
        `UPDATE ${J} SET status = 'pending', run_at = ?, attempts = 0, history_json = ?,
          result = NULL, error_json = NULL, finished_at = NULL, expires_at = NULL,
          lease_owner = NULL, lease_until = NULL, cancel_requested = 0 WHERE id = ?`,
        [next.runAt, JSON.stringify(next.history), id],
      );
      await countMoved(tx, this.#d, [job], -1);
      return next;
    });
  }

  async purgeJobs(filter: PurgeFilter, limit: number): Promise<number> {
    const wanted = filter.status === undefined
      ? FINAL_STATUSES
      : (Array.isArray(filter.status) ? filter.status : [filter.status]);
    const statuses = wanted.filter((s) => FINAL_STATUSES.includes(s));
    if (statuses.length === 0 || !(limit > 0)) return 0;
    const where = [this.#d.inList(ADMIN.status)];
    const params: SqlValue[] = [this.#d.list(statuses)];
    if (filter.task !== undefined) {
      where.push(`${ADMIN.task} = ?`);
      params.push(filter.task);
    }
    if (filter.finishedBefore !== undefined) {
      where.push("finished_at < ?");
      params.push(filter.finishedBefore);
    }
    const { changes } = await this.driver.exec(
      `DELETE FROM ${J} WHERE id IN (SELECT id FROM ${J}${clause(where)} LIMIT ?)`,
      [...params, Math.floor(limit)],
    );
    return changes;
  }

  async nextWakeup(): Promise<number | null> {
    const [row] = await this.driver.query<{ s: number | null; j: number | null }>(
      NEXT_WAKEUP_SQL,
    );
    const s = row?.s ?? null;
    const j = row?.j ?? null;
    return s === null ? j : j === null ? s : Math.min(s, j);
  }

  /**
   * Removes expired jobs (and rate-limit starts) in chunks of at most {@linkcode CLEANUP_CHUNK},
   * each its own short statement, yielding to the event loop between chunks: a million expired
   * jobs never block other work (or, on SQLite, other processes' writes) for more than one
   * chunk. Where statements block the event loop, each chunk is sized from the time the previous
   * one took, aiming at {@linkcode CLEANUP_SLICE_MS}.
   */
  async cleanup(now: number): Promise<number> {
    let removed = 0;
    const paced = this.#d.blocking;
    let chunk = paced ? CLEANUP_FIRST_CHUNK : CLEANUP_CHUNK;
    for (;;) {
      const started = performance.now();
      const jobs = (await this.driver.exec(CLEANUP_CHUNK_SQL, [now, chunk])).changes;
      const starts = (await this.driver.exec(CLEANUP_STARTS_SQL, [now, chunk])).changes;
      const took = performance.now() - started;
      removed += jobs;
      if (jobs < chunk && starts < chunk) break;
      if (paced) {
        // Where the clock stands still while code runs (Workers), `took` is 0: chunks grow to
        // the cap, as before pacing.
        const next = Math.floor(chunk * CLEANUP_SLICE_MS / Math.max(took, 0.1));
        chunk = Math.max(1, Math.min(CLEANUP_CHUNK, next, chunk * 2));
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await this.#reclaim();
    return removed;
  }

  /**
   * Gives free pages back to the file system where the database keeps them otherwise (SQLite):
   * after clean-up or a purge, a file shrinks instead of staying at its largest size. Runs in
   * bounded steps with the event loop free between them. A file created before incremental
   * auto-vacuum (schema version 5) keeps its free pages for reuse: its first step frees nothing,
   * and that ends the loop.
   */
  async #reclaim(): Promise<void> {
    const reclaim = this.#d.reclaim;
    if (reclaim === null) return;
    for (let previous = Infinity;;) {
      const [row] = await this.driver.query<{ freelist_count: number }>(reclaim.free);
      const free = Number(row?.freelist_count ?? 0);
      if (free < RECLAIM_MIN_PAGES || free >= previous) return;
      previous = free;
      await this.driver.query(reclaim.step);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  async getMeta(key: string): Promise<string | null> {
    const [row] = await this.driver.query<{ value: string }>(
      "SELECT value FROM everywhen_meta WHERE key = ?",
      [key],
    );
    return row ? row.value : null;
  }

  async setMeta(key: string, value: string | null): Promise<void> {
    if (value === null) {
      await this.driver.exec("DELETE FROM everywhen_meta WHERE key = ?", [key]);
    } else {
      await this.driver.exec(
        `INSERT INTO everywhen_meta (key, value) VALUES (?, ?)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [key, value],
      );
    }
  }

  /** Closes the driver (and with it the database connection). */
  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Appends LIMIT/OFFSET for a filter's paging, with the same meaning as `pageOf`. */
  #page(filter: { limit?: number; offset?: number }, params: SqlValue[]): string {
    const { limit = Infinity, offset = 0 } = filter;
    if (limit === Infinity && offset <= 0) return "";
    params.push(Math.max(0, offset));
    if (limit === Infinity) return ` LIMIT ${this.#d.unlimited} OFFSET ?`;
    params.splice(params.length - 1, 0, Math.max(0, limit));
    return " LIMIT ? OFFSET ?";
  }

  #jobWhere(filter: JobFilter, params: SqlValue[]): string {
    const where: string[] = [];
    const { status } = filter;
    if (Array.isArray(status)) {
      where.push(this.#d.inList(ADMIN.status));
      params.push(this.#d.list(status));
    } else if (status !== undefined) {
      where.push(`${ADMIN.status} = ?`);
      params.push(status as string);
    }
    if (filter.task !== undefined) {
      where.push(`${ADMIN.task} = ?`);
      params.push(filter.task);
    }
    if (filter.scheduleId !== undefined) {
      // The index holds only jobs of a schedule: this term lets the planner use it.
      where.push(`schedule_id IS NOT NULL AND ${ADMIN.scheduleId} = ?`);
      params.push(filter.scheduleId);
    }
    return clause(where);
  }
}

/** Thrown inside the probe's transaction so that it rolls back. */
const ROLLBACK = Symbol("rollback");

/** Writes one row back unchanged and rolls back: fails at once on a read-only database. */
async function probeWrite(driver: SqlDriver, sql: string): Promise<void> {
  try {
    await driver.transaction(async (tx) => {
      await tx.exec(sql);
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
}

/** Says plainly that the database is read-only, when `error` is the database saying so. */
function readOnlyError(error: unknown): Error | null {
  const message = String((error as Error)?.message ?? error);
  if (!/read-?only/i.test(message)) return null;
  return new Error(
    `Cannot open store: the database is read-only (${message}); make the file and its directory writable, or pass readOnly: true to only read it`,
    { cause: error },
  );
}

function clause(where: string[]): string {
  return where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`;
}
