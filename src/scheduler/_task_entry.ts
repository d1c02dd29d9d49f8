/**
 * Validating `task()` options into the entry the engine runs.
 * @module
 */

import { checkKeys } from "../_keys.ts";
import { checkBackoff, checkId, checkInt, durationOr } from "../_options.ts";
import type { TaskDefaults, TaskEntry } from "../engine/_tasks.ts";
import type { TaskHandler, TaskOptions } from "../types.ts";
import { DEFAULT_FAILED_TTL_MS } from "../store/semantics.ts";
import { checkIntIn, checkPriority, instantAfter } from "./_checks.ts";

const DAY_MS = 86_400_000;

const TASK_KEYS: readonly (keyof TaskOptions)[] = [
  "retries",
  "backoff",
  "timeout",
  "maxRunning",
  "resultTtl",
  "priority",
  "concurrency",
  "rateLimit",
  "deadLetter",
  "failedTtl",
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
    priority: o.priority === undefined ? 0 : checkPriority(o.priority),
    concurrency: checkConcurrency(o.concurrency),
    rateLimit: checkRateLimit(o.rateLimit),
    deadLetter: o.deadLetter === undefined ? null : checkId(o.deadLetter, "deadLetter"),
    failedTtl: checkFailedTtl(o.failedTtl, now),
  };
}

function checkFailedTtl(value: TaskOptions["failedTtl"], now: number): number {
  const ttl = durationOr(value, "failedTtl", DEFAULT_FAILED_TTL_MS);
  instantAfter(now, ttl, "failedTtl");
  return ttl;
}

function checkKeyFn(fn: unknown, name: string): (payload: never) => string {
  if (typeof fn !== "function") {
    throw new TypeError(`Invalid ${name}: expected a function of the payload`);
  }
  return fn as (payload: never) => string;
}

function checkConcurrency(value: TaskOptions["concurrency"]): TaskEntry["concurrency"] {
  if (value === undefined) return null;
  const o = checkKeys(value, ["key", "limit"], "concurrency options");
  return {
    key: checkKeyFn(o.key, "concurrency.key"),
    limit: checkIntIn(o.limit, "concurrency.limit", 1, 10_000),
  };
}

function checkRateLimit(value: TaskOptions["rateLimit"]): TaskEntry["rateLimit"] {
  if (value === undefined) return null;
  const o = checkKeys(value, ["limit", "period", "key"], "rateLimit options");
  const period = durationOr(o.period, "rateLimit.period", null);
  if (period === null || period < 1 || period > DAY_MS) {
    throw new RangeError(`Invalid rateLimit.period: ${period} ms (expected 1 ms to 1 day)`);
  }
  return {
    limit: checkIntIn(o.limit, "rateLimit.limit", 1, 1_000_000),
    period,
    key: o.key === undefined ? null : checkKeyFn(o.key, "rateLimit.key"),
  };
}
