/**
 * Converting stored records into what the public API returns: decoded payloads and results,
 * `Temporal.Instant` times, and a live `Trigger`. Reads never throw on a record the codec
 * refuses: its fields read as `null` and `tampered` is set, so one bad row cannot break a
 * listing.
 * @module
 */

import {
  type Codec,
  payloadBinding,
  progressBinding,
  type RecordBinding,
  resultBinding,
  scheduleBinding,
} from "../codec.ts";
import type { JsonValue } from "../json.ts";
import type { JobRecord, ScheduleRecord } from "../store/store.ts";
import { instantFromMs } from "../time.ts";
import type { Temporal } from "../temporal.ts";
import type { Trigger } from "../triggers/mod.ts";
import { storedTrigger } from "../triggers/_stored.ts";
import type { JobInfo, ScheduleInfo } from "../types.ts";

/** @returns The stored schedule as `ScheduleInfo` (trigger parsed, payload decoded). */
export async function toScheduleInfo(r: ScheduleRecord, codec: Codec): Promise<ScheduleInfo> {
  const flag = { tampered: false };
  const payload = await safeDecode(codec, r.payload, scheduleBinding(r), flag);
  return scheduleInfo(r, storedTrigger(r.trigger), payload, flag.tampered);
}

/**
 * @param r The record.
 * @param trigger Its trigger, already live (a schedule just built need not parse it back).
 * @param payload Its payload, already decoded.
 * @param tampered Whether the payload could not be decoded.
 * @returns The schedule as `ScheduleInfo`.
 */
export function scheduleInfo(
  r: ScheduleRecord,
  trigger: Trigger,
  payload: JsonValue,
  tampered = false,
): ScheduleInfo {
  return {
    id: r.id,
    task: r.task,
    trigger,
    payload,
    paused: r.paused,
    coalesce: r.coalesce,
    misfireGraceTime: r.misfireGraceTime,
    maxInstances: r.maxInstances,
    overlap: r.overlap,
    jitter: r.jitter,
    resultTtl: r.resultTtl,
    priority: r.priority,
    nextRunAt: maybe(r.nextRunAt),
    lastRunAt: maybe(r.lastRunAt),
    createdAt: instantFromMs(r.createdAt),
    updatedAt: instantFromMs(r.updatedAt),
    tampered,
  };
}

/** @returns The job as `JobInfo`. */
export async function toJobInfo(j: JobRecord, codec: Codec): Promise<JobInfo> {
  const flag = { tampered: false };
  return {
    id: j.id,
    task: j.task,
    scheduleId: j.scheduleId,
    status: j.status,
    payload: await safeDecode(codec, j.payload, payloadBinding(j), flag),
    result: j.result === null ? null : await safeDecode(codec, j.result, resultBinding(j), flag),
    error: j.error,
    progress: j.progress === null
      ? null
      : await safeDecode(codec, j.progress, progressBinding(j), flag),
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    scheduledAt: instantFromMs(j.scheduledAt),
    runAt: instantFromMs(j.runAt),
    createdAt: instantFromMs(j.createdAt),
    startedAt: maybe(j.startedAt),
    finishedAt: maybe(j.finishedAt),
    expiresAt: maybe(j.expiresAt),
    priority: j.priority,
    after: [...j.after],
    history: j.history.map((e) => ({ ...e })),
    tampered: flag.tampered,
  };
}

async function safeDecode(
  codec: Codec,
  text: string,
  context: RecordBinding,
  flag: { tampered: boolean },
): Promise<JsonValue> {
  try {
    return await codec.decode(text, context);
  } catch {
    flag.tampered = true;
    return null;
  }
}

function maybe(ms: number | null): Temporal.Instant | null {
  return ms === null ? null : instantFromMs(ms);
}
