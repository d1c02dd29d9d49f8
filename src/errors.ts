/**
 * Error classes that callers catch. Wrong shapes raise `TypeError`, out-of-range values
 * `RangeError`, unparsable cron or duration text `SyntaxError`; the classes below exist only for
 * conditions a caller reacts to. Every one extends {@linkcode EverywhenError} and carries a stable
 * `code`, so callers (and remote clients that only see a name and a code) can branch on it.
 * @module
 */

/** Options shared by everywhen's error classes. */
export interface EverywhenErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** The stable codes of everywhen's errors, one per class. */
export type EverywhenErrorCode =
  | "CONFLICT"
  | "UNKNOWN_TASK"
  | "NOT_FOUND"
  | "NON_RETRYABLE"
  | "JOB_FAILED"
  | "JOB_CANCELLED"
  | "RESULT_EXPIRED"
  | "QUEUE_FULL"
  | "SCHEDULER_STOPPED"
  | "TAMPERED_RECORD"
  | "LEASE_LOST";

/** What an id names: a schedule or a job. */
export type RecordKind = "schedule" | "job";

/**
 * The base class of everywhen's own errors.
 *
 * @example
 * ```ts
 * import { EverywhenError } from "@everywhen/everywhen";
 * try {
 *   throw new EverywhenError("QUEUE_FULL", "Cannot enqueue: the queue is full");
 * } catch (error) {
 *   if (error instanceof EverywhenError && error.code === "QUEUE_FULL") console.log("later");
 * }
 * ```
 */
export class EverywhenError extends Error {
  /** `"EverywhenError"`, or the subclass's name. */
  override name = "EverywhenError";
  /** A stable code naming the condition, e.g. `"NOT_FOUND"`. */
  readonly code: EverywhenErrorCode;
  /**
   * Creates an error with a code.
   * @param code The condition's stable code.
   * @param message What happened, and the fix when there is one.
   * @param options The underlying `cause`, if any.
   */
  constructor(code: EverywhenErrorCode, message: string, options?: EverywhenErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

function idsOf(kind: RecordKind, id: string): { scheduleId: string | null; jobId: string | null } {
  return kind === "schedule" ? { scheduleId: id, jobId: null } : { scheduleId: null, jobId: id };
}

const title = (kind: RecordKind): string => kind === "schedule" ? "Schedule" : "Job";

/** A schedule or job with the same id already exists (`ifExists: "error"`). */
export class ConflictError extends EverywhenError {
  /** Always `"ConflictError"`. */
  override name = "ConflictError";
  /** Whether a schedule or a job id conflicted. */
  readonly kind: RecordKind;
  /** The schedule id that already exists; `null` for a job conflict. */
  readonly scheduleId: string | null;
  /** The job id that already exists; `null` for a schedule conflict. */
  readonly jobId: string | null;
  /**
   * Creates the error; the message reads e.g.
   * `Schedule already exists: "daily" (pass ifExists: "replace" or "keep")`.
   * @param kind `"schedule"` or `"job"`.
   * @param id The conflicting id.
   * @param options The underlying `cause`, if any.
   */
  constructor(kind: RecordKind, id: string, options?: EverywhenErrorOptions) {
    super(
      "CONFLICT",
      `${title(kind)} already exists: ${JSON.stringify(id)} (pass ifExists: "replace" or "keep")`,
      options,
    );
    this.kind = kind;
    const ids = idsOf(kind, id);
    this.scheduleId = ids.scheduleId;
    this.jobId = ids.jobId;
  }
}

/** No task with this name is registered on the scheduler. */
export class UnknownTaskError extends EverywhenError {
  /** Always `"UnknownTaskError"`. */
  override name = "UnknownTaskError";
  /** The task name that was not found. */
  readonly task: string;
  /**
   * Creates the error; the message names the task and says to register it.
   * @param task The unknown task name.
   * @param options The underlying `cause`, if any.
   */
  constructor(task: string, options?: EverywhenErrorOptions) {
    super(
      "UNKNOWN_TASK",
      `Unknown task: ${JSON.stringify(task)} (register it with scheduler.task() first)`,
      options,
    );
    this.task = task;
  }
}

/** A schedule or job id that does not exist. */
export class NotFoundError extends EverywhenError {
  /** Always `"NotFoundError"`. */
  override name = "NotFoundError";
  /** Whether a schedule or a job was not found. */
  readonly kind: RecordKind;
  /** The missing schedule id; `null` when a job was not found. */
  readonly scheduleId: string | null;
  /** The missing job id; `null` when a schedule was not found. */
  readonly jobId: string | null;
  /**
   * Creates the error; the message reads e.g. `Schedule not found: "daily"`.
   * @param kind `"schedule"` or `"job"`.
   * @param id The missing id.
   * @param options The underlying `cause`, if any.
   */
  constructor(kind: RecordKind, id: string, options?: EverywhenErrorOptions) {
    super("NOT_FOUND", `${title(kind)} not found: ${JSON.stringify(id)}`, options);
    this.kind = kind;
    const ids = idsOf(kind, id);
    this.scheduleId = ids.scheduleId;
    this.jobId = ids.jobId;
  }
}

/**
 * Thrown by a handler to fail its job at once, without the retries its task allows.
 *
 * @example
 * ```ts
 * import { NonRetryableError } from "@everywhen/everywhen";
 * throw new NonRetryableError("Recipient address is invalid");
 * ```
 */
export class NonRetryableError extends EverywhenError {
  /** Always `"NonRetryableError"`. */
  override name = "NonRetryableError";
  /**
   * Creates the error.
   * @param message Why the job cannot succeed.
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, options?: EverywhenErrorOptions) {
    super("NON_RETRYABLE", message, options);
  }
}

/** A job failed; `result()` rejects with this, carrying the recorded error's name and message. */
export class JobFailedError extends EverywhenError {
  /** Always `"JobFailedError"`. */
  override name = "JobFailedError";
  /** The job's id. */
  readonly jobId: string;
  /** The name of the error the handler threw (e.g. `TypeError`). */
  readonly errorName: string;
  /**
   * Creates the error from the failed job's recorded error.
   * @param jobId The failed job's id.
   * @param errorName Name of the handler's error.
   * @param message Message of the handler's error.
   * @param options The underlying `cause`, if any (the handler's original error in-process).
   */
  constructor(jobId: string, errorName: string, message: string, options?: EverywhenErrorOptions) {
    super("JOB_FAILED", message, options);
    this.jobId = jobId;
    this.errorName = errorName;
  }
}

/** A job was cancelled (by `cancelJob`, or by shutdown past its grace period). */
export class JobCancelledError extends EverywhenError {
  /** Always `"JobCancelledError"`. */
  override name = "JobCancelledError";
  /** The job's id. */
  readonly jobId: string;
  /**
   * Creates the error for a cancelled job.
   * @param jobId The cancelled job's id.
   * @param options The underlying `cause`, if any.
   */
  constructor(jobId: string, options?: EverywhenErrorOptions) {
    super("JOB_CANCELLED", `Job was cancelled: ${JSON.stringify(jobId)}`, options);
    this.jobId = jobId;
  }
}

/** The job's result is no longer stored: its `resultTtl` passed and it was cleaned up. */
export class ResultExpiredError extends EverywhenError {
  /** Always `"ResultExpiredError"`. */
  override name = "ResultExpiredError";
  /** The job's id. */
  readonly jobId: string;
  /**
   * Creates the error; the message suggests raising `resultTtl`.
   * @param jobId The job whose result expired.
   * @param options The underlying `cause`, if any.
   */
  constructor(jobId: string, options?: EverywhenErrorOptions) {
    super(
      "RESULT_EXPIRED",
      `Job result is no longer available: ${
        JSON.stringify(jobId)
      } (it expired after its resultTtl; raise resultTtl to keep results longer)`,
      options,
    );
    this.jobId = jobId;
  }
}

/** The pending queue is full (`maxPending`); the job was not enqueued. */
export class QueueFullError extends EverywhenError {
  /** Always `"QueueFullError"`. */
  override name = "QueueFullError";
  /**
   * Creates the error.
   * @param message How full the queue is and which limit applies.
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, options?: EverywhenErrorOptions) {
    super("QUEUE_FULL", message, options);
  }
}

/** The scheduler was stopped; the call needs a running or startable scheduler. */
export class SchedulerStoppedError extends EverywhenError {
  /** Always `"SchedulerStoppedError"`. */
  override name = "SchedulerStoppedError";
  /**
   * Creates the error.
   * @param message What could not be done, and what to do instead.
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, options?: EverywhenErrorOptions) {
    super("SCHEDULER_STOPPED", message, options);
  }
}

/** A stored record could not be decrypted or failed its integrity check; it is not run. */
export class TamperedRecordError extends EverywhenError {
  /** Always `"TamperedRecordError"`. */
  override name = "TamperedRecordError";
  /**
   * Creates the error.
   * @param message Which record failed, and how.
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, options?: EverywhenErrorOptions) {
    super("TAMPERED_RECORD", message, options);
  }
}

/**
 * This process lost the lease on a running job (it stalled past `leaseTime` and another process
 * took the job over); the handler's `ctx.signal` aborts with it and the outcome is not recorded.
 */
export class LeaseLostError extends EverywhenError {
  /** Always `"LeaseLostError"`. */
  override name = "LeaseLostError";
  /** The job's id. */
  readonly jobId: string;
  /**
   * Creates the error for a job whose lease was lost.
   * @param jobId The job's id.
   * @param options The underlying `cause`, if any.
   */
  constructor(jobId: string, options?: EverywhenErrorOptions) {
    super("LEASE_LOST", `Lost the lease on job ${JSON.stringify(jobId)}`, options);
    this.jobId = jobId;
  }
}
