/**
 * Checks shared by several public operations: the one list contract of `listSchedules` and
 * `listJobs`, the bound on `nextRuns`, and the rule that an instant computed from "now" plus a
 * duration must itself be a representable instant before anything is written.
 * @module
 */

import { checkInt } from "../_options.ts";
import { MAX_PRIORITY, MIN_PRIORITY } from "../store/semantics.ts";
import { toEpochMs } from "../time.ts";

/** Default page size of `listSchedules` and `listJobs`. */
export const LIST_LIMIT_DEFAULT = 100;
/** Largest page `listSchedules` and `listJobs` return. */
export const LIST_LIMIT_MAX = 1000;
/** Largest `offset` (fits a 32-bit integer in every store). */
export const LIST_OFFSET_MAX = 2_147_483_647;
/** Most instants one `nextRuns` call computes. */
export const NEXT_RUNS_MAX = 1000;

/**
 * The list contract: `limit` an integer in 0..1000 (default 100), `offset` an integer in
 * 0..2^31-1 (default 0).
 * @returns The page bounds to pass to the store.
 */
export function checkPage(limit: unknown, offset: unknown): { limit: number; offset: number } {
  return {
    limit: checkBounded(limit ?? LIST_LIMIT_DEFAULT, "limit", LIST_LIMIT_MAX),
    offset: checkBounded(offset ?? 0, "offset", LIST_OFFSET_MAX),
  };
}

/** @returns `count` if it is an integer in 0..1000 (the `nextRuns` bound). */
export function checkNextRunsCount(count: unknown): number {
  return checkBounded(count, "count", NEXT_RUNS_MAX);
}

function checkBounded(value: unknown, name: string, max: number): number {
  const n = checkInt(value, name, 0);
  if (n > max) throw new RangeError(`Invalid ${name}: expected at most ${max}, got ${n}`);
  return n;
}

/**
 * The instant `ms` after `now`, checked like any instant the caller could pass, so a huge delay
 * or retention is refused here instead of being stored as a time no reader can convert.
 * @param now The current time (epoch ms).
 * @param ms A checked duration.
 * @param name The option the duration came from.
 * @returns `now + ms`.
 */
export function instantAfter(now: number, ms: number, name: string): number {
  return toEpochMs(now + ms, name);
}

/**
 * @param value Anything.
 * @param name The option's name, for the message.
 * @param min Smallest allowed.
 * @param max Largest allowed.
 * @returns `value` if it is an integer in `min..max`.
 */
export function checkIntIn(value: unknown, name: string, min: number, max: number): number {
  const n = checkInt(value, name, min);
  if (n > max) throw new RangeError(`Invalid ${name}: expected at most ${max}, got ${n}`);
  return n;
}

/** @returns `value` if it is an integer priority in -1000..1000. */
export function checkPriority(value: unknown): number {
  return checkIntIn(value, "priority", MIN_PRIORITY, MAX_PRIORITY);
}
