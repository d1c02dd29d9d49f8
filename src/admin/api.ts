/**
 * The admin contract: every operation an operator or a remote caller performs on a scheduler.
 * The in-process `Scheduler` and the Workers `SchedulerClient` both implement it, and the admin
 * surfaces (Durable Object RPC, HTTP routes, CLI) are derived from one table of these operations
 * (`./operations.ts`).
 * @module
 */

import type { JsonValue } from "../json.ts";
import type { Temporal } from "../temporal.ts";
import type { InstantInput } from "../time.ts";
import type {
  EnqueueOptions,
  JobHandle,
  JobInfo,
  ListJobsOptions,
  PurgeJobsOptions,
  ScheduleInfo,
  ScheduleOptions,
  SchedulePatch,
  TaskHandle,
} from "../types.ts";

/** Filter and page of {@linkcode SchedulerApi.listSchedules}. */
export interface ListSchedulesOptions {
  /** Only this task's schedules. */
  task?: string;
  /** Only paused (`true`) or only active (`false`) schedules. */
  paused?: boolean;
  /** At most this many, ordered by id. @default 100 */
  limit?: number;
  /** Matching schedules to skip before the page starts. @default 0 */
  offset?: number;
}

/** Filter of {@linkcode SchedulerApi.countJobs}: the list filter without the page. */
export type CountJobsOptions = Omit<ListJobsOptions, "limit" | "offset">;

/** Options of {@linkcode SchedulerApi.resumeSchedule}. */
export interface ResumeOptions {
  /** Count fires after this past instant as overdue (the misfire policy applies). @default now */
  from?: InstantInput;
}

export { JOB_STATUSES } from "../store/semantics.ts";

/**
 * What an operator or a remote caller can do with a scheduler: the same calls, arguments, results
 * and errors whether the scheduler runs in this process or in a Durable Object.
 */
export interface SchedulerApi {
  /** Adds, replaces or keeps a schedule. @returns The stored schedule. */
  schedule<P = JsonValue>(options: ScheduleOptions<P>): Promise<ScheduleInfo<P>>;
  /** Reads a schedule. @returns The schedule, or `null` for an unknown id. */
  getSchedule(id: string): Promise<ScheduleInfo | null>;
  /** Lists schedules. @returns A page of schedules ordered by id. */
  listSchedules(options?: ListSchedulesOptions): Promise<ScheduleInfo[]>;
  /** Changes a schedule's trigger, payload or policies. @returns The updated schedule. */
  updateSchedule<P = JsonValue>(id: string, patch: SchedulePatch<P>): Promise<ScheduleInfo>;
  /** Pauses a schedule; it stays paused across restarts. @returns The updated schedule. */
  pauseSchedule(id: string): Promise<ScheduleInfo>;
  /** Resumes a schedule, from now or from a past instant. @returns The updated schedule. */
  resumeSchedule(id: string, options?: ResumeOptions): Promise<ScheduleInfo>;
  /** Removes a schedule (its jobs are kept); an unknown id throws `NotFoundError`. */
  removeSchedule(id: string): Promise<void>;
  /** Creates a job of the schedule now, outside its trigger. @returns The job's handle. */
  runNow(id: string): Promise<JobHandle>;
  /** Previews a schedule. @returns Its next `count` fire instants (default 5). */
  nextRuns(id: string, count?: number): Promise<Temporal.Instant[]>;

  /** Enqueues a job of a task. @returns The job's handle. */
  enqueue<R = JsonValue>(
    task: string | TaskHandle<never, R>,
    payload?: unknown,
    options?: EnqueueOptions,
  ): Promise<JobHandle<R>>;
  /** A handle on a job id (the job need not exist yet). @returns The handle. */
  job<R = JsonValue>(id: string): JobHandle<R>;
  /** Reads a job. @returns The job, or `null` for an unknown or cleaned-up id. */
  getJob<R = JsonValue>(id: string): Promise<JobInfo<R> | null>;
  /** Lists jobs. @returns A page of jobs matching the filter, newest first. */
  listJobs(options?: ListJobsOptions): Promise<JobInfo[]>;
  /** Counts jobs. @returns How many jobs match the filter. */
  countJobs(options?: CountJobsOptions): Promise<number>;
  /** Cancels a pending or running job. @returns Whether it was pending or running. */
  cancelJob(id: string): Promise<boolean>;
  /** Runs a failed or cancelled job again. @returns Whether it was re-queued. */
  retryJob(id: string): Promise<boolean>;
  /** Deletes finished jobs in bounded chunks. @returns How many were deleted. */
  purgeJobs(options?: PurgeJobsOptions): Promise<number>;

  /** Sets or lifts the store-wide lock that halts every scheduler on the store. */
  setLock(locked: boolean, reason?: string): Promise<void>;
  /** Reads the store-wide lock. @returns Its reason, or `null` when unlocked. */
  getLock(): Promise<string | null>;
  /** Lists the tasks the scheduler registers. @returns Their names. */
  listTasks(): Promise<string[]>;
}
