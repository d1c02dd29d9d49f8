/**
 * Firing one claimed schedule: plan its overdue fires, build their jobs (id `schedule@instant`,
 * jitter applied to the run time only) and write them with the next run time in one store
 * step, then report every fire that did not run.
 * @module
 */

import type { SchedulerEventMap } from "./events.ts";
import { planFires } from "./_fire_plan.ts";
import type { ClaimedSchedule, JobRecord, Store } from "./store/store.ts";
import { instantFromMs } from "./time.ts";
import { type Trigger, triggerFromJSON, type TriggerJSON } from "./triggers/mod.ts";

/** What firing needs from the scheduler. */
export interface FireHost {
  readonly store: Store;
  readonly owner: string;
  readonly random: () => number;
  emit<K extends keyof SchedulerEventMap>(type: K, detail: () => SchedulerEventMap[K]): void;
  newJob(spec: {
    id: string;
    task: string;
    scheduleId: string;
    at: number;
    runAt: number;
    payload: string;
    resultTtl: number | null;
  }): JobRecord;
  reportError(error: unknown, context: string): void;
}

// Stores that keep records in memory hand back the same trigger JSON object on every claim, so
// parsing it once per object saves the work on every fire. Parsed triggers are immutable.
const parsed = new WeakMap<object, Trigger>();

function triggerOf(json: TriggerJSON): Trigger {
  let trigger = parsed.get(json);
  if (!trigger) {
    trigger = triggerFromJSON(json);
    parsed.set(json, trigger);
  }
  return trigger;
}

/** The id of the job created by fire `at` of schedule `scheduleId`. */
export function fireJobId(scheduleId: string, at: number): string {
  return `${scheduleId}@${new Date(at).toISOString()}`;
}

/**
 * @returns The number of jobs created (0 if another process took the schedule over).
 */
export async function fireSchedule(
  host: FireHost,
  claimed: ClaimedSchedule,
  now: number,
): Promise<number> {
  const s = claimed.record;
  let next: (after: number) => number | null;
  try {
    const trigger = triggerOf(s.trigger);
    next = (after) => trigger.nextMs(after);
  } catch (error) {
    // A stored trigger this version cannot read: stop it from firing rather than loop on it.
    host.reportError(error, `reading the trigger of schedule ${s.id}`);
    await host.store.releaseSchedule(s.id, host.owner, {
      nextRunAt: null,
      lastRunAt: s.lastRunAt,
      jobs: [],
    });
    return 0;
  }
  const plan = planFires(next, { ...s, nextRunAt: s.nextRunAt! }, claimed.activeJobs, now);
  const queued = s.overlap === "queue";
  const jobs = plan.run.map((at) => {
    const job = host.newJob({
      id: fireJobId(s.id, at),
      task: s.task,
      scheduleId: s.id,
      at,
      runAt: at + jitterFor(s.jitter, at, next, host.random),
      payload: s.payload,
      resultTtl: s.resultTtl,
    });
    if (queued) {
      job.concurrencyKey = `schedule:${s.id}`;
      job.concurrencyLimit = s.maxInstances;
    }
    return job;
  });
  const inserted = await host.store.releaseSchedule(s.id, host.owner, {
    nextRunAt: plan.nextRunAt,
    lastRunAt: plan.run.at(-1) ?? s.lastRunAt,
    jobs,
  });
  if (inserted === null) return 0;
  for (const m of plan.missed) {
    host.emit("job:missed", () => ({
      scheduleId: s.id,
      task: s.task,
      fireAt: instantFromMs(m.at),
      reason: m.reason,
      count: m.count,
    }));
  }
  const created = new Set(inserted);
  for (const job of jobs) {
    if (!created.has(job.id)) continue;
    host.emit("job:created", () => ({
      jobId: job.id,
      task: job.task,
      scheduleId: s.id,
      runAt: instantFromMs(job.runAt),
    }));
  }
  return inserted.length;
}

/** A random delay below both `jitter` and the gap to the following fire. */
function jitterFor(
  jitter: number,
  at: number,
  next: (after: number) => number | null,
  random: () => number,
): number {
  if (jitter <= 0) return 0;
  const following = next(at);
  const room = following === null ? jitter : Math.min(jitter, following - at - 1);
  return room > 0 ? Math.floor(random() * room) : 0;
}
