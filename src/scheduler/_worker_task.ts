/**
 * Turning a task registered with a handler-module descriptor into an ordinary task: the
 * executor (a worker pool built by the runtime's factory) is wrapped as a handler, so the runner
 * applies retries, timeouts, limits and events unchanged (docs/workers.md).
 * @module
 */

import type { Executor, ExecutorFactory } from "../engine/executor.ts";
import {
  checkHandlerModule,
  checkWorkerPoolOptions,
  executorHandler,
  isHandlerModule,
} from "../engine/handler_module.ts";
import { checkId, durationOr } from "../_options.ts";
import { checkKeys } from "../_keys.ts";
import { TASK_KEYS } from "./_task_entry.ts";
import type { TaskHandler, TaskOptions } from "../types.ts";

/** A task's handler as the registry keeps it, and its executor when it runs in workers. */
export interface ResolvedTaskHandler {
  handler: TaskHandler<never, unknown>;
  options: TaskOptions | undefined;
  executor: Executor | null;
}

/**
 * Resolves what `scheduler.task(name, handler, options)` was given.
 * @param name The task's name.
 * @param handler A function, or a handler-module descriptor `{ module, export? }`.
 * @param options The task options (`workers` and `abortGrace` are read here).
 * @param factory The scheduler's `executor` option.
 * @returns The handler to register, the options with `maxRunning` capped by `workers`, and the
 * executor (`null` for an in-process handler).
 */
export function resolveTaskHandler(
  name: string,
  handler: unknown,
  options: TaskOptions | undefined,
  factory: ExecutorFactory | undefined,
): ResolvedTaskHandler {
  checkId(name, "task name");
  const quoted = JSON.stringify(name);
  checkKeys(options, TASK_KEYS, "task options");
  if (!isHandlerModule(handler)) {
    if (options?.workers !== undefined || options?.abortGrace !== undefined) {
      throw new TypeError(
        `Invalid handler for task ${quoted}: "workers" and "abortGrace" need a handler module, got a function (pass { module: new URL("./handler.ts", import.meta.url), export: "name" })`,
      );
    }
    return { handler: handler as TaskHandler<never, unknown>, options, executor: null };
  }
  const module = checkHandlerModule(handler, name);
  const pool = checkWorkerPoolOptions({
    workers: options?.workers ?? 1,
    abortGrace: durationOr(options?.abortGrace, "abortGrace", 5000),
  });
  if (factory === undefined) {
    throw new TypeError(
      `Cannot run task ${quoted} in workers: this scheduler has no executor (pass executor: workerExecutor from "@everywhen/everywhen/workers" to new Scheduler())`,
    );
  }
  const executor = factory(name, module, pool);
  const given = options?.maxRunning;
  // A malformed maxRunning passes through, for the task-entry check to refuse.
  const maxRunning = typeof given === "number" ? Math.min(given, pool.workers) : given ??
    pool.workers;
  return {
    handler: executorHandler(name, executor) as TaskHandler<never, unknown>,
    options: { ...options, maxRunning },
    executor,
  };
}
