/**
 * Error classes that callers catch. Wrong shapes raise `TypeError`, out-of-range values
 * `RangeError`, unparsable cron or duration text `SyntaxError`; the classes below exist only for
 * conditions a caller reacts to.
 * @module
 */

/** Options shared by everywhen's error classes. */
export interface EverywhenErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** A schedule or job with the same id already exists (`ifExists: "error"`). */
export class ConflictError extends Error {
  /** Always `"ConflictError"`. */
  override name = "ConflictError";
  /** The id that already exists. */
  readonly id: string;
  /**
   * Creates the error for an id that already exists.
   * @param id The conflicting id.
   * @param message What conflicted.
   * @param options The underlying `cause`, if any.
   */
  constructor(id: string, message: string, options?: EverywhenErrorOptions) {
    super(message, options);
    this.id = id;
  }
}

/** No task with this name is registered on the scheduler. */
export class UnknownTaskError extends Error {
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
      `Unknown task: ${JSON.stringify(task)} (register it with scheduler.task() first)`,
      options,
    );
    this.task = task;
  }
}

/** A schedule or job id that does not exist. */
export class NotFoundError extends Error {
  /** Always `"NotFoundError"`. */
  override name = "NotFoundError";
  /** The id that was not found. */
  readonly id: string;
  /**
   * Creates the error; the message reads e.g. `Schedule not found: "daily"`.
   * @param kind "Schedule" or "Job".
   * @param id The missing id.
   * @param options The underlying `cause`, if any.
   */
  constructor(kind: "Schedule" | "Job", id: string, options?: EverywhenErrorOptions) {
    super(`${kind} not found: ${JSON.stringify(id)}`, options);
    this.id = id;
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
export class NonRetryableError extends Error {
  /** Always `"NonRetryableError"`. */
  override name = "NonRetryableError";
}

/** A job failed; `result()` rejects with this, carrying the recorded error's name and message. */
export class JobFailedError extends Error {
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
    super(message, options);
    this.jobId = jobId;
    this.errorName = errorName;
  }
}

/** A job was cancelled (by `cancelJob`, or by shutdown past its grace period). */
export class JobCancelledError extends Error {
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
    super(`Job was cancelled: ${JSON.stringify(jobId)}`, options);
    this.jobId = jobId;
  }
}

/** The job's result is no longer stored: its `resultTtl` passed and it was cleaned up. */
export class ResultExpiredError extends Error {
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
      `Job result is no longer available: ${
        JSON.stringify(jobId)
      } (it expired after its resultTtl; raise resultTtl to keep results longer)`,
      options,
    );
    this.jobId = jobId;
  }
}

/** The pending queue is full (`maxPending`); the job was not enqueued. */
export class QueueFullError extends Error {
  /** Always `"QueueFullError"`. */
  override name = "QueueFullError";
}

/** The scheduler was stopped; the call needs a running or startable scheduler. */
export class SchedulerStoppedError extends Error {
  /** Always `"SchedulerStoppedError"`. */
  override name = "SchedulerStoppedError";
}

/** A stored record could not be decrypted or failed its integrity check; it is not run. */
export class TamperedRecordError extends Error {
  /** Always `"TamperedRecordError"`. */
  override name = "TamperedRecordError";
}
