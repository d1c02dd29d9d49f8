/**
 * The {@linkcode bindTrigger} function the scheduler uses at `schedule()` time.
 * @module
 */

import { toEpochMs, validateTimeZone } from "../time.ts";
import { BIND, type BindContext } from "./_base.ts";
import type { Trigger } from "./types.ts";

/** What a scheduler supplies to {@linkcode bindTrigger}. */
export interface TriggerContext {
  /** Zone for cron and calendar triggers created without `timezone`. */
  timezone: string;
  /** The scheduler clock's current time, in epoch ms. */
  nowMs: number;
}

/**
 * Makes a trigger concrete for a scheduler: cron and calendar triggers created without a
 * `timezone` take `context.timezone`; `every` without `startAt` first fires at
 * `nowMs + interval`; `calendar` without `startAt` anchors at `nowMs`. Recurses into `anyOf` and
 * `allOf`. The bound trigger's JSON carries the zone and anchor, so it round-trips exactly.
 * Triggers with nothing implicit, and triggers not made by this module, are returned as is.
 *
 * @param trigger The trigger.
 * @param context The scheduler's zone and clock.
 * @returns The bound trigger (possibly the same object).
 * @throws {TypeError | RangeError} For an invalid context.
 * @example
 * ```ts
 * const bound = bindTrigger(cron("0 9 * * *"), { timezone: "Asia/Tokyo", nowMs: 0 });
 * bound.toJSON(); // { v: 1, type: "cron", expression: "0 9 * * *", timezone: "Asia/Tokyo" }
 * ```
 */
export function bindTrigger(trigger: Trigger, context: TriggerContext): Trigger {
  if (typeof context !== "object" || context === null) {
    throw new TypeError(`Invalid trigger context: expected { timezone, nowMs }`);
  }
  const bound: BindContext = {
    timezone: validateTimeZone(context.timezone, "context.timezone"),
    nowMs: toEpochMs(context.nowMs, "context.nowMs"),
  };
  const bindable = trigger as Trigger & { [BIND]?: (context: BindContext) => Trigger };
  return typeof bindable[BIND] === "function" ? bindable[BIND](bound) : trigger;
}
