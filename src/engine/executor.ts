/**
 * The Executor port: where a task's handler runs. The runner hands it one attempt at a time
 * (payload in, result out, as JSON) with the attempt's signal and a progress sink; an in-process
 * handler needs no executor, a task registered with `{ workers: n }` gets a pool of workers that
 * load the handler module named by a descriptor (src/engine/handler_module.ts).
 *
 * This file holds types only: the worker side imports it, and under `deno test` every worker
 * type-checks its module graph as it starts, so that graph stays small.
 * @module
 */

import type { JsonValue } from "../json.ts";

/** One attempt of a job, as an executor sees it. Everything in it is plain data. */
export interface ExecutorJob {
  /** The job's id (stable across retries). */
  jobId: string;
  /** The task's name. */
  task: string;
  /** The schedule that created the job, or `null` for an enqueued job. */
  scheduleId: string | null;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  attempt: number;
  /** The fire instant or requested run time, in epoch milliseconds. */
  scheduledAt: number;
  /** The job's payload. */
  payload: JsonValue;
}

/** What the runner lends an executor for one attempt. */
export interface ExecutorHooks {
  /** Aborts on timeout, cancellation, lease loss and shutdown; the executor forwards it. */
  signal: AbortSignal;
  /** Receives every `ctx.progress(value)` of the handler, in order. */
  progress(value: JsonValue): void | Promise<void>;
}

/** Runs attempts of one task somewhere other than the calling event loop. */
export interface Executor {
  /**
   * Runs one attempt.
   * @returns The handler's result; rejects with the handler's error (same `name`, `message`,
   * `stack`; a `NonRetryableError` stays one), with `signal.reason` when the attempt was aborted
   * and the handler did not settle within the executor's grace, or with an `Error` naming the
   * task and module when the worker crashed or the module did not load.
   */
  run(job: ExecutorJob, hooks: ExecutorHooks): Promise<JsonValue>;
  /** Loads the handler module once (starting a worker), so a broken module fails early. */
  check(): Promise<void>;
  /**
   * Stops taking attempts, lets running and queued ones finish for up to `grace` ms, then
   * terminates every worker (unfinished attempts reject).
   */
  close(grace: number): Promise<void>;
}

/** A checked handler-module descriptor: an absolute URL and an export name. */
export interface ResolvedHandlerModule {
  /** The module's absolute URL. */
  url: string;
  /** The exported function's name. */
  export: string;
}

/** Options of a task that runs in workers. */
export interface WorkerPoolOptions {
  /** How many workers may run this task's attempts at once (started lazily). */
  workers: number;
  /**
   * How long a handler may ignore an aborted `ctx.signal` before its worker is terminated and
   * replaced, in ms.
   * @default 5000
   */
  abortGrace?: number;
}

/**
 * Builds the executor of one task. Adapters supply it per runtime; it is called when the task is
 * registered, so a runtime without threads refuses there.
 */
export type ExecutorFactory = (
  task: string,
  handler: ResolvedHandlerModule,
  options: WorkerPoolOptions,
) => Executor;
