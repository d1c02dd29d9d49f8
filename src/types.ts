/**
 * Public types of the scheduler API: tasks, schedules, jobs and their options.
 * @module
 */

import type { Temporal } from "./temporal.ts";
import type { DurationInput, InstantInput } from "./time.ts";
import type { Trigger } from "./triggers/mod.ts";
import type { JsonValue } from "./json.ts";
import type { Coalesce, JobError, JobStatus, Overlap } from "./store/store.ts";

/** What a handler gets besides its payload. */
export interface TaskContext {
  /** Aborts on timeout, cancellation, lease loss and shutdown past its grace period. */
  readonly signal: AbortSignal;
  /** The job's id; stable across retries, useful as an idempotency key. */
  readonly jobId: string;
  /** The schedule that created the job, or `null` for an enqueued job. */
  readonly scheduleId: string | null;
  /** The fire instant (scheduled jobs) or requested run time (enqueued jobs). */
  readonly scheduledAt: Temporal.Instant;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  readonly attempt: number;
  /** Records progress (any JSON value) for the dashboard and `job:progress` listeners. */
  progress(value: JsonValue): Promise<void>;
}

/** A task's handler. */
export type TaskHandler<P = JsonValue, R = JsonValue> = (
  payload: P,
  ctx: TaskContext,
) => R | Promise<R>;

/** Exponential backoff with jitter between retries. */
export interface BackoffOptions {
  /** Delay before the first retry. @default 1000 (ms) */
  initial?: DurationInput;
  /** Upper bound for any delay. @default 3_600_000 (one hour) */
  max?: DurationInput;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /** `"full"`: a uniform random delay between 0 and the exponential value. @default "full" */
  jitter?: "full" | "none";
}

/** Options for `scheduler.task()`. */
export interface TaskOptions {
  /** Retries after a failed attempt. @default 0 */
  retries?: number;
  /** Delay between retries. @default { initial: 1000, max: 3600000, factor: 2, jitter: "full" } */
  backoff?: BackoffOptions;
  /** Time limit per attempt; aborts `ctx.signal` and fails the attempt. @default none */
  timeout?: DurationInput;
  /**
   * At most this many jobs of the task run at once in this process. (A schedule's
   * `maxInstances` is another limit: its jobs pending or running across all processes.)
   * @default Infinity
   */
  maxRunning?: number;
  /** How long finished jobs and their results are kept. @default 86_400_000 (one day) */
  resultTtl?: DurationInput;
  /** Default priority of the task's jobs (-1000..1000, higher runs first). @default 0 */
  priority?: number;
  /**
   * Per-key concurrency across every process sharing the store: `key(payload)` runs at enqueue
   * time, and at most `limit` jobs with the same key run at once.
   */
  concurrency?: TaskConcurrency;
  /**
   * At most `limit` starts per `period` (per `key(payload)` when given), across processes; jobs
   * over the limit are delayed, never failed or dropped.
   */
  rateLimit?: TaskRateLimit;
  /**
   * A task that receives `{ jobId, task, payload, error, attempts }` when a job of this task fails
   * for good (retries exhausted or `NonRetryableError`).
   */
  deadLetter?: string;
  /** How long failed and cancelled jobs are kept. @default 604_800_000 (7 days) */
  failedTtl?: DurationInput;
}

/** Per-key concurrency of a task. */
export interface TaskConcurrency {
  /** The key of a job, from its payload (a non-empty id). */
  key: (payload: never) => string;
  /** Jobs with the same key running at once, 1 to 10_000. */
  limit: number;
}

/** A task's rate limit. */
export interface TaskRateLimit {
  /** Starts allowed per period, 1 to 1_000_000. */
  limit: number;
  /** The window, 1 ms to 1 day. */
  period: DurationInput;
  /** Rate-limit per key of the payload instead of per task. */
  key?: (payload: never) => string;
}

/** A registered task, typed by its handler. */
export interface TaskHandle<P = JsonValue, R = JsonValue> {
  /** The task's name. */
  readonly name: string;
  /** Enqueues a job of this task. Same as `scheduler.enqueue(name, payload, options)`. */
  enqueue(payload: P, options?: EnqueueOptions): Promise<JobHandle<R>>;
  /** Adds a schedule for this task. Same as `scheduler.schedule({ task: name, ... })`. */
  schedule(options: Omit<ScheduleOptions<P>, "task">): Promise<ScheduleInfo<P>>;
}

/** Policies of a schedule (also the patch accepted by `updateSchedule`). */
export interface SchedulePolicies {
  /** Created paused. A paused schedule stays paused across restarts. @default false */
  paused?: boolean;
  /** Which of several overdue fires run. @default "latest" */
  coalesce?: Coalesce;
  /** How late a fire may run; later ones are `missed`. `null`: no limit. @default null */
  misfireGraceTime?: DurationInput | null;
  /** Jobs of this schedule pending or running at once, across all processes. @default 1 */
  maxInstances?: number;
  /** A fire beyond `maxInstances`: `"skip"` it (a `job:missed` event) or `"queue"` it. @default "skip" */
  overlap?: Overlap;
  /** Random delay up to this added to each run, never past the following fire. @default 0 */
  jitter?: DurationInput;
  /** Keep this schedule's finished jobs this long. @default the task's `resultTtl` */
  resultTtl?: DurationInput;
  /** Priority of this schedule's jobs (-1000..1000, higher runs first). @default 0 */
  priority?: number;
}

/** Options for `scheduler.schedule()`. */
export interface ScheduleOptions<P = JsonValue> extends SchedulePolicies {
  /** Caller-chosen id; restarts re-declare the same id instead of duplicating. */
  id: string;
  /** The task name or handle. */
  task: string | TaskHandle<P, unknown>;
  /** When it fires. */
  trigger: Trigger;
  /** JSON payload passed to every job. @default null */
  payload?: P;
  /**
   * When the id exists: `"replace"` updates the definition but keeps its state (next run,
   * paused flag unless `paused` is given); `"keep"` leaves it untouched; `"error"` throws
   * `ConflictError`. @default "replace"
   */
  ifExists?: "replace" | "keep" | "error";
}

/** Changes accepted by `updateSchedule`. */
export interface SchedulePatch<P = JsonValue> extends SchedulePolicies {
  /** New trigger; the next run is recomputed from now. */
  trigger?: Trigger;
  /** New payload. */
  payload?: P;
}

/** A schedule as read back. Durations are milliseconds. */
export interface ScheduleInfo<P = JsonValue> {
  /** Caller-chosen id, unique in the store. */
  id: string;
  /** Name of the task each fire runs. */
  task: string;
  /** The trigger, bound to its time zone. */
  trigger: Trigger;
  /** The payload passed to every job; `null` when `tampered`. */
  payload: P;
  /** Whether the schedule is paused (it does not fire until resumed). */
  paused: boolean;
  /** Which of several overdue fires run. */
  coalesce: Coalesce;
  /** Milliseconds a fire may be late and still run; `null` means no limit. */
  misfireGraceTime: number | null;
  /** Jobs of this schedule allowed pending or running at once, across all processes. */
  maxInstances: number;
  /** What happens to a fire beyond `maxInstances`: skipped or queued. */
  overlap: Overlap;
  /** Milliseconds of random delay at most added to each run. */
  jitter: number;
  /** Milliseconds its finished jobs are kept; `null` uses the task's `resultTtl`. */
  resultTtl: number | null;
  /** Priority of its jobs. */
  priority: number;
  /** The next fire; `null` once the trigger is exhausted. */
  nextRunAt: Temporal.Instant | null;
  /** The fire instant of the latest job it created; `null` before the first. */
  lastRunAt: Temporal.Instant | null;
  /** When the schedule was first stored (re-declaring it keeps this). */
  createdAt: Temporal.Instant;
  /** When the schedule was last changed through the scheduler (firing does not count). */
  updatedAt: Temporal.Instant;
  /** The payload could not be decoded (tampered, or encrypted under an unknown key). */
  tampered: boolean;
}

/** A job as read back. */
export interface JobInfo<R = JsonValue> {
  /** The job's id; stable across retries. */
  id: string;
  /** Name of the task that runs the job. */
  task: string;
  /** The schedule that created the job; `null` for an enqueued job. */
  scheduleId: string | null;
  /** Where the job is in its lifecycle. */
  status: JobStatus;
  /** The payload the handler receives; `null` when `tampered`. */
  payload: JsonValue;
  /** The handler's return value once the job succeeded; otherwise `null`. */
  result: R | null;
  /**
   * The latest failed attempt's error (kept while a retry is pending); `null` if none failed or the
   * job succeeded.
   */
  error: JobError | null;
  /** The latest value passed to `ctx.progress()`; `null` if none was reported. */
  progress: JsonValue | null;
  /** Attempts started so far (a re-run after a lost lease counts). */
  attempts: number;
  /**
   * Attempts allowed in all (retries + 1) when set for this job; `null` uses the task's `retries`.
   */
  maxAttempts: number | null;
  /** The fire instant (scheduled jobs) or the requested run time (enqueued jobs). */
  scheduledAt: Temporal.Instant;
  /** Earliest start: `scheduledAt` plus any jitter, moved forward on each retry. */
  runAt: Temporal.Instant;
  /** When the job was created. */
  createdAt: Temporal.Instant;
  /** When the latest attempt started; `null` before the first. */
  startedAt: Temporal.Instant | null;
  /** When the job reached a final status; `null` while pending or running. */
  finishedAt: Temporal.Instant | null;
  /** When the finished job and its result are removed; `null` while pending or running. */
  expiresAt: Temporal.Instant | null;
  /** Priority among ready jobs (higher runs first). */
  priority: number;
  /** Ids of the jobs it waits for (status `"waiting"` until all succeeded). */
  after: string[];
  /** Errors of earlier runs before `retryJob` re-queued it, oldest first (at most 20). */
  history: JobError[];
  /** A payload, result or progress value could not be decoded; it reads as `null`. */
  tampered: boolean;
}

/** Options for `enqueue`. */
export interface EnqueueOptions {
  /** Run after this delay. */
  delay?: DurationInput;
  /** Run at (not before) this instant. */
  runAt?: InstantInput;
  /** Caller-chosen job id; enqueueing an existing id returns the existing job. */
  id?: string;
  /** Overrides the task's retries. */
  retries?: number;
  /** Overrides the task's timeout. */
  timeout?: DurationInput;
  /** Overrides the task's result retention. */
  resultTtl?: DurationInput;
  /** Priority (-1000..1000, higher runs first); overrides the task's. @default 0 */
  priority?: number;
  /** Jobs sharing this key run at most the task's `concurrency.limit` (else 1) at once. */
  concurrencyKey?: string;
  /**
   * With `id`: `"keep"` returns the existing job; `"replace"` gives a still pending job the new
   * payload and run time. @default "keep"
   */
  ifExists?: "keep" | "replace";
  /** With `id`: each enqueue pushes the pending job back; it runs once the id is quiet this long. */
  debounce?: DurationInput;
  /** Job ids that must all succeed first; if one fails or is cancelled, this job is cancelled. */
  after?: string[];
}

/** One job of `enqueueMany`. */
export interface EnqueueManyItem {
  /** Task name or handle. */
  task: string | { readonly name: string };
  /** JSON payload. */
  payload?: unknown;
  /** As for `enqueue`, except `ifExists: "replace"` and `debounce` (one store step per job). */
  options?: EnqueueOptions;
}

/** A handle on one job. */
export interface JobHandle<R = JsonValue> {
  /** The job id. */
  readonly id: string;
  /**
   * Waits for the job to finish. Resolves with the handler's return value; rejects with
   * `JobFailedError`, `JobCancelledError`, or `ResultExpiredError` once the result is gone.
   */
  result(options?: { signal?: AbortSignal }): Promise<R>;
  /** Reads the job's current state; `null` once cleaned up. */
  info(): Promise<JobInfo<R> | null>;
  /** Cancels the job (see `scheduler.cancelJob`; throws `NotFoundError` for an unknown job). */
  cancel(): Promise<boolean>;
}

/** Filter for `purgeJobs`: which finished jobs to delete. */
export interface PurgeJobsOptions {
  /** Only these final statuses. @default ["succeeded", "failed", "cancelled"] */
  status?: JobStatus | JobStatus[];
  /** Only jobs of this task. */
  task?: string;
  /** Only jobs that finished at least this long ago. */
  olderThan?: DurationInput;
}

/** Filter for `listJobs`. */
export interface ListJobsOptions {
  /** Only jobs with this status (or any of these statuses). */
  status?: JobStatus | JobStatus[];
  /** Only jobs of this task. */
  task?: string;
  /** Only jobs created by this schedule. */
  scheduleId?: string;
  /** At most this many jobs (newest first), 0 to 1000. @default 100 */
  limit?: number;
  /** Matching jobs to skip before the page starts, 0 to 2^31-1. @default 0 */
  offset?: number;
}

/** Filter and page for `listSchedules`: the same `limit`/`offset` contract as `listJobs`. */
export interface ListSchedulesOptions {
  /** Only schedules of this task. */
  task?: string;
  /** Only paused (`true`) or only unpaused (`false`) schedules. */
  paused?: boolean;
  /** At most this many schedules (ordered by id), 0 to 1000. @default 100 */
  limit?: number;
  /** Matching schedules to skip before the page starts, 0 to 2^31-1. @default 0 */
  offset?: number;
}
