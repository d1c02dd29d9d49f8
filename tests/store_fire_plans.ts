/**
 * Fire plans for the conformance tests of `fireDueSchedules`, described by plain data so a
 * store in another process (the Durable Object in workerd) can rebuild the same plan: a plan
 * function cannot cross the wire, its description can.
 */
import type { ClaimedSchedule, JobRecord, PlannedFire } from "../src/store/store.ts";

/** What a plan does with each due schedule. */
export interface FirePlanSpec {
  /** Jobs `<id>@1` … `<id>@<jobs>` to insert for each schedule. */
  jobs: number;
  /** Each schedule's next run. */
  nextRunAt: number;
  /** Each fire's `lastRunAt`. */
  lastRunAt: number;
  /** A schedule whose plan throws `Error("boom <id>")`. */
  throwOn?: string | undefined;
  /**
   * Write the jobs running, held by this owner until this instant (a fire's job started at once),
   * or with no lease (`null`: a sole writer's start).
   */
  running?: { owner: string; leaseUntil: number | null; startedAt: number } | undefined;
}

/** A plan function that carries its description. */
export type FirePlan = ((claimed: ClaimedSchedule) => PlannedFire) & { spec: FirePlanSpec };

/**
 * @param spec What the plan does.
 * @param job Builds a job record (the conformance suite's `jobRecord`).
 */
export function firePlan(
  spec: FirePlanSpec,
  job: (id: string, patch: Partial<JobRecord>) => JobRecord,
): FirePlan {
  const plan = (claimed: ClaimedSchedule): PlannedFire => {
    const id = claimed.record.id;
    if (id === spec.throwOn) throw new Error(`boom ${id}`);
    const held = spec.running
      ? {
        status: "running" as const,
        attempts: 1,
        leaseOwner: spec.running.owner,
        leaseUntil: spec.running.leaseUntil,
        startedAt: spec.running.startedAt,
      }
      : {};
    const jobs = Array.from(
      { length: spec.jobs },
      (_, i) => job(`${id}@${i + 1}`, { scheduleId: id, ...held }),
    );
    return { release: { nextRunAt: spec.nextRunAt, lastRunAt: spec.lastRunAt, jobs } };
  };
  return Object.assign(plan, { spec });
}
