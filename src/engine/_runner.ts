/**
 * Running one claimed job: decode its payload, check the lease is still held, call the handler
 * with a context and enforce the timeout. The runner writes nothing: it resolves with the
 * attempt's outcome, which the outcome writer records. Whatever the handler throws becomes an
 * outcome, so a handler can never take the scheduler loop down.
 * @module
 */

import type { Clock } from "../clock.ts";
import { type Codec, payloadBinding, progressBinding, resultBinding } from "../codec.ts";
import {
  JobCancelledError,
  LeaseLostError,
  NonRetryableError,
  TamperedRecordError,
} from "../errors.ts";
import { assertJson, type JsonValue } from "../json.ts";
import { backoffDelay } from "../_options.ts";
import type { JobError, JobRecord, Store } from "../store/store.ts";
import { instantFromMs } from "../time.ts";
import type { Temporal } from "../temporal.ts";
import type { TaskContext } from "../types.ts";
import type { RunningJob } from "./_running.ts";
import type { EventSink } from "./_sink.ts";
import type { TaskEntry } from "./_tasks.ts";

/** How an attempt ended, before anything is written. */
export type RunOutcome =
  /** The lease was gone: another process may run the job; nothing is recorded here. */
  | { kind: "lost" }
  | ({ kind: "succeeded"; value: JsonValue; text: string; durationMs: number } & Final)
  | ({ kind: "failed" | "cancelled"; error: JobError; cause: Error } & Final)
  | { kind: "retry"; error: JobError; retryAt: number };

/** When a final outcome happened and when its record may go. */
export interface Final {
  finishedAt: number;
  expiresAt: number;
}

/** What the runner needs. */
export interface RunnerDeps {
  readonly clock: Clock;
  readonly codec: Codec;
  readonly owner: string;
  readonly random: () => number;
  readonly events: EventSink;
  /** Progress reports are written by the handler's own call, not as an outcome. */
  readonly store: Pick<Store, "setProgress">;
}

/**
 * Runs one attempt of a claimed job. With a synchronous codec (the default) the handler is
 * called before this returns, so jobs claimed together all start in the claim's turn instead of
 * each waiting behind the others' bookkeeping.
 * @returns The outcome; rejects only when the codec cannot encode the result.
 */
export function runJob(deps: RunnerDeps, task: TaskEntry, entry: RunningJob): Promise<RunOutcome> {
  const failed = (error: unknown) =>
    failureOutcome(entry.job, task, error, deps.clock.now(), deps.random);
  let payload: JsonValue | PromiseLike<JsonValue>;
  try {
    payload = decodePayload(deps, entry.job);
  } catch (error) {
    return Promise.resolve(failed(error));
  }
  if (!isThenable(payload)) return attempt(deps, task, entry, payload);
  return Promise.resolve(payload).then((p) => attempt(deps, task, entry, p), failed);
}

async function attempt(
  deps: RunnerDeps,
  task: TaskEntry,
  entry: RunningJob,
  payload: JsonValue,
): Promise<RunOutcome> {
  const job = entry.job;
  const timeout = job.timeout ?? task.timeout;
  let timer: unknown;
  let value: unknown;
  let startedAt = 0;
  try {
    // A process resumed after a stall (SIGSTOP, a long GC pause) may hold a claim whose lease
    // ran out meanwhile: another process may already run the job, so do not start it here.
    if (deps.clock.now() >= entry.leaseUntil) entry.abort(new LeaseLostError(job.id));
    if (entry.aborted) throw entry.reason;
    startedAt = deps.clock.now();
    deps.events.emit("job:started", () => ({
      jobId: job.id,
      task: job.task,
      scheduleId: job.scheduleId,
      attempt: job.attempts,
    }));
    if (timeout > 0) {
      timer = deps.clock.setTimer(() => {
        entry.abort(new DOMException(`Job timed out after ${timeout} ms`, "TimeoutError"));
      }, timeout);
    }
    const out = task.handler(payload as never, new Context(deps, entry));
    if (isThenable(out)) {
      const run = Promise.resolve(out);
      const aborted = entry.whenAborted();
      // Whichever loses the race must not surface as an unhandled rejection.
      run.catch(() => {});
      aborted.catch(() => {});
      value = await Promise.race([run, aborted]);
    } else {
      value = out;
    }
  } catch (error) {
    return failureOutcome(job, task, error, deps.clock.now(), deps.random);
  } finally {
    if (timer !== undefined) deps.clock.clearTimer(timer);
  }
  const now = deps.clock.now();
  let result: JsonValue;
  try {
    result = assertJson(value, "result");
  } catch (error) {
    const failure = new NonRetryableError((error as Error).message, { cause: error });
    return failureOutcome(job, task, failure, now, deps.random);
  }
  return {
    kind: "succeeded",
    value: result,
    text: await deps.codec.encode(result, resultBinding(job)),
    durationMs: now - startedAt,
    finishedAt: now,
    expiresAt: now + (job.resultTtl ?? task.resultTtl),
  };
}

/**
 * What a failed attempt leads to: nothing (lease lost), cancelled, a retry after backoff, or a
 * final failure. Pure apart from `random` (backoff jitter).
 * @param job The job as claimed (`attempts` counts this attempt).
 * @param task Its task's retry settings.
 * @param failure What the attempt threw or was aborted with.
 * @param now When the attempt ended.
 * @param random Jitter source.
 * @returns The outcome to record.
 */
export function failureOutcome(
  job: Pick<JobRecord, "attempts" | "maxAttempts" | "resultTtl">,
  task: Pick<TaskEntry, "retries" | "backoff" | "resultTtl" | "failedTtl">,
  failure: unknown,
  now: number,
  random: () => number,
): RunOutcome {
  if (failure instanceof LeaseLostError) return { kind: "lost" };
  const error = toJobError(failure);
  const finishedAt = now;
  // Failures have their own retention, so an operator still finds them days later.
  const expiresAt = now + task.failedTtl;
  const cause = failure instanceof Error ? failure : new Error(String(failure));
  if (failure instanceof JobCancelledError) {
    return { kind: "cancelled", error, cause, finishedAt, expiresAt };
  }
  const maxAttempts = job.maxAttempts ?? task.retries + 1;
  const final = failure instanceof NonRetryableError || failure instanceof TamperedRecordError ||
    job.attempts >= maxAttempts;
  if (final) return { kind: "failed", error, cause, finishedAt, expiresAt };
  return { kind: "retry", error, retryAt: now + backoffDelay(task.backoff, job.attempts, random) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** The job's payload: a value when the codec decodes synchronously, else a promise of it. */
function decodePayload(deps: RunnerDeps, job: JobRecord): JsonValue | PromiseLike<JsonValue> {
  const refuse = (cause: unknown): TamperedRecordError => {
    const error = new TamperedRecordError(
      `Refusing to run job ${JSON.stringify(job.id)}: its payload could not be decoded`,
      { cause },
    );
    deps.events.reportError(error, `decoding the payload of job ${job.id}`);
    return error;
  };
  let out: JsonValue | Promise<JsonValue>;
  try {
    out = deps.codec.decode(job.payload, payloadBinding(job));
  } catch (cause) {
    throw refuse(cause);
  }
  if (!isThenable(out)) return out;
  return Promise.resolve(out).catch((cause: unknown) => {
    throw refuse(cause);
  });
}

/** Turns anything thrown into the recorded error shape. */
export function toJobError(error: unknown): JobError {
  if (error instanceof Error || error instanceof DOMException) {
    const out: JobError = { name: error.name, message: error.message };
    if (error.stack !== undefined) out.stack = error.stack;
    return out;
  }
  return { name: "Error", message: String(error) };
}

class Context implements TaskContext {
  #deps: RunnerDeps;
  #entry: RunningJob;

  constructor(deps: RunnerDeps, entry: RunningJob) {
    this.#deps = deps;
    this.#entry = entry;
  }

  get signal(): AbortSignal {
    return this.#entry.signal;
  }

  get jobId(): string {
    return this.#entry.job.id;
  }

  get scheduleId(): string | null {
    return this.#entry.job.scheduleId;
  }

  get scheduledAt(): Temporal.Instant {
    return instantFromMs(this.#entry.job.scheduledAt);
  }

  get attempt(): number {
    return this.#entry.job.attempts;
  }

  async progress(value: JsonValue): Promise<void> {
    const checked = assertJson(value, "progress");
    const deps = this.#deps;
    const job = this.#entry.job;
    const text = await deps.codec.encode(checked, progressBinding(job));
    if (await deps.store.setProgress(job.id, deps.owner, text)) {
      deps.events.emit("job:progress", () => ({
        jobId: job.id,
        task: job.task,
        scheduleId: job.scheduleId,
        progress: checked,
      }));
    }
  }
}
