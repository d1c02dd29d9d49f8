/**
 * Converting stored records into what the public API returns: decoded payloads and results,
 * `Temporal.Instant` times, and a live `Trigger`.
 * @module
 */

import type { Codec } from "./codec.ts";
import type { JobRecord, ScheduleRecord } from "./store.ts";
import { instantFromMs } from "./time.ts";
import type { Temporal } from "./temporal.ts";
import { triggerFromJSON } from "./triggers/mod.ts";
import type { JobInfo, ScheduleInfo } from "./types.ts";

/** @returns The schedule as `ScheduleInfo`. */
export async function toScheduleInfo(r: ScheduleRecord, codec: Codec): Promise<ScheduleInfo> {
  return {
    id: r.id,
    task: r.task,
    trigger: triggerFromJSON(r.trigger),
    payload: await codec.decode(r.payload, `schedule:${r.id}`),
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
  };
}

/** @returns The job as `JobInfo`. */
export async function toJobInfo(j: JobRecord, codec: Codec): Promise<JobInfo> {
  return {
    id: j.id,
    task: j.task,
    scheduleId: j.scheduleId,
    status: j.status,
    payload: await codec.decode(j.payload, j.id),
    result: j.result === null ? null : await codec.decode(j.result, j.id),
    error: j.error,
    progress: j.progress === null ? null : await codec.decode(j.progress, j.id),
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    scheduledAt: instantFromMs(j.scheduledAt),
    runAt: instantFromMs(j.runAt),
    createdAt: instantFromMs(j.createdAt),
    startedAt: maybe(j.startedAt),
    finishedAt: maybe(j.finishedAt),
    expiresAt: maybe(j.expiresAt),
  };
}

function maybe(ms: number | null): Temporal.Instant | null {
  return ms === null ? null : instantFromMs(ms);
}
