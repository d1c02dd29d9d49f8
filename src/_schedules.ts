/**
 * Building a validated `ScheduleRecord` from user options. All checks happen here, before
 * anything is written, so a bad option leaves the store untouched.
 * @module
 */

import type { Codec } from "./codec.ts";
import { assertJson } from "./json.ts";
import { checkBoolean, checkEnum, checkId, checkInt, durationOr } from "./_options.ts";
import type { Coalesce, Overlap, ScheduleRecord } from "./store/store.ts";
import type { DurationInput } from "./time.ts";
import { bindTrigger, isTrigger } from "./triggers/mod.ts";
import type { ScheduleOptions } from "./types.ts";

/** Scheduler-wide schedule defaults. */
export interface ScheduleDefaults {
  /** Which of several overdue fires run. @default "latest" */
  coalesce?: Coalesce;
  /** How late a fire may start; later ones are `missed`. @default null (no limit) */
  misfireGraceTime?: DurationInput | null;
  /** Jobs of one schedule pending or running at once, across all processes. @default 1 */
  maxInstances?: number;
  /** What a fire beyond `maxInstances` does: `"skip"` it or `"queue"` it. @default "skip" */
  overlap?: Overlap;
  /** Random delay at most added to each run, never past the following fire. @default 0 */
  jitter?: DurationInput;
}

/** What `buildSchedule` needs from the scheduler. */
export interface BuildContext {
  now: number;
  timezone: string;
  codec: Codec;
  defaults: ScheduleDefaults;
}

/**
 * @param o The options, with the task resolved to its name.
 * @param existing The stored schedule with this id, if any.
 * @param ctx Clock reading, default zone, codec and defaults.
 * @param keepState Keep `existing`'s next run when the trigger is unchanged.
 * @returns The record to store.
 */
export async function buildSchedule(
  o: Omit<ScheduleOptions<unknown>, "task"> & { task: string },
  existing: ScheduleRecord | null,
  ctx: BuildContext,
  keepState = true,
): Promise<ScheduleRecord> {
  const id = checkId(o.id);
  if (!isTrigger(o.trigger)) {
    throw new TypeError(
      "Invalid trigger: expected one made by cron(), every(), at(), calendar(), anyOf() or allOf()",
    );
  }
  const payload = assertJson(o.payload, "payload");
  const d = ctx.defaults;
  const grace = o.misfireGraceTime === undefined ? d.misfireGraceTime : o.misfireGraceTime;
  const coalesce = checkEnum(o.coalesce ?? d.coalesce ?? "latest", "coalesce", [
    "latest",
    "earliest",
    "all",
  ]);
  const record: Omit<ScheduleRecord, "nextRunAt" | "trigger" | "payload"> = {
    id,
    task: o.task,
    paused: o.paused === undefined ? existing?.paused ?? false : checkBoolean(o.paused, "paused"),
    coalesce,
    misfireGraceTime: grace === null || grace === undefined
      ? null
      : durationOr(grace, "misfireGraceTime", null),
    maxInstances: checkInt(o.maxInstances ?? d.maxInstances ?? 1, "maxInstances", 1),
    overlap: checkEnum(o.overlap ?? d.overlap ?? "skip", "overlap", ["skip", "queue"]),
    jitter: durationOr(o.jitter ?? d.jitter, "jitter", 0),
    resultTtl: durationOr(o.resultTtl, "resultTtl", null),
    lastRunAt: existing?.lastRunAt ?? null,
    createdAt: existing?.createdAt ?? ctx.now,
    updatedAt: ctx.now,
  };
  // Binding at the original creation time keeps an `every()` without `startAt` in phase when
  // a restart re-declares the same schedule.
  const anchor = keepState && existing ? existing.createdAt : ctx.now;
  const trigger = bindTrigger(o.trigger, { timezone: ctx.timezone, nowMs: anchor });
  const json = trigger.toJSON();
  const same = keepState && existing !== null &&
    JSON.stringify(existing.trigger) === JSON.stringify(json);
  return {
    ...record,
    trigger: json,
    payload: await ctx.codec.encode(payload, `schedule:${id}`),
    nextRunAt: same ? existing.nextRunAt : trigger.nextMs(ctx.now - 1),
  };
}
