/**
 * When a stored record next needs attention. Shared by the stores that index due times
 * themselves (memory, Deno KV), so they agree on the rules.
 * @module
 */

import type { JobRecord, ScheduleRecord } from "./store.ts";

/**
 * When a schedule can next be claimed: its next run, or later while a lease holds it; `null`
 * when paused or exhausted.
 * @param rec The schedule.
 * @param leaseOwner Who holds its lease, if anyone.
 * @param leaseUntil When that lease ends (epoch ms).
 * @returns Epoch ms, or `null`.
 */
export function scheduleDueAt(
  rec: ScheduleRecord,
  leaseOwner: string | null,
  leaseUntil: number,
): number | null {
  if (rec.paused || rec.nextRunAt === null) return null;
  return leaseOwner !== null ? Math.max(rec.nextRunAt, leaseUntil) : rec.nextRunAt;
}

/**
 * When a job can next be claimed: a pending job at its run time, a running one when its lease
 * ends (a crashed runner); `null` once finished.
 * @param job The job.
 * @returns Epoch ms, or `null`.
 */
export function jobReadyAt(job: JobRecord): number | null {
  if (job.status === "pending") return job.runAt;
  if (job.status === "running") return job.leaseUntil;
  return null;
}

/**
 * @param job The job.
 * @returns Whether it reached a final status.
 */
export function isFinished(job: JobRecord): boolean {
  return job.status === "succeeded" || job.status === "failed" || job.status === "cancelled";
}
