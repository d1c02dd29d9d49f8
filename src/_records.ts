/**
 * Converting stored records into what the public API returns: decoded payloads and results,
 * `Temporal.Instant` times, and a live `Trigger`. Reads never throw on a record the codec
 * refuses: its fields read as `null` and `tampered` is set, so one bad row cannot break a
 * listing.
 * @module
 */

import type { Codec } from "./codec.ts";
import type { JsonValue } from "./json.ts";
import type { JobRecord, ScheduleRecord } from "./store/store.ts";
import { instantFromMs } from "./time.ts";
import type { Temporal } from "./temporal.ts";
import { triggerFromJSON } from "./triggers/mod.ts";
import type { JobInfo, ScheduleInfo } from "./types.ts";

/**
 * The codec context (authenticated id) of a job's payload. Jobs created by a schedule carry
 * the schedule's payload text unchanged, so it stays bound to the schedule.
 */
export function payloadContext(job: Pick<JobRecord, "id" | "scheduleId">): string {
  return job.scheduleId === null ? job.id : `schedule:${job.scheduleId}`;
}

/** @returns The schedule as `ScheduleInfo`. */
export async function toScheduleInfo(r: ScheduleRecord, codec: Codec): Promise<ScheduleInfo> {
  const flag = { tampered: false };
  return {
    id: r.id,
    task: r.task,
    trigger: triggerFromJSON(r.trigger),
    payload: await safeDecode(codec, r.payload, `schedule:${r.id}`, flag),
    paused: r.paused,
    coalesce: r.coalesce,
    misfireGraceTime: r.misfireGraceTime,
    maxInstances: r.maxInstances,
    overlap: r.overlap,
    jitter: r.jitter,
    resultTtl: r.resultTtl,
    nextRunAt: maybe(r.nextRunAt),
    lastRunAt: maybe(r.lastRunAt),
    createdAt: instantFromMs(r.createdAt),
    updatedAt: instantFromMs(r.updatedAt),
    tampered: flag.tampered,
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
    payload: await safeDecode(codec, j.payload, payloadContext(j), flag),
    result: j.result === null ? null : await safeDecode(codec, j.result, j.id, flag),
    error: j.error,
    progress: j.progress === null ? null : await safeDecode(codec, j.progress, j.id, flag),
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    scheduledAt: instantFromMs(j.scheduledAt),
    runAt: instantFromMs(j.runAt),
    createdAt: instantFromMs(j.createdAt),
    startedAt: maybe(j.startedAt),
    finishedAt: maybe(j.finishedAt),
    expiresAt: maybe(j.expiresAt),
    tampered: flag.tampered,
  };
}

async function safeDecode(
  codec: Codec,
  text: string,
  context: string,
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
