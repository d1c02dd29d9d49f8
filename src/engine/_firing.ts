/**
 * Firing due schedules: plan each one's overdue fires, build their jobs (jitter applied to the
 * run time only) and write them with the next run time, then report every fire that did not
 * run. A store that can fire in one atomic step (`fireDueSchedules`) gets the plan to run inside
 * it; any other is driven through a leased claim and one release per schedule.
 * @module
 */

import { type MissedFire, planFires, type PlanInput } from "./_fire_plan.ts";
import { attemptsOf, fireJobId, jobRecord } from "./_job_record.ts";
import type { EventSink } from "./_sink.ts";
import type { ClaimedSchedule, PlannedFire, ScheduleRecord, Store } from "../store/store.ts";
import { instantFromMs } from "../time.ts";
import type { Trigger } from "../triggers/mod.ts";
import { storedTrigger } from "../triggers/_stored.ts";

/** What firing needs. */
export interface FireDeps {
  readonly store: Pick<Store, "claimDueSchedules" | "releaseSchedule" | "fireDueSchedules">;
  /** The tasks this process registers: a fired job's attempts come from its task's retries. */
  readonly tasks: ReadonlyMap<string, { readonly retries: number }>;
  readonly owner: string;
  readonly leaseMs: number;
  readonly random: () => number;
  readonly events: EventSink;
}

/** One claimed schedule's fire, planned: what to write, and what to report once written. */
interface Fire extends PlannedFire {
  readonly missed: readonly MissedFire[];
}

/** What one batch of fires did. */
export interface FiredBatch {
  /** Schedules taken, fired or not. */
  readonly taken: number;
  /** Jobs created. */
  readonly created: number;
}

/**
 * Fires up to `limit` due schedules. A fire whose plan throws is reported and its schedule left
 * leased, so it comes back after a lease rather than on every pass; a store error rejects.
 */
export async function fireDue(deps: FireDeps, now: number, limit: number): Promise<FiredBatch> {
  const { store } = deps;
  if (store.fireDueSchedules) {
    const fired = await store.fireDueSchedules(
      now,
      deps.owner,
      deps.leaseMs,
      limit,
      (claimed) => planFire(deps, claimed, now),
    );
    let created = 0;
    for (const f of fired) {
      if ("error" in f) planFailed(deps, f.claimed.record, f.error);
      else created += reportFire(deps, f.claimed.record, f.planned, f.inserted);
    }
    return { taken: fired.length, created };
  }
  const claimed = await store.claimDueSchedules(now, deps.owner, deps.leaseMs, limit);
  const counts = await Promise.all(claimed.map((c) => fireOne(deps, c, now)));
  return { taken: claimed.length, created: counts.reduce((a, b) => a + b, 0) };
}

/**
 * Plans one claimed schedule's fire and releases it. A batch hands every release to the store
 * before awaiting any: one settling turn for the batch rather than one per schedule, and a store
 * that writes as it is called (the memory store) writes the whole batch at once.
 * @returns The number of jobs created (0 when another process took the schedule meanwhile).
 */
function fireOne(deps: FireDeps, claimed: ClaimedSchedule, now: number): Promise<number> {
  let fire: Fire;
  try {
    fire = planFire(deps, claimed, now);
  } catch (error) {
    planFailed(deps, claimed.record, error);
    return Promise.resolve(0);
  }
  return deps.store.releaseSchedule(claimed.record.id, deps.owner, fire.release)
    .then((inserted) => reportFire(deps, claimed.record, fire, inserted));
}

/** A plan that threw: its schedule stays leased and fires again once the lease ends. */
function planFailed(deps: FireDeps, s: ScheduleRecord, error: unknown): void {
  deps.events.reportError(error, `planning a fire of schedule ${s.id}`);
}

function planFire(deps: FireDeps, claimed: ClaimedSchedule, now: number): Fire {
  const s = claimed.record;
  let trigger: Trigger;
  try {
    trigger = storedTrigger(s.trigger);
  } catch (error) {
    // A stored trigger this version cannot read: stop it from firing rather than loop on it.
    deps.events.reportError(error, `reading the trigger of schedule ${s.id}`);
    return { release: { nextRunAt: null, lastRunAt: s.lastRunAt, jobs: [] }, missed: [] };
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
  const lastRunAt = plan.run.length > 0 ? plan.run[plan.run.length - 1]! : s.lastRunAt;
  return { release: { nextRunAt: plan.nextRunAt, lastRunAt, jobs }, missed: plan.missed };
}

/** Tells what a written fire did: its misses, then each job it created. */
function reportFire(
  deps: FireDeps,
  s: ScheduleRecord,
  fire: Fire,
  inserted: string[] | null,
): number {
  if (inserted === null) return 0;
  for (const m of fire.missed) {
    deps.events.emit("job:missed", () => ({
      scheduleId: s.id,
      task: s.task,
      fireAt: instantFromMs(m.at),
      reason: m.reason,
      count: m.count,
    }));
  }
  const jobs = fire.release.jobs;
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
