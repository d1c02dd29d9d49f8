/**
 * Firing due schedules: plan each one's overdue fires, build their jobs (jitter applied to the
 * run time only) and write them with the next run time, then report every fire that did not
 * run. A store that can fire in one atomic step (`fireDueSchedules`) gets the plan to run inside
 * it; any other is driven through a leased claim and one release per schedule.
 *
 * A fired job that this process may start now (see `FireDeps.startNow`) is written already
 * running, held by this process under a lease, and handed back to be started: no claim, one
 * store step from fire to start. Its crash semantics are a claimed job's: if the process dies,
 * the lease ends and another process runs it again. On a sole writer's store (`Store.soleWriter`,
 * a Durable Object) it is written with no lease, since no other process could take it over; the
 * store's next opening makes it due again instead.
 * @module
 */

import { type MissedFire, planFires, type PlanInput } from "./_fire_plan.ts";
import { attemptsOf, fireJobId, jobRecord, scheduleControls } from "./_job_record.ts";
import type { TaskEntry } from "./_tasks.ts";
import type { EventSink } from "./_sink.ts";
import type {
  ClaimedSchedule,
  JobRecord,
  PlannedFire,
  ScheduleRecord,
  Store,
} from "../store/store.ts";
import { instantFromMs } from "../time.ts";
import type { Trigger } from "../triggers/mod.ts";
import { storedTrigger } from "../triggers/_stored.ts";

/** What firing needs. */
export interface FireDeps {
  readonly store: Pick<
    Store,
    "claimDueSchedules" | "releaseSchedule" | "fireDueSchedules" | "soleWriter"
  >;
  /**
   * The tasks this process registers: a fired job's attempts come from its task's retries, and
   * its concurrency and rate limits from the task's (see `scheduleControls`).
   */
  readonly tasks: ReadonlyMap<string, Pick<TaskEntry, "retries" | "concurrency" | "rateLimit">>;
  readonly owner: string;
  readonly leaseMs: number;
  readonly random: () => number;
  readonly events: EventSink;
  /**
   * Whether this process starts `job` (due, just built by a fire) at once, taking a slot for it.
   * Absent: every fired job is written pending, for a claim.
   */
  readonly startNow?: (job: JobRecord) => boolean;
}

/** One claimed schedule's fire, planned: what to write, and what to report once written. */
interface Fire extends PlannedFire {
  readonly missed: readonly MissedFire[];
}

/** What one batch of fires did. */
export interface FiredBatch {
  /** Schedules taken, fired or not. */
  taken: number;
  /** Jobs created. */
  created: number;
  /** The jobs among them written running for this process, to start now. */
  started: JobRecord[];
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
    const batch: FiredBatch = { taken: fired.length, created: 0, started: [] };
    for (const f of fired) {
      if ("error" in f) planFailed(deps, f.claimed.record, f.error);
      else reportFire(deps, f.claimed.record, f.planned, f.inserted, batch);
    }
    return batch;
  }
  const claimed = await store.claimDueSchedules(now, deps.owner, deps.leaseMs, limit);
  const batch: FiredBatch = { taken: claimed.length, created: 0, started: [] };
  await Promise.all(claimed.map((c) => fireOne(deps, c, now, batch)));
  return batch;
}

/**
 * Plans one claimed schedule's fire and releases it, adding what it did to `batch`. A batch hands
 * every release to the store before awaiting any: one settling turn for the batch rather than one
 * per schedule, and a store that writes as it is called (the memory store) writes the whole batch
 * at once.
 */
function fireOne(
  deps: FireDeps,
  claimed: ClaimedSchedule,
  now: number,
  batch: FiredBatch,
): Promise<void> {
  let fire: Fire;
  try {
    fire = planFire(deps, claimed, now);
  } catch (error) {
    planFailed(deps, claimed.record, error);
    return Promise.resolve();
  }
  return deps.store.releaseSchedule(claimed.record.id, deps.owner, fire.release)
    .then((inserted) => reportFire(deps, claimed.record, fire, inserted, batch));
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
  const entry = deps.tasks.get(s.task);
  const maxAttempts = attemptsOf(entry);
  const controls = scheduleControls(s, entry, s.overlap === "queue");
  const jobs = plan.run.map((at) => {
    const job = jobRecord({
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
      ...controls,
    });
    if (!deps.startNow?.(job)) return job;
    job.status = "running";
    job.attempts = 1;
    job.startedAt = now;
    job.leaseOwner = deps.owner;
    // A sole writer's store has no other process to hand the job to while this one lives.
    job.leaseUntil = deps.store.soleWriter === true ? null : now + deps.leaseMs;
    return job;
  });
  const lastRunAt = plan.run.length > 0 ? plan.run[plan.run.length - 1]! : s.lastRunAt;
  return { release: { nextRunAt: plan.nextRunAt, lastRunAt, jobs }, missed: plan.missed };
}

/**
 * Tells what a written fire did (its misses, then each job it created) and adds its jobs to
 * `batch`: the number created, and those written running, to start.
 */
function reportFire(
  deps: FireDeps,
  s: ScheduleRecord,
  fire: Fire,
  inserted: string[] | null,
  batch: FiredBatch,
): void {
  if (inserted === null) return;
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
    // A job whose id existed was not written: whoever holds that one runs it.
    if (job.status === "running") batch.started.push(job);
  }
  batch.created += inserted.length;
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
