/**
 * Public types of the scheduler API: tasks, schedules, jobs and their options.
 * @module
 */

import type { Temporal } from "./temporal.ts";
import type { DurationInput, InstantInput } from "./time.ts";
import type { Trigger } from "./triggers/mod.ts";
import type { JsonValue } from "./json.ts";
import type { Coalesce, JobError, JobStatus, Overlap } from "./store.ts";

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
  /** At most this many jobs of the task run at once in this process. @default Infinity */
  maxInstances?: number;
  /** How long finished jobs and their results are kept. @default 86_400_000 (one day) */
  resultTtl?: DurationInput;
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
  id: string;
  task: string;
  trigger: Trigger;
  payload: P;
  paused: boolean;
  coalesce: Coalesce;
  misfireGraceTime: number | null;
  maxInstances: number;
  overlap: Overlap;
  jitter: number;
  resultTtl: number | null;
  nextRunAt: Temporal.Instant | null;
  lastRunAt: Temporal.Instant | null;
  createdAt: Temporal.Instant;
  updatedAt: Temporal.Instant;
  /** The payload could not be decoded (tampered, or encrypted under an unknown key). */
  tampered: boolean;
}

/** A job as read back. */
export interface JobInfo<R = JsonValue> {
  id: string;
  task: string;
  scheduleId: string | null;
  status: JobStatus;
  payload: JsonValue;
  result: R | null;
  error: JobError | null;
  progress: JsonValue | null;
  attempts: number;
  maxAttempts: number | null;
  scheduledAt: Temporal.Instant;
  runAt: Temporal.Instant;
  createdAt: Temporal.Instant;
  startedAt: Temporal.Instant | null;
  finishedAt: Temporal.Instant | null;
  expiresAt: Temporal.Instant | null;
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
  /** Cancels the job (see `scheduler.cancelJob`). */
  cancel(): Promise<boolean>;
}

/** Filter for `listJobs`. */
export interface ListJobsOptions {
  status?: JobStatus | JobStatus[];
  task?: string;
  scheduleId?: string;
  /** @default 100 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}
