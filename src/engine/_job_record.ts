/**
 * Job records and job ids. Every job (enqueued, fired by a schedule, or `runNow`) is built here
 * and nowhere else, so the fields a new job starts with and the shape of its id are one rule.
 * @module
 */

import type { JobRecord, ScheduleRecord } from "../store/store.ts";
import { NO_ITEMS } from "../store/semantics.ts";
import { checkId } from "../_options.ts";
import type { TaskEntry } from "./_tasks.ts";

/** What differs between new jobs; everything else starts empty. */
export interface JobSpec {
  id: string;
  task: string;
  scheduleId: string | null;
  /** The fire instant (scheduled jobs) or the requested run time (enqueued jobs). */
  scheduledAt: number;
  /** Earliest start; `scheduledAt` unless jitter moves it. */
  runAt?: number;
  /** Codec text of the payload. */
  payload: string;
  resultTtl: number | null;
  /** When the job is created (the clock reading of the call that makes it). */
  createdAt: number;
  maxAttempts?: number | null;
  timeout?: number | null;
  /** Jobs sharing a key run at most `concurrencyLimit` at once. */
  concurrencyKey?: string | null;
  concurrencyLimit?: number | null;
  /** Higher runs first among ready jobs. @default 0 */
  priority?: number;
  /** Rate-limit key and its limit per period (ms). */
  rateKey?: string | null;
  rateLimit?: number | null;
  ratePeriod?: number | null;
  /** Ids of jobs that must succeed first. */
  after?: readonly string[];
}

/**
 * Builds a pending job. Pure: the same spec always gives an equal record.
 * @param spec The job's identity, timing and payload.
 * @returns The record to insert.
 */
export function jobRecord(spec: JobSpec): JobRecord {
  return {
    id: spec.id,
    task: spec.task,
    scheduleId: spec.scheduleId,
    scheduledAt: spec.scheduledAt,
    runAt: spec.runAt ?? spec.scheduledAt,
    status: "pending",
    payload: spec.payload,
    result: null,
    error: null,
    attempts: 0,
    maxAttempts: spec.maxAttempts ?? null,
    timeout: spec.timeout ?? null,
    resultTtl: spec.resultTtl,
    concurrencyKey: spec.concurrencyKey ?? null,
    concurrencyLimit: spec.concurrencyLimit ?? null,
    progress: null,
    cancelRequested: false,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: spec.createdAt,
    startedAt: null,
    finishedAt: null,
    expiresAt: null,
    seq: 0,
    priority: spec.priority ?? 0,
    rateKey: spec.rateKey ?? null,
    rateLimit: spec.rateLimit ?? null,
    ratePeriod: spec.ratePeriod ?? null,
    after: spec.after === undefined || spec.after.length === 0 ? NO_ITEMS : [...spec.after],
    history: NO_ITEMS,
  };
}

/**
 * The id of the job made by fire `at` of a schedule: `schedule@instant`. Deterministic, so two
 * processes firing the same instant create one job, not two.
 * @returns `"<scheduleId>@<ISO instant>"`.
 */
export function fireJobId(scheduleId: string, at: number): string {
  // Schedules that fire together share the instant: format it once for all of them.
  if (at !== lastFireAt) {
    lastFireIso = new Date(at).toISOString();
    lastFireAt = at;
  }
  return `${scheduleId}@${lastFireIso}`;
}

let lastFireAt = NaN;
let lastFireIso = "";

/**
 * The id of a `runNow` job: the schedule, the instant and a random suffix, so two calls in the
 * same millisecond make two jobs.
 * @returns `"<scheduleId>@run:<ISO instant>:<6 random hex digits>"`.
 */
export function runNowJobId(scheduleId: string, now: number): string {
  return `${scheduleId}@run:${new Date(now).toISOString()}:${newJobId().slice(0, 6)}`;
}

/**
 * The id of the dead letter of a failed job: one per job, so a re-delivered outcome adds nothing.
 * @returns `"<jobId>:dead-letter"`.
 */
export function deadLetterJobId(jobId: string): string {
  return `${jobId}:dead-letter`;
}

/** @returns A fresh random id for an enqueued job that the caller did not name. */
export function newJobId(): string {
  return crypto.randomUUID();
}

/**
 * A job's attempts are fixed when it is made: its own `retries` if it names some, else its task's
 * (when the task is registered in the process making it), so the record shows what the runner
 * applies.
 * @param entry The task as registered here, if it is.
 * @returns `retries + 1`, or `null` to leave it to the task of the process that runs the job.
 */
export function attemptsOf(entry: { readonly retries: number } | undefined): number | null {
  return entry === undefined ? null : entry.retries + 1;
}

/** A task's queue controls, as one job gets them. */
export type JobControls = Pick<
  JobSpec,
  "concurrencyKey" | "concurrencyLimit" | "rateKey" | "rateLimit" | "ratePeriod"
>;

/** The keys a task's `concurrency` and `rateLimit` give one payload. */
export interface PayloadKeys {
  /** The `concurrency` key function's id, or `null` (no key function). */
  concurrencyKey: string | null;
  /** The rate-limit key: the task's name, or `task:id` with a key function; `null`: no limit. */
  rateKey: string | null;
}

/**
 * Runs a task's key functions on a payload, once, when the payload is given: `enqueue` for a job,
 * `schedule` and `updateSchedule` for a schedule (whose jobs all share its payload).
 * @param task The task's name.
 * @param payload The payload, decoded.
 * @param entry The task as registered in this process, if it is.
 * @returns The keys. A key function's own error propagates; an id it returns that `checkId`
 * refuses (not a string, empty or over 256 characters, ill-formed) throws its error.
 */
export function payloadKeys(
  task: string,
  payload: unknown,
  entry: Pick<TaskEntry, "concurrency" | "rateLimit"> | undefined,
): PayloadKeys {
  const rate = entry?.rateLimit ?? null;
  return {
    concurrencyKey: entry?.concurrency
      ? checkId(entry.concurrency.key(payload as never), "concurrency key")
      : null,
    rateKey: rate === null
      ? null
      : rate.key === null
      ? task
      : `${task}:${checkId(rate.key(payload as never), "rateLimit key")}`,
  };
}

/**
 * The controls of a job a schedule makes (a fire, `runNow`): the keys the schedule's payload got
 * when it was written, under the limits of its task as this process registers it (as with
 * retries). A queued schedule (`overlap: "queue"`) limits its fires by its own key, which takes
 * the place of the task's concurrency key: a job has one.
 * @param s The schedule.
 * @param entry Its task as registered in this process, if it is.
 * @param queued Whether the job queues behind the schedule's `maxInstances`.
 * @returns The job's control fields.
 */
export function scheduleControls(
  s: Pick<ScheduleRecord, "id" | "task" | "maxInstances" | "concurrencyKey" | "rateKey">,
  entry: Pick<TaskEntry, "concurrency" | "rateLimit"> | undefined,
  queued: boolean,
): JobControls {
  const rate = entry?.rateLimit ?? null;
  // A key function added after the schedule was written has no key for it yet: no limit until
  // the schedule is written again (a restart's re-declaration does).
  const rateKey = rate === null ? null : rate.key === null ? s.task : s.rateKey ?? null;
  const key = queued ? `schedule:${s.id}` : entry?.concurrency ? s.concurrencyKey ?? null : null;
  return {
    concurrencyKey: key,
    concurrencyLimit: key === null ? null : queued ? s.maxInstances : entry!.concurrency!.limit,
    rateKey,
    rateLimit: rateKey === null ? null : rate!.limit,
    ratePeriod: rateKey === null ? null : rate!.period,
  };
}
