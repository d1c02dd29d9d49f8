/**
 * Firing one claimed schedule: plan its overdue fires, build their jobs (jitter applied to the
 * run time only) and write them with the next run time in one store step, then report every
 * fire that did not run.
 * @module
 */

import { planFires, type PlanInput } from "./_fire_plan.ts";
import { attemptsOf, fireJobId, jobRecord } from "./_job_record.ts";
import type { EventSink } from "./_sink.ts";
import type { ClaimedSchedule, Store } from "../store/store.ts";
import { instantFromMs } from "../time.ts";
import type { Trigger } from "../triggers/mod.ts";
import { storedTrigger } from "../triggers/_stored.ts";

/** What firing needs. */
export interface FireDeps {
  readonly store: Pick<Store, "releaseSchedule">;
  /** The tasks this process registers: a fired job's attempts come from its task's retries. */
  readonly tasks: ReadonlyMap<string, { readonly retries: number }>;
  readonly owner: string;
  readonly random: () => number;
  readonly events: EventSink;
}

/**
 * Fires a claimed schedule and releases it.
 * @returns The number of jobs created (0 if another process took the schedule over).
 */
export async function fireSchedule(
  deps: FireDeps,
  claimed: ClaimedSchedule,
  now: number,
): Promise<number> {
  const s = claimed.record;
  let trigger: Trigger;
  try {
    trigger = storedTrigger(s.trigger);
  } catch (error) {
    // A stored trigger this version cannot read: stop it from firing rather than loop on it.
    deps.events.reportError(error, `reading the trigger of schedule ${s.id}`);
    await deps.store.releaseSchedule(s.id, deps.owner, {
      nextRunAt: null,
      lastRunAt: s.lastRunAt,
      jobs: [],
    });
    return 0;
  }
  const next = (after: number): number | null => trigger.nextMs(after);
  // A claimed schedule is due, so its nextRunAt is set.
  const plan = planFires(next, s as PlanInput, claimed.activeJobs, now);
  const queued = s.overlap === "queue";
  const maxAttempts = attemptsOf(deps.tasks.get(s.task));
  const jobs = plan.run.map((at) =>
    jobRecord({
      id: fireJobId(s.id, at),
      task: s.task,
      scheduleId: s.id,
      scheduledAt: at,
      runAt: at + jitterFor(s.jitter, at, next, deps.random),
      payload: s.payload,
      resultTtl: s.resultTtl,
      priority: s.priority,
      maxAttempts,
      createdAt: now,
      concurrencyKey: queued ? `schedule:${s.id}` : null,
      concurrencyLimit: queued ? s.maxInstances : null,
    })
  );
  const inserted = await deps.store.releaseSchedule(s.id, deps.owner, {
    nextRunAt: plan.nextRunAt,
    lastRunAt: plan.run.at(-1) ?? s.lastRunAt,
    jobs,
  });
  if (inserted === null) return 0;
  for (const m of plan.missed) {
    deps.events.emit("job:missed", () => ({
      scheduleId: s.id,
      task: s.task,
      fireAt: instantFromMs(m.at),
      reason: m.reason,
      count: m.count,
    }));
  }
  // Usually every job was new; the set is only needed to pick out the ones that were not.
  const created = inserted.length === jobs.length ? null : new Set(inserted);
  for (const job of jobs) {
    if (created !== null && !created.has(job.id)) continue;
    deps.events.emit("job:created", () => ({
      jobId: job.id,
      task: job.task,
      scheduleId: s.id,
      runAt: instantFromMs(job.runAt),
    }));
  }
  return inserted.length;
}

/**
 * A random delay below both `jitter` and the gap to the following fire. Pure apart from
 * `random`.
 * @returns Milliseconds to add to the fire instant.
 */
export function jitterFor(
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
