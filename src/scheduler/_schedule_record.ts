/**
 * Building a validated `ScheduleRecord` from user options. All checks happen here, before
 * anything is written, so a bad option leaves the store untouched.
 * @module
 */

import { type Codec, scheduleBinding } from "../codec.ts";
import { assertJson, type JsonValue } from "../json.ts";
import { checkBoolean, checkEnum, checkId, checkInt, durationOr } from "../_options.ts";
import { checkKeys } from "../_keys.ts";
import type { ScheduleRecord } from "../store/store.ts";
import { bindTrigger, isTrigger, type Trigger } from "../triggers/mod.ts";
import { storedJSON } from "../triggers/_stored.ts";
import type { ScheduleOptions, SchedulePatch } from "../types.ts";
import { checkPriority, instantAfter } from "./_checks.ts";
import type { ScheduleDefaults } from "./options.ts";
import { payloadKeys } from "../engine/_job_record.ts";
import type { TaskEntry } from "../engine/_tasks.ts";

const POLICY_KEYS = [
  "paused",
  "coalesce",
  "misfireGraceTime",
  "maxInstances",
  "overlap",
  "jitter",
  "resultTtl",
  "priority",
] as const;

/** Every key `schedule()` accepts. */
export const SCHEDULE_KEYS: readonly string[] = [
  "id",
  "task",
  "trigger",
  "payload",
  "ifExists",
  ...POLICY_KEYS,
];

/** Every key `updateSchedule()` accepts. */
export const PATCH_KEYS: readonly string[] = ["trigger", "payload", ...POLICY_KEYS];

/** @returns `patch` if it is a schedule patch with known keys only. */
export function checkPatch<P>(patch: SchedulePatch<P>): SchedulePatch<P> {
  if (patch === undefined) throw new TypeError("Invalid schedule patch: expected an object");
  return checkKeys(patch, PATCH_KEYS, "schedule patch");
}

/** A built schedule and the live values it was built from (so nothing is parsed back). */
export interface BuiltSchedule {
  record: ScheduleRecord;
  trigger: Trigger;
  payload: JsonValue;
}

/** What `buildSchedule` needs from the scheduler. */
export interface BuildContext {
  now: number;
  timezone: string;
  codec: Codec;
  defaults: ScheduleDefaults;
  /** The task as this process registers it, if it does: its priority and key functions. */
  taskOf(task: string): TaskEntry | undefined;
}

/**
 * @param o The options, with the task resolved to its name.
 * @param existing The stored schedule with this id, if any.
 * @param ctx Clock reading, default zone, codec and defaults.
 * @param keepState Keep `existing`'s next run when the trigger is unchanged.
 * @returns The record to store, with its bound trigger and checked payload.
 */
export async function buildSchedule(
  o: Omit<ScheduleOptions<unknown>, "task" | "ifExists"> & { task: string },
  existing: ScheduleRecord | null,
  ctx: BuildContext,
  keepState = true,
): Promise<BuiltSchedule> {
  const id = checkId(o.id);
  if (!isTrigger(o.trigger)) {
    throw new TypeError(
      "Invalid trigger: expected one made by cron(), every(), at(), calendar(), anyOf() or allOf()",
    );
  }
  const payload = assertJson(o.payload, "payload");
  const entry = ctx.taskOf(o.task);
  // Its jobs go through the task's controls like enqueued ones: the keys are taken from the
  // payload here, once, as `enqueue` takes them (a fire cannot run the key functions).
  const keys = payloadKeys(o.task, payload, entry);
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
    jitter: checkSpan(o.jitter ?? d.jitter, "jitter", 0, ctx.now),
    resultTtl: checkSpan(o.resultTtl, "resultTtl", null, ctx.now),
    priority: o.priority === undefined ? entry?.priority ?? 0 : checkPriority(o.priority),
    concurrencyKey: keys.concurrencyKey,
    rateKey: keys.rateKey,
    lastRunAt: existing?.lastRunAt ?? null,
    createdAt: existing?.createdAt ?? ctx.now,
    updatedAt: ctx.now,
  };
  // Binding at the original creation time keeps an `every()` without `startAt` in phase when
  // a restart re-declares the same schedule.
  const anchor = keepState && existing ? existing.createdAt : ctx.now;
  const trigger = bindTrigger(o.trigger, { timezone: ctx.timezone, nowMs: anchor });
  const json = storedJSON(trigger);
  const same = keepState && existing !== null &&
    JSON.stringify(existing.trigger) === JSON.stringify(json);
  return {
    record: {
      ...record,
      trigger: json,
      payload: await ctx.codec.encode(payload, scheduleBinding({ id, task: o.task })),
      nextRunAt: same ? existing.nextRunAt : trigger.nextMs(ctx.now - 1),
    },
    trigger,
    payload,
  };
}

/** A duration that is added to an instant later (retention, jitter), so the sum is checked. */
function checkSpan<T extends number | null>(
  value: ScheduleOptions["resultTtl"],
  name: string,
  fallback: T,
  now: number,
): number | T {
  const ms = durationOr(value, name, fallback);
  if (ms !== null) instantAfter(now, ms, name);
  return ms;
}
