/**
 * The Executor port: where a task's handler runs. The runner hands it one attempt at a time
 * (payload in, result out, as JSON) with the attempt's signal and a progress sink; an in-process
 * handler needs no executor, a task registered with `{ workers: n }` gets a pool of workers that
 * load the handler module named by a {@linkcode HandlerModule} descriptor.
 * @module
 */

import type { JsonValue } from "../json.ts";
import type { TaskHandler } from "../types.ts";
import { checkKeys } from "../_keys.ts";
import { checkInt, describe } from "../_options.ts";

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

/** Where a worker-run handler lives: a module and the name of the function it exports. */
export interface HandlerModule {
  /** The module's URL, e.g. `new URL("./resize.ts", import.meta.url)`, or its URL text. */
  module: URL | string;
  /**
   * The exported handler `(payload, ctx) => result`.
   * @default "default"
   */
  export?: string;
}

/** A checked {@linkcode HandlerModule}: an absolute URL and an export name. */
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

/**
 * Wraps an executor as an ordinary handler, so the runner runs a worker task exactly like an
 * in-process one: retries, timeouts, concurrency limits and events apply unchanged, and the
 * context's signal and progress are forwarded to the worker.
 * @param task The task's name.
 * @param executor The task's executor.
 * @returns A handler that runs each attempt through `executor`.
 */
export function executorHandler(task: string, executor: Executor): TaskHandler {
  return (payload, ctx) =>
    executor.run({
      jobId: ctx.jobId,
      task,
      scheduleId: ctx.scheduleId,
      attempt: ctx.attempt,
      scheduledAt: ctx.scheduledAt.epochMilliseconds,
      payload,
    }, { signal: ctx.signal, progress: (value) => ctx.progress(value) });
}

const HANDLER_MODULE_KEYS = ["module", "export"] as const;

/**
 * Checks a handler-module descriptor.
 * @param value What the caller passed as the task's handler.
 * @param task The task's name, for messages.
 * @returns The module's absolute URL and export name.
 * @example
 * ```ts
 * checkHandlerModule({ module: new URL("file:///app/resize.ts") }, "resize");
 * ```
 */
export function checkHandlerModule(value: HandlerModule, task: string): ResolvedHandlerModule {
  const what = `handler module of task ${JSON.stringify(task)}`;
  const { module, export: name = "default" } = checkKeys(value, HANDLER_MODULE_KEYS, what);
  let url: URL;
  if (module instanceof URL) url = module;
  else if (typeof module === "string" && URL.canParse(module)) url = new URL(module);
  else {
    throw new TypeError(
      `Invalid ${what}: "module" must be a URL or an absolute URL string, got ${
        describe(module)
      } (use new URL("./handler.ts", import.meta.url))`,
    );
  }
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(
      `Invalid ${what}: "export" must be a non-empty string, got ${describe(name)}`,
    );
  }
  return { url: url.href, export: name };
}

/** @returns `true` if `value` looks like a handler-module descriptor rather than a function. */
export function isHandlerModule(value: unknown): value is HandlerModule {
  return typeof value === "object" && value !== null && "module" in value;
}

const POOL_OPTION_KEYS = ["workers", "abortGrace"] as const;

/** Checks worker-pool options; `workers` is an integer >= 1. */
export function checkWorkerPoolOptions(value: WorkerPoolOptions): Required<WorkerPoolOptions> {
  const { workers, abortGrace = 5000 } = checkKeys(value, POOL_OPTION_KEYS, "worker options");
  return {
    workers: checkInt(workers, "workers", 1),
    abortGrace: checkInt(abortGrace, "abortGrace", 0),
  };
}

/**
 * The factory for runtimes without threads (Cloudflare Workers): refuses every task that asks
 * for workers, at registration.
 */
export const noWorkers: ExecutorFactory = (task) => {
  throw new TypeError(
    `Cannot run task ${
      JSON.stringify(task)
    } in workers: this runtime has no threads (Cloudflare Workers); register it with an in-process handler instead`,
  );
};
