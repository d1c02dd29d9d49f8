/**
 * Deciding what a due schedule does: which overdue fires run, which are missed and why, and
 * when it fires next. Pure, so the misfire rules are tested without a store or a clock
 * (tests/engine_rules.test.ts).
 * @module
 */

import type { MissedReason } from "../events.ts";
import type { Coalesce, Overlap } from "../store/store.ts";

/** Fires scanned after downtime before the rest are summarised in one `capped` miss. */
export const SCAN_CAP = 100_000;
/** Fires that `coalesce: "all"` runs at most in one catch-up; the rest are `capped` misses. */
export const CATCH_UP_CAP = 100;

/** A fire that did not run. `count: null` stands for an uncounted run of fires from `at` on. */
export interface MissedFire {
  at: number;
  reason: MissedReason;
  count: number | null;
}

/** What one claim of a due schedule does. */
export interface FirePlan {
  /** Fire instants that become jobs, in order. */
  run: number[];
  missed: MissedFire[];
  /** The first fire after `now`, or `null` when the trigger is exhausted. */
  nextRunAt: number | null;
}

/** The schedule fields the plan depends on. */
export interface PlanInput {
  nextRunAt: number;
  coalesce: Coalesce;
  misfireGraceTime: number | null;
  maxInstances: number;
  overlap: Overlap;
}

/**
 * @param next The trigger's `nextMs`.
 * @param schedule The schedule's policies and due time.
 * @param activeJobs Its jobs still pending or running.
 * @param now Current time.
 * @returns The plan.
 */
export function planFires(
  next: (after: number) => number | null,
  schedule: PlanInput,
  activeJobs: number,
  now: number,
): FirePlan {
  let t: number | null = schedule.nextRunAt;
  if (t > now) return { run: [], missed: [], nextRunAt: t };
  const after = next(t);
  if (after === null || after > now) return planOne(t, after, schedule, activeJobs, now);
  const due: number[] = [t];
  const missed: MissedFire[] = [];
  t = after;
  while (t !== null && t <= now && due.length < SCAN_CAP) {
    due.push(t);
    t = next(t);
  }
  if (t !== null && t <= now) {
    // Too many to list: one summarising miss, then continue from now.
    missed.push({ at: t, reason: "capped", count: null });
    t = next(now);
  }
  const grace = schedule.misfireGraceTime;
  const inGrace: number[] = [];
  for (const at of due) {
    if (grace === null || now - at <= grace) inGrace.push(at);
    else missed.push({ at, reason: "misfire", count: 1 });
  }
  let run: number[];
  if (schedule.coalesce === "all") {
    run = inGrace.slice(0, CATCH_UP_CAP);
    for (const at of inGrace.slice(CATCH_UP_CAP)) missed.push({ at, reason: "capped", count: 1 });
  } else {
    const keep = schedule.coalesce === "latest" ? inGrace.length - 1 : 0;
    run = inGrace.length > 0 ? [inGrace[keep]!] : [];
    inGrace.forEach((at, i) => {
      if (i !== keep) missed.push({ at, reason: "coalesced", count: 1 });
    });
  }
  if (schedule.overlap === "skip") {
    const room = Math.max(0, schedule.maxInstances - activeJobs);
    for (const at of run.slice(room)) missed.push({ at, reason: "overlap", count: 1 });
    run = run.slice(0, room);
  }
  missed.sort((a, b) => a.at - b.at);
  return { run, missed, nextRunAt: t };
}

/** The usual case, one fire due: the same rules as above without building the lists. */
function planOne(
  at: number,
  nextRunAt: number | null,
  schedule: PlanInput,
  activeJobs: number,
  now: number,
): FirePlan {
  const grace = schedule.misfireGraceTime;
  const reason: MissedReason | null = grace !== null && now - at > grace
    ? "misfire"
    : schedule.overlap === "skip" && activeJobs >= schedule.maxInstances
    ? "overlap"
    : null;
  if (reason === null) return { run: [at], missed: [], nextRunAt };
  return { run: [], missed: [{ at, reason, count: 1 }], nextRunAt };
}
