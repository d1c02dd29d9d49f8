/**
 * Validating `task()` options into the entry the engine runs.
 * @module
 */

import { checkKeys } from "../_keys.ts";
import { checkBackoff, checkId, checkInt, durationOr } from "../_options.ts";
import type { TaskDefaults, TaskEntry } from "../engine/_tasks.ts";
import type { TaskHandler, TaskOptions } from "../types.ts";
import { instantAfter } from "./_checks.ts";

/** Every key of `task()` options. */
export const TASK_KEYS: readonly (keyof TaskOptions)[] = [
  "retries",
  "backoff",
  "timeout",
  "maxRunning",
  "resultTtl",
  // Read by ./_worker_task.ts before the entry is built.
  "workers",
  "abortGrace",
];

/** Every key of `backoff` options. */
export const BACKOFF_KEYS: readonly string[] = ["initial", "max", "factor", "jitter"];

/**
 * @param name Task name.
 * @param handler The handler.
 * @param options What the caller passed.
 * @param defaults Scheduler-wide task defaults.
 * @param now The current time (retention must stay within representable instants).
 * @returns The validated entry, not yet running anything.
 */
export function taskEntry(
  name: string,
  handler: TaskHandler<never, unknown>,
  options: TaskOptions | undefined,
  defaults: TaskDefaults,
  now: number,
): TaskEntry {
  checkId(name, "task name");
  if (typeof handler !== "function") {
    throw new TypeError(`Invalid handler for task ${JSON.stringify(name)}: expected a function`);
  }
  const o = checkKeys(options, TASK_KEYS, "task options");
  const resultTtl = durationOr(o.resultTtl, "resultTtl", defaults.resultTtl);
  instantAfter(now, resultTtl, "resultTtl");
  const backoff = o.backoff === undefined
    ? defaults.backoff
    : checkBackoff(checkKeys(o.backoff, BACKOFF_KEYS, "backoff options"));
  // A retry is due `max` after a failure at the latest: that must be an instant too.
  instantAfter(now, backoff.max, "backoff.max");
  return {
    name,
    handler,
    retries: checkInt(o.retries ?? defaults.retries, "retries", 0),
    backoff,
    timeout: durationOr(o.timeout, "timeout", defaults.timeout),
    maxRunning: checkInt(o.maxRunning ?? Infinity, "maxRunning", 1, true),
    resultTtl,
    running: 0,
  };
}
