/**
 * Mapping between store records and SQL rows: column lists, parameter arrays and row readers.
 * @module
 */

import type { SqlValue } from "./driver.ts";
import type { JobRecord, ScheduleRecord } from "../store.ts";
import { NO_ITEMS } from "../semantics.ts";
import { triggerJSONOf } from "../../triggers/_stored.ts";

/** Columns written from a `ScheduleRecord`, in parameter order. */
export const SCHEDULE_COLUMNS: readonly string[] = [
  "id",
  "task",
  "trigger_json",
  "payload",
  "paused",
  "coalesce_policy",
  "misfire_grace_time",
  "max_instances",
  "overlap",
  "jitter",
  "result_ttl",
  "next_run_at",
  "last_run_at",
  "created_at",
  "updated_at",
  "priority",
  "concurrency_key",
  "rate_key",
];

/** Columns written from a `JobRecord`, in parameter order. */
export const JOB_COLUMNS: readonly string[] = [
  "id",
  "task",
  "schedule_id",
  "scheduled_at",
  "run_at",
  "status",
  "payload",
  "result",
  "error_json",
  "attempts",
  "max_attempts",
  "timeout",
  "result_ttl",
  "concurrency_key",
  "concurrency_limit",
  "progress",
  "cancel_requested",
  "lease_owner",
  "lease_until",
  "created_at",
  "started_at",
  "finished_at",
  "expires_at",
  "seq",
  "priority",
  "rate_key",
  "rate_limit",
  "rate_period",
  "after_json",
  "history_json",
];

/** Index of `seq` in {@linkcode JOB_COLUMNS}: inserts replace the caller's value. */
export const SEQ_COLUMN: number = JOB_COLUMNS.indexOf("seq");

/** Columns read back for a schedule. */
export const SCHEDULE_SELECT: string = SCHEDULE_COLUMNS.join(", ");
/** Columns read back for a job. */
export const JOB_SELECT: string = JOB_COLUMNS.join(", ");

/** A row as the driver returns it. */
export type Row = Record<string, SqlValue>;

/**
 * @param r A schedule.
 * @returns Its values in `SCHEDULE_COLUMNS` order.
 */
export function scheduleParams(r: ScheduleRecord): SqlValue[] {
  return [
    r.id,
    r.task,
    JSON.stringify(r.trigger),
    r.payload,
    r.paused ? 1 : 0,
    r.coalesce,
    r.misfireGraceTime,
    r.maxInstances,
    r.overlap,
    r.jitter,
    r.resultTtl,
    r.nextRunAt,
    r.lastRunAt,
    r.createdAt,
    r.updatedAt,
    r.priority,
    r.concurrencyKey ?? null,
    r.rateKey ?? null,
  ];
}

/**
 * @param j A job.
 * @returns Its values in `JOB_COLUMNS` order.
 */
export function jobParams(j: JobRecord): SqlValue[] {
  return [
    j.id,
    j.task,
    j.scheduleId,
    j.scheduledAt,
    j.runAt,
    j.status,
    j.payload,
    j.result,
    j.error === null ? null : JSON.stringify(j.error),
    j.attempts,
    j.maxAttempts,
    j.timeout,
    j.resultTtl,
    j.concurrencyKey,
    j.concurrencyLimit,
    j.progress,
    j.cancelRequested ? 1 : 0,
    j.leaseOwner,
    j.leaseUntil,
    j.createdAt,
    j.startedAt,
    j.finishedAt,
    j.expiresAt,
    j.seq,
    j.priority,
    j.rateKey,
    j.rateLimit,
    j.ratePeriod,
    JSON.stringify(j.after),
    JSON.stringify(j.history),
  ];
}

/**
 * @param row A row with the `SCHEDULE_SELECT` columns.
 * @returns The schedule.
 */
export function toSchedule(row: Row): ScheduleRecord {
  return {
    id: row.id as string,
    task: row.task as string,
    trigger: triggerJSONOf(row.trigger_json as string),
    payload: row.payload as string,
    paused: row.paused !== 0,
    coalesce: row.coalesce_policy as ScheduleRecord["coalesce"],
    misfireGraceTime: row.misfire_grace_time as number | null,
    maxInstances: row.max_instances as number,
    overlap: row.overlap as ScheduleRecord["overlap"],
    jitter: row.jitter as number,
    resultTtl: row.result_ttl as number | null,
    nextRunAt: row.next_run_at as number | null,
    lastRunAt: row.last_run_at as number | null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
    priority: Number(row.priority),
    concurrencyKey: row.concurrency_key as string | null,
    rateKey: row.rate_key as string | null,
  };
}

/**
 * @param row A row with the `JOB_SELECT` columns.
 * @returns The job.
 */
export function toJob(row: Row): JobRecord {
  return {
    id: row.id as string,
    task: row.task as string,
    scheduleId: row.schedule_id as string | null,
    scheduledAt: row.scheduled_at as number,
    runAt: row.run_at as number,
    status: row.status as JobRecord["status"],
    payload: row.payload as string,
    result: row.result as string | null,
    error: row.error_json === null ? null : JSON.parse(row.error_json as string),
    attempts: row.attempts as number,
    maxAttempts: row.max_attempts as number | null,
    timeout: row.timeout as number | null,
    resultTtl: row.result_ttl as number | null,
    concurrencyKey: row.concurrency_key as string | null,
    concurrencyLimit: row.concurrency_limit as number | null,
    progress: row.progress as string | null,
    cancelRequested: row.cancel_requested !== 0,
    leaseOwner: row.lease_owner as string | null,
    leaseUntil: row.lease_until as number | null,
    createdAt: row.created_at as number,
    startedAt: row.started_at as number | null,
    finishedAt: row.finished_at as number | null,
    expiresAt: row.expires_at as number | null,
    seq: Number(row.seq),
    priority: Number(row.priority),
    rateKey: row.rate_key as string | null,
    rateLimit: row.rate_limit as number | null,
    ratePeriod: row.rate_period as number | null,
    after: listOf(row.after_json),
    history: listOf(row.history_json),
  };
}

/** A JSON list column; most rows hold `[]`, which reads as the shared empty list, unparsed. */
function listOf<T>(text: SqlValue | undefined): readonly T[] {
  return text === "[]" ? NO_ITEMS : JSON.parse(text as string);
}
