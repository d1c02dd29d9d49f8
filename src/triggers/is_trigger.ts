/**
 * The {@linkcode isTrigger} type guard.
 * @module
 */

import type { Trigger } from "./types.ts";

const TYPES: readonly unknown[] = ["cron", "every", "at", "calendar", "anyOf", "allOf"];

/**
 * Whether a value implements {@linkcode Trigger}: a known `type` and the `nextMs`, `next`,
 * `nextRuns` and `toJSON` methods (so triggers from another copy of this module count too).
 *
 * @param value Any value.
 * @returns `true` for a trigger.
 * @example
 * ```ts
 * isTrigger(every("PT1M")); // true
 * isTrigger({ type: "cron" }); // false
 * ```
 */
export function isTrigger(value: unknown): value is Trigger {
  if (typeof value !== "object" || value === null) return false;
  const t = value as Record<string, unknown>;
  return TYPES.includes(t.type) && typeof t.nextMs === "function" &&
    typeof t.next === "function" && typeof t.nextRuns === "function" &&
    typeof t.toJSON === "function";
}
