/**
 * Store semantics: the rules every store and every admin surface share, written once. Statuses
 * and which are final, when a schedule or job next needs attention, retention, the conflict
 * error, list filters, sort order and paging. The SQL store states the same rules in SQL
 * (`sql/schema.ts` generated columns, `sql/sql_store.ts` ORDER BY); the conformance suite
 * checks that every store agrees with this module.
 * @module
 */

import { ConflictError } from "../errors.ts";
import type {
  JobError,
  JobFilter,
  JobRecord,
  JobStatus,
  PurgeFilter,
  ScheduleFilter,
  ScheduleRecord,
} from "./store.ts";

/** Every job status, in lifecycle order. */
export const JOB_STATUSES: readonly JobStatus[] = Object.freeze([
  "waiting",
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

// ---------------------------------------------------------------------------------------------
// Queue rules: claim order, starvation, dependencies, rate limits, re-runs, purge and bounds.

/** A job ready this long (ms) goes before every priority, so none is starved forever (5 min). */
export const DEFAULT_STARVATION_MS = 300_000;
/** How long failed and cancelled jobs are kept by default (7 days). */
export const DEFAULT_FAILED_TTL_MS: number = 7 * 24 * 60 * 60 * 1000;
/** Lowest job priority. */
export const MIN_PRIORITY = -1000;
/** Highest job priority. */
export const MAX_PRIORITY = 1000;
/** Most dependencies (`after`) one job may list. */
export const MAX_AFTER = 100;
/** Most earlier errors `rerunJob` keeps in `history` (the oldest are dropped). */
export const MAX_HISTORY = 20;
/**
 * The empty `after` and `history` of a job record: one frozen list shared by all, since most
 * jobs have neither (an array per record and per copy is measurable garbage in memory stores).
 */
export const NO_ITEMS: readonly never[] = Object.freeze([]);
/** Most jobs one `insertJobs` call may insert. */
export const MAX_INSERT_JOBS = 10_000;
/** Jobs the scheduler's `purgeJobs` deletes per store call. */
export const PURGE_CHUNK = 1000;
/** Start-log entries are kept at least this long (1 day) so any rate window can be checked. */
export const RATE_LOG_RETENTION_MS: number = 24 * 60 * 60 * 1000;

/**
 * Whether a claimable job has waited past its ready time for `starvationMs` and so goes before
 * every priority.
 * @param job The job.
 * @param now The claim instant (epoch ms).
 * @param starvationMs The starvation threshold (ms).
 * @returns Whether it is starved.
 */
export function isStarved(
  job: Pick<JobRecord, "runAt">,
  now: number,
  starvationMs: number,
): boolean {
  return job.runAt <= now - starvationMs;
}

/**
 * Claim order among claimable jobs: starved jobs first (by runAt, then seq), then the rest by
 * priority descending, runAt, seq.
 * @param a A job.
 * @param b Another job.
 * @param now The claim instant (epoch ms).
 * @param starvationMs The starvation threshold (ms).
 * @returns Negative when `a` is claimed first.
 */
export function compareClaims(
  a: Pick<JobRecord, "runAt" | "seq" | "priority">,
  b: Pick<JobRecord, "runAt" | "seq" | "priority">,
  now: number,
  starvationMs: number = DEFAULT_STARVATION_MS,
): number {
  const sa = isStarved(a, now, starvationMs);
  const sb = isStarved(b, now, starvationMs);
  if (sa !== sb) return sa ? -1 : 1;
  if (!sa && a.priority !== b.priority) return b.priority - a.priority;
  return a.runAt - b.runAt || a.seq - b.seq;
}

/** What a job's dependencies decide: its status, and for `cancelled` the error naming the cause. */
export type DependencyVerdict =
  | { status: "pending" | "waiting" }
  | { status: "cancelled"; error: JobError };

/**
 * The dependency rule: every listed job succeeded → `pending`; one failed, cancelled or unknown
 * → `cancelled` with an error naming it; otherwise `waiting`.
 * @param after The ids the job waits for.
 * @param statusOf The stored status of a job, `null` when it does not exist.
 * @returns The verdict.
 */
export function evaluateDependencies(
  after: readonly string[],
  statusOf: (id: string) => JobStatus | null,
): DependencyVerdict {
  let waiting = false;
  for (const id of after) {
    const status = statusOf(id);
    if (status === "succeeded") continue;
    if (status === null || status === "failed" || status === "cancelled") {
      return { status: "cancelled", error: dependencyError(id, status) };
    }
    waiting = true;
  }
  return { status: waiting ? "waiting" : "pending" };
}

/**
 * @param id The dependency that ended badly.
 * @param status Its status, `null` when it does not exist.
 * @returns The `DependencyFailedError` recorded on the cancelled dependant.
 */
export function dependencyError(id: string, status: JobStatus | null): JobError {
  const why = status === "failed"
    ? "failed"
    : status === "cancelled"
    ? "was cancelled"
    : "does not exist";
  return { name: "DependencyFailedError", message: `Dependency ${JSON.stringify(id)} ${why}` };
}

/**
 * When a job cancelled by its dependencies expires: its `resultTtl` if set, else the default
 * failed-job retention (the store cannot see task settings).
 * @param job The job.
 * @param now When it was cancelled (epoch ms).
 * @returns Epoch ms.
 */
export function dependencyExpiresAt(job: Pick<JobRecord, "resultTtl">, now: number): number {
  return now + (job.resultTtl ?? DEFAULT_FAILED_TTL_MS);
}

/**
 * The rate-limit rule: with `starts` the key's recorded start instants, a job may start at `now`
 * unless `limit` or more fall in `(now - period, now]` (a start recorded after `now`, by a process
 * whose clock runs ahead, counts as made at `now`); then it waits until the oldest of those leaves
 * the window.
 * @param starts Start instants of the key (any order).
 * @param now The claim instant (epoch ms).
 * @param limit Starts allowed per period.
 * @param period The window (ms).
 * @returns `null` when the job may start now, else the instant it may start.
 */
export function rateDelayedUntil(
  starts: Iterable<number>,
  now: number,
  limit: number,
  period: number,
): number | null {
  let count = 0;
  let oldest = Infinity;
  for (const start of starts) {
    // A start stamped after `now` came from a process whose clock runs ahead: it still counts,
    // as if made now, or a window could overfill between processes whose clocks differ.
    const t = Math.min(start, now);
    if (t > now - period) {
      count++;
      if (t < oldest) oldest = t;
    }
  }
  return count >= limit ? oldest + period : null;
}

/**
 * `insertJob(job, "replace")` on a pending or waiting job: the new payload, times, priority,
 * limits, keys and rate fields over the stored job; everything else (id, task, seq, createdAt,
 * attempts, status, dependencies, history) stays.
 * @param stored The stored job.
 * @param incoming The job being inserted.
 * @returns The replaced record.
 */
export function replacedJob(stored: JobRecord, incoming: JobRecord): JobRecord {
  return {
    ...stored,
    payload: incoming.payload,
    runAt: incoming.runAt,
    scheduledAt: incoming.scheduledAt,
    priority: incoming.priority,
    timeout: incoming.timeout,
    maxAttempts: incoming.maxAttempts,
    resultTtl: incoming.resultTtl,
    concurrencyKey: incoming.concurrencyKey,
    concurrencyLimit: incoming.concurrencyLimit,
    rateKey: incoming.rateKey,
    rateLimit: incoming.rateLimit,
    ratePeriod: incoming.ratePeriod,
  };
}

/**
 * @param history Earlier errors, oldest first.
 * @param error The error to keep.
 * @returns The history with `error` appended, at most {@linkcode MAX_HISTORY} long.
 */
export function appendHistory(history: readonly JobError[], error: JobError | null): JobError[] {
  const out = error === null ? [...history] : [...history, error];
  return out.length > MAX_HISTORY ? out.slice(out.length - MAX_HISTORY) : out;
}

/**
 * Whether `rerunJob` re-queues a job in this status.
 * @param status A job status.
 * @returns True for failed and cancelled.
 */
export function canRerun(status: JobStatus): boolean {
  return status === "failed" || status === "cancelled";
}

/**
 * The record `rerunJob(id, now)` writes for a failed or cancelled job.
 * @param job The stored job.
 * @param now The re-run instant (epoch ms).
 * @returns The re-queued record.
 */
export function rerunRecord(job: JobRecord, now: number): JobRecord {
  return {
    ...job,
    status: "pending",
    runAt: now,
    attempts: 0,
    history: appendHistory(job.history, job.error),
    result: null,
    error: null,
    finishedAt: null,
    expiresAt: null,
    leaseOwner: null,
    leaseUntil: null,
    cancelRequested: false,
  };
}

/**
 * @param job A stored job.
 * @param filter The purge filter.
 * @returns Whether `purgeJobs` deletes it: final and matching.
 */
export function matchesPurge(job: JobRecord, filter: PurgeFilter): boolean {
  if (!isFinal(job.status)) return false;
  if (filter.task !== undefined && job.task !== filter.task) return false;
  if (
    filter.finishedBefore !== undefined &&
    (job.finishedAt === null || job.finishedAt >= filter.finishedBefore)
  ) return false;
  const { status } = filter;
  if (status === undefined) return true;
  return Array.isArray(status) ? status.includes(job.status) : job.status === status;
}
