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

import type { TriggerJSON } from "../triggers/mod.ts";

/**
 * Lifecycle of a job. `"waiting"`: its dependencies (`after`) have not all succeeded yet; it is
 * not final and never claimed.
 */
export type JobStatus = "waiting" | "pending" | "running" | "succeeded" | "failed" | "cancelled";

/** What `insertJob` does when the id exists: keep the stored job, or replace a pending one. */
export type JobIfExists = "keep" | "replace";

/** Which of several fires that fell due together run (see the README's misfire section). */
export type Coalesce = "latest" | "earliest" | "all";

/** What happens to a fire while the schedule already has `maxInstances` jobs in flight. */
export type Overlap = "skip" | "queue";

/** A schedule as stored. */
export interface ScheduleRecord {
  /** Caller-chosen id, unique among the store's schedules. */
  id: string;
  /** Name of the task each fire's job runs. */
  task: string;
  /** The trigger as JSON (`Trigger.toJSON()`), bound to its time zone and start anchor. */
  trigger: TriggerJSON;
  /** Codec text of the payload. */
  payload: string;
  /** While `true` the schedule is never claimed for firing; it stays paused across restarts. */
  paused: boolean;
  /** Which of several fires that fell due together become jobs. */
  coalesce: Coalesce;
  /** Milliseconds a fire may be late and still run; `null` means no limit. */
  misfireGraceTime: number | null;
  /** Most jobs of this schedule pending or running at once, across all processes. */
  maxInstances: number;
  /** What a fire does while `maxInstances` jobs are already in flight. */
  overlap: Overlap;
  /** Milliseconds of random delay added to each run. */
  jitter: number;
  /** Milliseconds to keep results of this schedule's jobs; `null` uses the task's setting. */
  resultTtl: number | null;
  /** Priority of this schedule's jobs (-1000..1000, higher runs first; default 0). */
  priority: number;
  /**
   * The id its task's `concurrency` key function gave the payload when the schedule was last
   * written; `null` or absent: none. Its jobs take it (unless `overlap` is `"queue"`).
   */
  concurrencyKey?: string | null;
  /**
   * The rate-limit key its task's `rateLimit` gave the payload when the schedule was last
   * written (`task` or `task:id`); `null` or absent: none.
   */
  rateKey?: string | null;
  /** The next fire instant; `null` once the trigger is exhausted. */
  nextRunAt: number | null;
  /** The fire instant of the latest job created by this schedule. */
  lastRunAt: number | null;
  /** When the schedule was first stored (epoch ms); re-declaring it keeps this value. */
  createdAt: number;
  /** When the scheduler API last wrote the schedule (epoch ms); firing does not change it. */
  updatedAt: number;
}

/** An error as recorded on a failed attempt. */
export interface JobError {
  /** The thrown error's `name`, e.g. `"TypeError"`; `"Error"` when a non-error was thrown. */
  name: string;
  /** The thrown error's message, or the thrown value converted to a string. */
  message: string;
  /** The stack trace, when the thrown error had one. */
  stack?: string;
}

/** A job as stored. */
export interface JobRecord {
  /**
   * Unique id: caller-chosen or random for enqueued jobs, derived from schedule and fire instant
   * for fired ones.
   */
  id: string;
  /** Name of the task whose handler runs the job. */
  task: string;
  /** The schedule that created the job; `null` for an enqueued job. */
  scheduleId: string | null;
  /** The fire instant (scheduled jobs) or the requested run time (enqueued jobs). */
  scheduledAt: number;
  /** Earliest start; moves forward on retries. */
  runAt: number;
  /** Lifecycle state, changed only by the store's claim, retry, finish and cancel operations. */
  status: JobStatus;
  /** Codec text of the payload (for a fired job, its schedule's payload text as is). */
  payload: string;
  /** Codec text of the handler's return value; `null` unless the job succeeded. */
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
  /** How many jobs sharing `concurrencyKey` may run at once; `null` when there is no key. */
  concurrencyLimit: number | null;
  /** Codec text of the latest `ctx.progress()` value. */
  progress: string | null;
  /**
   * Set by `cancelJob` on a running job; its runner learns of it when renewing the lease and
   * aborts.
   */
  cancelRequested: boolean;
  /** Identity of the scheduler process holding the running job; `null` when nobody holds it. */
  leaseOwner: string | null;
  /**
   * When the lease expires (epoch ms), after which another process may claim the job; `null` when
   * not held.
   */
  leaseUntil: number | null;
  /** When the job was created (epoch ms). */
  createdAt: number;
  /** When the latest attempt was claimed (epoch ms); `null` before the first attempt. */
  startedAt: number | null;
  /** When the job reached a final status (epoch ms); `null` while pending or running. */
  finishedAt: number | null;
  /** When a finished job is removed by `cleanup`. */
  expiresAt: number | null;
  /**
   * Creation order, assigned by the store at insert (callers pass `0`): strictly increasing per
   * store, never reused. Jobs ready at the same time start in this order.
   */
  seq: number;
  /** Higher runs first among ready jobs (-1000..1000, default 0). */
  priority: number;
  /** Rate-limit key: jobs sharing it start at most `rateLimit` times per `ratePeriod`. */
  rateKey: string | null;
  /** Starts allowed per `ratePeriod` for `rateKey`; `null` when there is no key. */
  rateLimit: number | null;
  /** The rate-limit window (ms); `null` when there is no key. */
  ratePeriod: number | null;
  /**
   * Ids of jobs that must all succeed before this one becomes ready (at most 100). Read-only:
   * records share one frozen empty list.
   */
  after: readonly string[];
  /** Errors of earlier runs kept by `rerunJob`, oldest first (at most 20, oldest dropped). */
  history: readonly JobError[];
}

/** A schedule claimed for firing, with the number of its jobs still pending or running. */
export interface ClaimedSchedule {
  /** The schedule as it was when claimed. */
  record: ScheduleRecord;
  /** Jobs of this schedule pending or running right now, for the `maxInstances` check. */
  activeJobs: number;
}

/** A fire as the scheduler plans it for `fireDueSchedules`: at least the release to write. */
export interface PlannedFire {
  readonly release: ScheduleRelease;
}

/**
 * One schedule `fireDueSchedules` took: its plan and the ids of the jobs inserted, or the error
 * its plan threw (then it is leased instead).
 */
export type FiredSchedule<P extends PlannedFire> =
  | { readonly claimed: ClaimedSchedule; readonly planned: P; readonly inserted: string[] }
  | { readonly claimed: ClaimedSchedule; readonly error: unknown };

/** What a fire writes back: new jobs and the next run, in one atomic step. */
export interface ScheduleRelease {
  /** The next fire instant (epoch ms); `null` when the trigger is exhausted. */
  nextRunAt: number | null;
  /**
   * The fire instant of the latest job created (epoch ms); unchanged when this fire created none.
   */
  lastRunAt: number | null;
  /**
   * Jobs to insert for this fire; any whose id already exists is skipped. A job may come
   * `running`, held by the releasing owner under a lease (the scheduler starts it at once): it is
   * stored as a claimed job would be.
   */
  jobs: JobRecord[];
}

/** Filter for `listJobs` / `countJobs`. */
export interface JobFilter {
  /** Only jobs with this status (or any of these statuses). */
  status?: JobStatus | JobStatus[];
  /** Only jobs of this task. */
  task?: string;
  /** Only jobs created by this schedule. */
  scheduleId?: string;
  /** At most this many (newest first). @default Infinity */
  limit?: number;
  /** Matching jobs to skip before the page starts. @default 0 */
  offset?: number;
}

/** Filter for `listSchedules`. */
export interface ScheduleFilter {
  /** Only schedules of this task. */
  task?: string;
  /** Only paused (`true`) or only unpaused (`false`) schedules. */
  paused?: boolean;
  /** At most this many (ordered by id). @default Infinity */
  limit?: number;
  /** Matching schedules to skip before the page starts. @default 0 */
  offset?: number;
}

/** How a claimed job ended. */
export interface JobOutcome {
  /** The final status. */
  status: "succeeded" | "failed" | "cancelled";
  /** Codec text of the handler's return value when `succeeded`; otherwise `null`. */
  result: string | null;
  /** The error that ended the job (`failed`, `cancelled`); `null` when it succeeded. */
  error: JobError | null;
  /** When the attempt ended (epoch ms). */
  finishedAt: number;
  /** When `cleanup` may remove the job (epoch ms); `null` keeps it forever. */
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
  /**
   * A job ready for this long (ms) goes before every priority, oldest first, so a low-priority
   * job is never starved forever. @default DEFAULT_STARVATION_MS
   */
  starvationMs?: number;
}

/** Filter for `purgeJobs`: only final jobs are ever deleted. */
export interface PurgeFilter {
  /** Only jobs with this final status (or any of these); non-final statuses are ignored. */
  status?: JobStatus | JobStatus[];
  /** Only jobs of this task. */
  task?: string;
  /** Only jobs that finished before this instant (epoch ms). */
  finishedBefore?: number;
}

/** The Store port. */
export interface Store {
  /** A short name for diagnostics, e.g. `"memory"`, `"sqlite"`. */
  readonly name: string;
  /** True when other processes may write to the same data, so schedulers must poll it. */
  readonly shared: boolean;
  /**
   * Optional: how many store steps can usefully run at once (a PostgreSQL pool's connections);
   * absent means one. Above one, a scheduler fires two batches of due schedules at once, so the
   * database works on one while the scheduler plans the other.
   */
  readonly parallel?: number;
  /**
   * Optional: true when one scheduler is the only writer of the store for as long as it is open
   * (a Durable Object), and opening the store makes the jobs that a previous run left running
   * without a lease due again at once. A fired job that scheduler starts at once is then written
   * with no lease (`leaseUntil: null`): no process can take it over while it runs, and an entry
   * of the ready index is saved, which a Durable Object bills as a row. Its first renewal gives it
   * a lease like any other job's.
   */
  readonly soleWriter?: boolean;

  /** Adds a schedule; `"error"` throws `ConflictError` when the id exists and writes nothing. */
  putSchedule(
    record: ScheduleRecord,
    ifExists: "replace" | "keep" | "error",
  ): Promise<"inserted" | "replaced" | "kept">;
  /** Reads one schedule; `null` when the id does not exist. */
  getSchedule(id: string): Promise<ScheduleRecord | null>;
  /** Lists schedules matching the filter, ordered by id. */
  listSchedules(filter?: ScheduleFilter): Promise<ScheduleRecord[]>;
  /** Overwrites a schedule and drops any lease on it; `null` when it does not exist. */
  updateSchedule(record: ScheduleRecord): Promise<ScheduleRecord | null>;
  /** Deletes a schedule (its jobs stay); returns whether it existed. */
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
  /**
   * Optional capability: claims, plans and releases in one atomic step, with no lease written.
   * Takes up to `limit` schedules as `claimDueSchedules` would, calls `plan` on each
   * (synchronously, inside the step), and writes each plan's release as `releaseSchedule` would
   * for its owner. A schedule whose `plan` throws is leased to `owner` for `leaseMs` instead, as
   * a claim left unreleased would be, and comes back with the error. A store error writes
   * nothing. Schedulers drive stores without it through `claimDueSchedules` and
   * `releaseSchedule`.
   * @returns The schedules taken, earliest first.
   */
  fireDueSchedules?<P extends PlannedFire>(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    plan: (claimed: ClaimedSchedule) => P,
  ): Promise<FiredSchedule<P>[]>;

  /**
   * Inserts a job. The store assigns `seq`, and for a job with `after` decides its status by
   * `evaluateDependencies`: `pending`, `waiting`, or `cancelled` at once (then `finishedAt` is
   * the job's `createdAt`, the insert instant, and `expiresAt` is `dependencyExpiresAt`). When
   * the id exists: `"keep"` leaves it; `"replace"` overwrites a `pending` or `waiting` job with
   * `replacedJob` (payload, times, priority, limits, keys, rate fields; id, seq, createdAt,
   * attempts, status and `after` stay) in one step; a running or final job is never modified.
   * @param job The job; `seq` is ignored.
   * @param ifExists What to do when the id exists. @default "keep"
   * @returns `"inserted"`, `"replaced"` or `"kept"`.
   */
  insertJob(job: JobRecord, ifExists?: JobIfExists): Promise<"inserted" | "replaced" | "kept">;
  /**
   * Inserts many jobs in one transaction (ids that exist are kept as they are); a store error
   * writes nothing. At most `MAX_INSERT_JOBS` per call.
   * @returns The ids inserted.
   */
  insertJobs(jobs: readonly JobRecord[]): Promise<string[]>;
  /** Reads one job; `null` when the id does not exist or was cleaned up. */
  getJob(id: string): Promise<JobRecord | null>;
  /** Lists jobs matching the filter, newest `createdAt` first (ties by id, descending). */
  listJobs(filter?: JobFilter): Promise<JobRecord[]>;
  /** Counts jobs matching the filter; `limit` and `offset` are ignored. */
  countJobs(filter?: JobFilter): Promise<number>;
  /**
   * Leases up to `limit` runnable jobs: pending ones with `runAt <= now`, and running ones whose
   * lease expired (a crashed runner), in the order of `compareClaims` (starved jobs first, then
   * priority, run time, seq). Respects concurrency keys (a blocked job is skipped) and rate
   * limits (a job over its limit has its `runAt` moved to the next allowed instant). Claimed
   * jobs become `running` with `attempts + 1`.
   */
  claimJobs(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    options: ClaimJobsOptions,
  ): Promise<JobRecord[]>;
  /**
   * Extends `owner`'s leases on its running jobs to `leaseUntil`, and reports lost jobs and
   * requested cancellations.
   */
  renewJobs(ids: readonly string[], owner: string, leaseUntil: number): Promise<LeaseRenewal>;
  /** Records how a held job ended; `false` (writing nothing) if `owner` lost it. */
  finishJob(id: string, owner: string, outcome: JobOutcome): Promise<boolean>;
  /**
   * Optional capability: `finishJob` for many jobs held by one owner, in one step. Schedulers use
   * it when several jobs end together, so a burst of short jobs costs a few statements rather
   * than one per job.
   * @param owner The lease owner holding all of them.
   * @param items Each job and how it ended.
   * @returns The ids recorded (others had been lost to another owner).
   */
  finishJobs?(owner: string, items: ReadonlyArray<{ id: string; outcome: JobOutcome }>): Promise<
    string[]
  >;
  /** Puts a held job back to `pending` at `runAt` with the attempt's error. */
  retryJob(id: string, owner: string, runAt: number, error: JobError): Promise<boolean>;
  /** Stores a held job's progress text; `false` (writing nothing) if `owner` lost it. */
  setProgress(id: string, owner: string, progress: string): Promise<boolean>;
  /**
   * Cancels a pending job at once, or flags a running one (`cancelRequested`) for its runner.
   * Finished jobs are returned unchanged; unknown ids give `null`.
   */
  cancelJob(id: string, now: number, expiresAt: number | null): Promise<JobRecord | null>;

  /**
   * Re-queues a `failed` or `cancelled` job: `pending` at `now` with attempts 0, its error
   * appended to `history`; result, error, finishedAt, expiresAt and lease cleared. Other
   * statuses are returned unchanged; unknown ids give `null`. Dependants are not re-evaluated.
   */
  rerunJob(id: string, now: number): Promise<JobRecord | null>;
  /**
   * Deletes at most `limit` final jobs matching the filter.
   * @returns How many were deleted.
   */
  purgeJobs(filter: PurgeFilter, limit: number): Promise<number>;

  /** The earliest instant at which anything becomes due: a fire, a job, or an expiring lease. */
  nextWakeup(): Promise<number | null>;
  /** Removes finished jobs whose `expiresAt <= now`; returns how many. */
  cleanup(now: number): Promise<number>;

  /** Store-wide settings such as the admin lock. */
  getMeta(key: string): Promise<string | null>;
  /** Sets a store-wide setting; `null` deletes it. */
  setMeta(key: string, value: string | null): Promise<void>;

  /**
   * Optional capability: calls `onChange` soon after any process adds or changes work (for
   * example through PostgreSQL `LISTEN/NOTIFY`), so schedulers start it without waiting for their
   * next poll. Polling stays as the fallback, so a missed notification only costs latency.
   * @returns A function that stops watching.
   */
  watch?(onChange: () => void): () => void;

  /** Releases what the store holds, such as a database connection it owns. */
  close(): Promise<void>;
}
