/**
 * The Store port: scheduling semantics, not a key-value shape. Every store (memory, SQLite,
 * Deno KV, Durable Objects, PostgreSQL) implements this interface and passes the same
 * conformance suite (`tests/store_conformance.ts`).
 *
 * Times are epoch milliseconds. Payloads, results and progress are opaque text produced by the
 * scheduler's codec. Leases are the store's business: callers pass an owner id and a lease
 * length and get back only what they now hold.
 * @module
 */

import type { TriggerJSON } from "./triggers/mod.ts";

/** Lifecycle of a job. */
export type JobStatus = "pending" | "running" | "succeeded" | "failed" | "cancelled";

/** Which of several fires that fell due together run (see the README's misfire section). */
export type Coalesce = "latest" | "earliest" | "all";

/** What happens to a fire while the schedule already has `maxInstances` jobs in flight. */
export type Overlap = "skip" | "queue";

/** A schedule as stored. */
export interface ScheduleRecord {
  id: string;
  task: string;
  trigger: TriggerJSON;
  /** Codec text of the payload. */
  payload: string;
  paused: boolean;
  coalesce: Coalesce;
  /** Milliseconds a fire may be late and still run; `null` means no limit. */
  misfireGraceTime: number | null;
  maxInstances: number;
  overlap: Overlap;
  /** Milliseconds of random delay added to each run. */
  jitter: number;
  /** Milliseconds to keep results of this schedule's jobs; `null` uses the task's setting. */
  resultTtl: number | null;
  /** The next fire instant; `null` once the trigger is exhausted. */
  nextRunAt: number | null;
  /** The fire instant of the latest job created by this schedule. */
  lastRunAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** An error as recorded on a failed attempt. */
export interface JobError {
  name: string;
  message: string;
  stack?: string;
}

/** A job as stored. */
export interface JobRecord {
  id: string;
  task: string;
  scheduleId: string | null;
  /** The fire instant (scheduled jobs) or the requested run time (enqueued jobs). */
  scheduledAt: number;
  /** Earliest start; moves forward on retries. */
  runAt: number;
  status: JobStatus;
  payload: string;
  result: string | null;
  /** The latest attempt's error. */
  error: JobError | null;
  /** Attempts started so far (a re-run after a lost lease counts). */
  attempts: number;
  /** Attempts allowed in all (retries + 1); `null` uses the task's setting. */
  maxAttempts: number | null;
  /** Milliseconds per attempt, `0` for none; `null` uses the task's setting. */
  timeout: number | null;
  /** Milliseconds to keep the finished job; `null` uses the task's setting. */
  resultTtl: number | null;
  /** Jobs sharing a key run at most `concurrencyLimit` at a time, across all processes. */
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
  /** Codec text of the latest `ctx.progress()` value. */
  progress: string | null;
  cancelRequested: boolean;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** When a finished job is removed by `cleanup`. */
  expiresAt: number | null;
}

/** A schedule claimed for firing, with the number of its jobs still pending or running. */
export interface ClaimedSchedule {
  record: ScheduleRecord;
  activeJobs: number;
}

/** What a fire writes back: new jobs and the next run, in one atomic step. */
export interface ScheduleRelease {
  nextRunAt: number | null;
  lastRunAt: number | null;
  jobs: JobRecord[];
}

/** Filter for `listJobs` / `countJobs`. */
export interface JobFilter {
  status?: JobStatus | JobStatus[];
  task?: string;
  scheduleId?: string;
  /** At most this many (newest first). */
  limit?: number;
  offset?: number;
}

/** Filter for `listSchedules`. */
export interface ScheduleFilter {
  task?: string;
  paused?: boolean;
  limit?: number;
  offset?: number;
}

/** How a claimed job ended. */
export interface JobOutcome {
  status: "succeeded" | "failed" | "cancelled";
  result: string | null;
  error: JobError | null;
  finishedAt: number;
  expiresAt: number | null;
}

/** Result of renewing job leases. */
export interface LeaseRenewal {
  /** Jobs this owner no longer holds (another process took them over, or they were removed). */
  lost: string[];
  /** Jobs still held whose cancellation was requested through the store. */
  cancelRequested: string[];
}

/** Options for `claimJobs`. */
export interface ClaimJobsOptions {
  /** Only jobs of these tasks (the ones this process can run). */
  tasks: readonly string[];
}

/** The Store port. */
export interface Store {
  /** A short name for diagnostics, e.g. `"memory"`, `"sqlite"`. */
  readonly name: string;
  /** True when other processes may write to the same data, so schedulers must poll it. */
  readonly shared: boolean;

  /** Adds a schedule; `"error"` throws `ConflictError` when the id exists and writes nothing. */
  putSchedule(
    record: ScheduleRecord,
    ifExists: "replace" | "keep" | "error",
  ): Promise<"inserted" | "replaced" | "kept">;
  getSchedule(id: string): Promise<ScheduleRecord | null>;
  listSchedules(filter?: ScheduleFilter): Promise<ScheduleRecord[]>;
  /** Overwrites a schedule and drops any lease on it; `null` when it does not exist. */
  updateSchedule(record: ScheduleRecord): Promise<ScheduleRecord | null>;
  removeSchedule(id: string): Promise<boolean>;
  /**
   * Leases up to `limit` unpaused schedules with `nextRunAt <= now` that no live lease holds,
   * earliest first.
   */
  claimDueSchedules(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<ClaimedSchedule[]>;
  /**
   * Atomically inserts the fire's jobs (each only if its id is absent), sets the next run and
   * drops the lease. Returns the ids actually inserted, or `null` (writing nothing) when
   * `owner` no longer holds the lease.
   */
  releaseSchedule(id: string, owner: string, release: ScheduleRelease): Promise<string[] | null>;

  /** Inserts a job unless its id exists; returns whether it was inserted. */
  insertJob(job: JobRecord): Promise<boolean>;
  getJob(id: string): Promise<JobRecord | null>;
  listJobs(filter?: JobFilter): Promise<JobRecord[]>;
  countJobs(filter?: JobFilter): Promise<number>;
  /**
   * Leases up to `limit` runnable jobs, earliest `runAt` first: pending ones with
   * `runAt <= now`, and running ones whose lease expired (a crashed runner). Respects
   * concurrency keys. Claimed jobs become `running` with `attempts + 1`.
   */
  claimJobs(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    options: ClaimJobsOptions,
  ): Promise<JobRecord[]>;
  renewJobs(ids: readonly string[], owner: string, leaseUntil: number): Promise<LeaseRenewal>;
  /** Records how a held job ended; `false` (writing nothing) if `owner` lost it. */
  finishJob(id: string, owner: string, outcome: JobOutcome): Promise<boolean>;
  /** Puts a held job back to `pending` at `runAt` with the attempt's error. */
  retryJob(id: string, owner: string, runAt: number, error: JobError): Promise<boolean>;
  setProgress(id: string, owner: string, progress: string): Promise<boolean>;
  /**
   * Cancels a pending job at once, or flags a running one (`cancelRequested`) for its runner.
   * Finished jobs are returned unchanged; unknown ids give `null`.
   */
  cancelJob(id: string, now: number, expiresAt: number | null): Promise<JobRecord | null>;

  /** The earliest instant at which anything becomes due: a fire, a job, or an expiring lease. */
  nextWakeup(): Promise<number | null>;
  /** Removes finished jobs whose `expiresAt <= now`; returns how many. */
  cleanup(now: number): Promise<number>;

  /** Store-wide settings such as the admin lock. */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string | null): Promise<void>;

  /**
   * Optional capability: calls `onChange` soon after any process adds or changes work (for
   * example through PostgreSQL `LISTEN/NOTIFY`), so schedulers start it without waiting for their
   * next poll. Polling stays as the fallback, so a missed notification only costs latency.
   * @returns A function that stops watching.
   */
  watch?(onChange: () => void): () => void;

  close(): Promise<void>;
}
