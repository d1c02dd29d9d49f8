/**
 * What crosses the Durable Object RPC boundary. RPC clones plain data only, and custom error
 * classes lose their identity on the way, so requests, results and errors travel as plain data
 * and are turned back into `Trigger`s, `Temporal.Instant`s and everywhen's error classes on the
 * client.
 * @module
 */

import {
  ConflictError,
  JobCancelledError,
  JobFailedError,
  LeaseLostError,
  NonRetryableError,
  NotFoundError,
  QueueFullError,
  ResultExpiredError,
  SchedulerStoppedError,
  TamperedRecordError,
  UnknownTaskError,
} from "../../src/errors.ts";
import type { OutputKind } from "../../src/admin/operations.ts";
import { Temporal } from "../../src/temporal.ts";
import { triggerFromJSON } from "../../src/triggers/mod.ts";
import type { JobInfo, ScheduleInfo } from "../../src/types.ts";

/** A call to the scheduler object: an admin operation and its input (see `src/admin/`). */
export interface WireRequest {
  /** The operation's name, e.g. `"enqueue"`. */
  op: string;
  /** Its input fields, as plain data. */
  input: Record<string, unknown>;
}

/** An error as plain data. */
export interface WireError {
  /** The error's `name`, e.g. `"RangeError"` or `"ConflictError"`. */
  name: string;
  /** The error's message. */
  message: string;
  /** `ConflictError.kind`, `NotFoundError.kind`: `"schedule"` or `"job"`. */
  kind?: string;
  /** The schedule id of schedule errors. */
  scheduleId?: string;
  /** `UnknownTaskError.task`. */
  task?: string;
  /** The job id of job errors. */
  jobId?: string;
  /** `JobFailedError.errorName`. */
  errorName?: string;
}

/** The answer to a {@linkcode WireRequest}. */
export type WireResponse = { ok: true; value: unknown } | { ok: false; error: WireError };

/** @returns The error as plain data. */
export function errorToWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const out: WireError = { name: error.name, message: error.message };
  for (const key of ["kind", "scheduleId", "task", "jobId", "errorName"] as const) {
    const v = (error as unknown as Record<string, unknown>)[key];
    if (typeof v === "string") out[key] = v;
  }
  return out;
}

/** @returns The error as the class it was thrown as, with the same message. */
export function errorFromWire(e: WireError): Error {
  const kind = e.kind === "job" ? "job" : "schedule";
  const id = e.scheduleId ?? e.jobId ?? "";
  let error: Error;
  switch (e.name) {
    case "TypeError":
      return new TypeError(e.message);
    case "RangeError":
      return new RangeError(e.message);
    case "SyntaxError":
      return new SyntaxError(e.message);
    case "ConflictError":
      return new ConflictError(kind, id);
    case "UnknownTaskError":
      error = new UnknownTaskError(e.task ?? "");
      break;
    case "NotFoundError":
      error = new NotFoundError(kind, id);
      break;
    case "QueueFullError":
      return new QueueFullError(e.message);
    case "SchedulerStoppedError":
      return new SchedulerStoppedError(e.message);
    case "JobFailedError":
      return new JobFailedError(id, e.errorName ?? "Error", e.message);
    case "JobCancelledError":
      error = new JobCancelledError(id);
      break;
    case "ResultExpiredError":
      error = new ResultExpiredError(id);
      break;
    case "NonRetryableError":
      return new NonRetryableError(e.message);
    case "TamperedRecordError":
      return new TamperedRecordError(e.message);
    case "LeaseLostError":
      error = new LeaseLostError(id);
      break;
    default:
      error = new Error(e.message);
      if (e.name !== "Error") error.name = e.name;
  }
  error.message = e.message;
  return error;
}

const SCHEDULE_TIMES = ["nextRunAt", "lastRunAt", "createdAt", "updatedAt"] as const;
const JOB_TIMES = [
  "scheduledAt",
  "runAt",
  "createdAt",
  "startedAt",
  "finishedAt",
  "expiresAt",
] as const;

function reviveTimes(record: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of keys) {
    const v = record[k];
    if (typeof v === "string") record[k] = Temporal.Instant.from(v);
  }
}

/** @returns A schedule read over RPC, with its live trigger and instants. */
export function scheduleFromWire(value: unknown): ScheduleInfo {
  const r = value as Record<string, unknown>;
  reviveTimes(r, SCHEDULE_TIMES);
  r.trigger = triggerFromJSON(r.trigger);
  return r as unknown as ScheduleInfo;
}

/** @returns A job read over RPC, with its instants. */
export function jobFromWire(value: unknown): JobInfo {
  const r = value as Record<string, unknown>;
  reviveTimes(r, JOB_TIMES);
  return r as unknown as JobInfo;
}

/**
 * Turns an operation's result, read over RPC, back into what the in-process method returns.
 * @param kind The operation's output kind.
 * @param value The plain result.
 * @param handle Makes the job handle of a job id.
 * @returns The result.
 */
export function outputFromWire(
  kind: OutputKind,
  value: unknown,
  handle: (id: string) => unknown,
): unknown {
  switch (kind) {
    case "schedule":
      return scheduleFromWire(value);
    case "schedule?":
      return value === null ? null : scheduleFromWire(value);
    case "schedules":
      return (value as unknown[]).map(scheduleFromWire);
    case "job?":
      return value === null ? null : jobFromWire(value);
    case "jobs":
      return (value as unknown[]).map(jobFromWire);
    case "handle":
      return handle(value as string);
    case "instants":
      return (value as string[]).map((s) => Temporal.Instant.from(s));
    case "value":
      return value;
  }
}
