/**
 * The handler-module descriptor of a task that runs in workers, its checks, the refusal for
 * runtimes without threads, and the wrapper that makes an executor an ordinary handler.
 * @module
 */

import type { TaskHandler } from "../types.ts";
import { checkKeys } from "../_keys.ts";
import { checkInt, describe } from "../_options.ts";
import type {
  Executor,
  ExecutorFactory,
  ResolvedHandlerModule,
  WorkerPoolOptions,
} from "./executor.ts";

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
