/**
 * Running one claimed job: decode its payload, call the handler with a context, enforce the
 * timeout, and record the outcome (success, retry with backoff, failure or cancellation).
 * Nothing here throws: every path ends in a store write and an event, so a handler can never
 * take the scheduler loop down.
 * @module
 */

import type { Clock } from "./clock.ts";
import type { Codec } from "./codec.ts";
import {
  JobCancelledError,
  LeaseLostError,
  NonRetryableError,
  TamperedRecordError,
} from "./errors.ts";
import type { SchedulerEventMap } from "./events.ts";
import { assertJson, type JsonValue } from "./json.ts";
import { type Backoff, backoffDelay } from "./_options.ts";
import type { JobError, JobOutcome, JobRecord, Store } from "./store/store.ts";
import { instantFromMs } from "./time.ts";
import type { Temporal } from "./temporal.ts";
import type { TaskContext, TaskHandler } from "./types.ts";
import { payloadContext } from "./_records.ts";

/** A registered task with validated options. */
export interface TaskEntry {
  name: string;
  handler: TaskHandler<never, unknown>;
  retries: number;
  backoff: Backoff;
  /** Milliseconds per attempt; 0 for none. */
  timeout: number;
  maxInstances: number;
  resultTtl: number;
  running: number;
}

/** How a job ended, as told to `result()` waiters in this process. */
export type Settlement = { ok: true; value: JsonValue } | { ok: false; error: Error };

/** What the runner needs from the scheduler. */
export interface RunnerHost {
  readonly store: Store;
  readonly clock: Clock;
  readonly codec: Codec;
  readonly owner: string;
  readonly random: () => number;
  emit<K extends keyof SchedulerEventMap>(type: K, detail: () => SchedulerEventMap[K]): void;
  settle(jobId: string, settlement: Settlement): void;
  /** Records how a held job ended (possibly batched with others); `false` if the lease was lost. */
  finish(jobId: string, outcome: JobOutcome): Promise<boolean>;
  reportError(error: unknown, context: string): void;
}

/**
 * A job running in this process. Its `AbortController` is created only when the handler reads
 * `ctx.signal` or something aborts the job: most handlers never look, and a controller per job
 * is a measurable share of the cost of a short job.
 */
export class RunningJob {
  readonly job: JobRecord;
  done: Promise<void> = Promise.resolve();
  #controller: AbortController | null = null;
  #reason: unknown = undefined;
  #aborted = false;
  #onAbort: ((reason: unknown) => void) | null = null;

  /** @param job The claimed job. */
  constructor(job: JobRecord) {
    this.job = job;
  }

  /** The signal handed to the handler. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether `abort` was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Aborts the job: its signal fires and the attempt ends with `reason`. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#onAbort?.(reason);
  }

  /** A promise that rejects with the abort reason (created on demand). */
  aborted$(): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.#aborted) reject(this.#reason);
      else this.#onAbort = reject;
    });
  }
}

/**
 * Starts a claimed job. The returned entry's `done` resolves (never rejects) once the outcome
 * is recorded.
 */
export function startJob(host: RunnerHost, task: TaskEntry, job: JobRecord): RunningJob {
  const entry = new RunningJob(job);
  entry.done = execute(host, task, entry).catch((error) =>
    host.reportError(error, `recording the outcome of job ${job.id}`)
  );
  return entry;
}

async function execute(host: RunnerHost, task: TaskEntry, entry: RunningJob): Promise<void> {
  const job = entry.job;
  const base = { jobId: job.id, task: job.task, scheduleId: job.scheduleId };
  const startedAt = host.clock.now();
  host.emit("job:started", () => ({ ...base, attempt: job.attempts }));
  const maxAttempts = job.maxAttempts ?? task.retries + 1;
  const timeout = job.timeout ?? task.timeout;
  const ttl = job.resultTtl ?? task.resultTtl;
  let timer: unknown;
  let value: unknown;
  let failure: unknown;
  let failed = false;
  try {
    const payload = await decodePayload(host, job);
    if (timeout > 0) {
      timer = host.clock.setTimer(() => {
        entry.abort(new DOMException(`Job timed out after ${timeout} ms`, "TimeoutError"));
      }, timeout);
    }
    const out = task.handler(payload as never, new Context(host, entry));
    if (isThenable(out)) {
      const run = Promise.resolve(out);
      const aborted = entry.aborted$();
      // Whichever loses the race must not surface as an unhandled rejection.
      run.catch(() => {});
      aborted.catch(() => {});
      value = await Promise.race([run, aborted]);
    } else {
      value = out;
    }
  } catch (error) {
    failed = true;
    failure = error;
  } finally {
    if (timer !== undefined) host.clock.clearTimer(timer);
  }
  if (failure instanceof LeaseLostError) return;
  const now = host.clock.now();
  const expiresAt = now + ttl;
  if (!failed) {
    let result: JsonValue;
    try {
      result = assertJson(value, "result");
    } catch (error) {
      failed = true;
      failure = new NonRetryableError((error as Error).message, { cause: error });
    }
    if (!failed) {
      const text = await host.codec.encode(result!, job.id);
      if (await host.finish(job.id, finished("succeeded", text, null))) {
        host.emit("job:succeeded", () => ({
          ...base,
          attempt: job.attempts,
          result: result!,
          durationMs: now - startedAt,
        }));
        host.settle(job.id, { ok: true, value: result! });
      }
      return;
    }
  }
  const error = toJobError(failure);
  if (failure instanceof JobCancelledError) {
    if (await host.finish(job.id, finished("cancelled", null, error))) {
      host.emit("job:cancelled", () => base);
      host.settle(job.id, { ok: false, error: failure });
    }
    return;
  }
  const retryable = !(failure instanceof NonRetryableError) &&
    !(failure instanceof TamperedRecordError) && job.attempts < maxAttempts;
  if (retryable) {
    const retryAt = now + backoffDelay(task.backoff, job.attempts, host.random);
    if (await host.store.retryJob(job.id, host.owner, retryAt, error)) {
      host.emit("job:retrying", () => ({
        ...base,
        attempt: job.attempts,
        error,
        retryAt: instantFromMs(retryAt),
      }));
    }
    return;
  }
  if (await host.finish(job.id, finished("failed", null, error))) {
    host.emit("job:failed", () => ({ ...base, attempt: job.attempts, error }));
    host.settle(job.id, { ok: false, error: failure as Error });
  }

  function finished(
    status: "succeeded" | "failed" | "cancelled",
    result: string | null,
    error: JobError | null,
  ) {
    return { status, result, error, finishedAt: now, expiresAt };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

async function decodePayload(host: RunnerHost, job: JobRecord): Promise<JsonValue> {
  try {
    return await host.codec.decode(job.payload, payloadContext(job));
  } catch (cause) {
    const error = new TamperedRecordError(
      `Refusing to run job ${JSON.stringify(job.id)}: its payload could not be decoded`,
      { cause },
    );
    host.reportError(error, `decoding the payload of job ${job.id}`);
    throw error;
  }
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
  #host: RunnerHost;
  #entry: RunningJob;

  constructor(host: RunnerHost, entry: RunningJob) {
    this.#host = host;
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
    const host = this.#host;
    const job = this.#entry.job;
    const text = await host.codec.encode(checked, job.id);
    if (await host.store.setProgress(job.id, host.owner, text)) {
      host.emit("job:progress", () => ({
        jobId: job.id,
        task: job.task,
        scheduleId: job.scheduleId,
        progress: checked,
      }));
    }
  }
}
