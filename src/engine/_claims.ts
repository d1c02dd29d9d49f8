/**
 * Which jobs one pass may claim: tasks without a per-process limit are claimed together, each
 * task with a `maxRunning` limit separately, so the store never hands this process more of a
 * task than its limit allows; and no claim exceeds free concurrency, a batch, or a `runDue`
 * budget. Pure, so the rules are tested alone (tests/engine_rules.test.ts).
 * @module
 */

import type { TaskEntry } from "./_tasks.ts";

/**
 * Most jobs one claim asks the store for. A claim is one store step, which on SQLite holds the
 * thread for ~20 µs a job: a page of 1,000 took 20-45 ms, 500 take 10-20.
 */
export const CLAIM_BATCH = 500;

/** One claim: jobs of these tasks, at most `cap` of them. */
export interface ClaimGroup {
  tasks: string[];
  cap: number;
}

/**
 * @param tasks The registered tasks with their running counts.
 * @returns The claims of one pass, unlimited tasks first; full limited tasks are left out.
 */
export function claimGroups(
  tasks: Iterable<Pick<TaskEntry, "name" | "maxRunning" | "running">>,
): ClaimGroup[] {
  const open: string[] = [];
  const groups: ClaimGroup[] = [];
  for (const t of tasks) {
    if (t.maxRunning === Infinity) open.push(t.name);
    else if (t.running < t.maxRunning) {
      groups.push({ tasks: [t.name], cap: t.maxRunning - t.running });
    }
  }
  return open.length > 0 ? [{ tasks: open, cap: Infinity }, ...groups] : groups;
}

/**
 * @param free Free concurrency slots in this process.
 * @param cap The group's cap.
 * @param budget Jobs the open `runDue` budgets still allow.
 * @returns How many jobs to ask the store for (0: do not claim).
 */
export function claimLimit(free: number, cap: number, budget: number): number {
  return Math.max(0, Math.min(free, cap, CLAIM_BATCH, budget));
}
