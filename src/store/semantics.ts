/**
 * Store semantics: the rules every store and every admin surface share, written once. Statuses
 * and which are final, when a schedule or job next needs attention, retention, the conflict
 * error, list filters, sort order and paging. The SQL store states the same rules in SQL
 * (`sql/schema.ts` generated columns, `sql/sql_store.ts` ORDER BY); the conformance suite
 * checks that every store agrees with this module.
 * @module
 */

import { ConflictError } from "../errors.ts";
import type { JobFilter, JobRecord, JobStatus, ScheduleFilter, ScheduleRecord } from "./store.ts";

/** Every job status, in lifecycle order. */
export const JOB_STATUSES: readonly JobStatus[] = Object.freeze([
  "pending",
  "running",
  "succeeded",
  "failed",
  "cancelled",
]);

/** The statuses a job never leaves: it has ended and only clean-up removes it. */
export const FINAL_STATUSES: readonly JobStatus[] = Object.freeze([
  "succeeded",
  "failed",
  "cancelled",
]);

/**
 * @param status A job status.
 * @returns Whether a job in that status has ended (succeeded, failed or cancelled).
 * @example
 * ```ts
 * import { isFinal } from "./semantics.ts";
 * isFinal("failed"); // true
 * ```
 */
export function isFinal(status: JobStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

/**
 * @param value Anything.
 * @returns Whether it is one of {@linkcode JOB_STATUSES}.
 */
export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === "string" && (JOB_STATUSES as readonly string[]).includes(value);
}

/**
 * When a schedule can next be claimed: its next run, or later while a lease holds it; `null`
 * when paused or exhausted.
 * @param rec The schedule.
 * @param leaseOwner Who holds its lease, if anyone.
 * @param leaseUntil When that lease ends (epoch ms).
 * @returns Epoch ms, or `null`.
 */
export function scheduleDueAt(
  rec: Pick<ScheduleRecord, "paused" | "nextRunAt">,
  leaseOwner: string | null,
  leaseUntil: number,
): number | null {
  if (rec.paused || rec.nextRunAt === null) return null;
  return leaseOwner !== null ? Math.max(rec.nextRunAt, leaseUntil) : rec.nextRunAt;
}

/**
 * When a job can next be claimed: a pending job at its run time, a running one when its lease
 * ends (a crashed runner); `null` once final.
 * @param job The job.
 * @returns Epoch ms, or `null`.
 */
export function jobReadyAt(job: Pick<JobRecord, "status" | "runAt" | "leaseUntil">): number | null {
  if (job.status === "pending") return job.runAt;
  if (job.status === "running") return job.leaseUntil;
  return null;
}

/**
 * Retention: a final job whose retention ended when it finished (`expiresAt <= finishedAt`, for
 * instance `resultTtl: 0`) is dropped at once instead of being written.
 * @param job A job about to be written.
 * @returns Whether the store drops it instead.
 */
export function droppedOnArrival(
  job: Pick<JobRecord, "status" | "expiresAt" | "finishedAt">,
): boolean {
  return isFinal(job.status) && job.expiresAt !== null && job.finishedAt !== null &&
    job.expiresAt <= job.finishedAt;
}

/**
 * Retention: whether `cleanup(now)` removes the job.
 * @param job A stored job.
 * @param now The clean-up instant (epoch ms).
 * @returns Whether it is final and past its retention.
 */
export function isExpired(job: Pick<JobRecord, "status" | "expiresAt">, now: number): boolean {
  return isFinal(job.status) && job.expiresAt !== null && job.expiresAt <= now;
}

/**
 * The error `putSchedule(record, "error")` throws for an existing id.
 * @param id The schedule id.
 * @returns The error to throw.
 */
export function scheduleExists(id: string): ConflictError {
  return new ConflictError("schedule", id);
}

/**
 * @param job A stored job.
 * @param filter The filter (limit and offset are ignored here).
 * @returns Whether the job matches.
 */
export function matchesJob(job: JobRecord, filter: JobFilter): boolean {
  if (filter.task !== undefined && job.task !== filter.task) return false;
  if (filter.scheduleId !== undefined && job.scheduleId !== filter.scheduleId) return false;
  const { status } = filter;
  if (status === undefined) return true;
  return Array.isArray(status) ? status.includes(job.status) : job.status === status;
}

/**
 * @param rec A stored schedule.
 * @param filter The filter (limit and offset are ignored here).
 * @returns Whether the schedule matches.
 */
export function matchesSchedule(rec: ScheduleRecord, filter: ScheduleFilter): boolean {
  if (filter.task !== undefined && rec.task !== filter.task) return false;
  return filter.paused === undefined || rec.paused === filter.paused;
}

/** Code-unit order of ids, the order SQL's binary collation gives. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * List order of jobs: newest `createdAt` first, ties by id descending.
 * @param a A job.
 * @param b Another job.
 * @returns Negative when `a` comes first.
 */
export function compareJobs(a: JobRecord, b: JobRecord): number {
  return b.createdAt - a.createdAt || compareIds(b.id, a.id);
}

/**
 * List order of schedules: by id.
 * @param a A schedule.
 * @param b Another schedule.
 * @returns Negative when `a` comes first.
 */
export function compareSchedules(a: ScheduleRecord, b: ScheduleRecord): number {
  return compareIds(a.id, b.id);
}

/**
 * Paging: `offset` items skipped, then at most `limit` (negative values count as 0).
 * @param items Sorted items.
 * @param offset Items to skip.
 * @param limit Items to return at most.
 * @returns The page.
 */
export function pageOf<T>(items: T[], offset: number = 0, limit: number = Infinity): T[] {
  const start = Math.max(0, offset);
  const count = Math.max(0, limit);
  return start === 0 && count >= items.length ? items : items.slice(start, start + count);
}

/**
 * Filters, sorts and pages jobs the way every store lists them.
 * @param jobs Candidate jobs (any order).
 * @param filter The filter.
 * @returns The page.
 */
export function listJobsOf(jobs: Iterable<JobRecord>, filter: JobFilter): JobRecord[] {
  const out: JobRecord[] = [];
  for (const job of jobs) if (matchesJob(job, filter)) out.push(job);
  return pageOf(out.sort(compareJobs), filter.offset, filter.limit);
}

/**
 * Filters, sorts and pages schedules the way every store lists them.
 * @param schedules Candidate schedules (any order).
 * @param filter The filter.
 * @returns The page.
 */
export function listSchedulesOf(
  schedules: Iterable<ScheduleRecord>,
  filter: ScheduleFilter,
): ScheduleRecord[] {
  const out: ScheduleRecord[] = [];
  for (const rec of schedules) if (matchesSchedule(rec, filter)) out.push(rec);
  return pageOf(out.sort(compareSchedules), filter.offset, filter.limit);
}
