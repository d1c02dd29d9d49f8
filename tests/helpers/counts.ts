/**
 * The counts table's test, shared by the SQL stores that keep one (SQLite files, PostgreSQL):
 * every write that moves a job into or out of a final status, each followed by a check of every
 * count against the jobs themselves.
 */
import assert from "node:assert/strict";
import type { SqlStore } from "../../src/store/sql/sql_store.ts";
import type { JobFilter, JobRecord, JobStatus } from "../../src/store/store.ts";
import { jobRecord, scheduleRecord } from "./records.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const LEASE = 30_000;
const STATUSES: JobStatus[] = ["waiting", "pending", "running", "succeeded", "failed", "cancelled"];
const done = { finishedAt: T0 - 10, expiresAt: T0 - 5 };

/**
 * The jobs an older schema holds when the counts table is created: the test writes them behind
 * the store's back, in this order, before the migration that fills the table.
 */
export const OLD_FINISHED_JOBS: readonly JobRecord[] = [
  jobRecord("old-p"),
  jobRecord("old-u", { task: "u" }),
  jobRecord("old-s", { status: "succeeded", ...done }),
  jobRecord("old-f", { status: "failed", task: "u", ...done, expiresAt: null }),
  jobRecord("old-c", { status: "cancelled", ...done }),
];

/**
 * Checks every count the counts table helps answer (all jobs, each status, lists of statuses,
 * each task, each task and status) against the jobs themselves, and the table against a GROUP BY
 * of the finished jobs (the only ones it keeps).
 */
async function assertCountsExact(store: SqlStore, step: string): Promise<void> {
  const grouped = await store.driver.query<{ status: string; task: string; n: number }>(
    `SELECT status, task, count(*) AS n FROM everywhen_jobs
      WHERE status IN ('succeeded', 'failed', 'cancelled') GROUP BY status, task ORDER BY 1, 2`,
  );
  const kept = await store.driver.query<{ status: string; task: string; n: number }>(
    `SELECT status, task, CAST(sum(n) AS BIGINT) AS n FROM everywhen_job_counts
      GROUP BY status, task HAVING sum(n) <> 0 ORDER BY 1, 2`,
  );
  assert.deepEqual(kept, grouped, `counts table after ${step}`);
  const filters: JobFilter[] = [
    {},
    { status: ["pending", "running"] },
    { status: ["succeeded", "cancelled"] },
    { status: ["running", "failed"] },
    { status: [] },
  ];
  for (const task of ["t", "u", "none"]) {
    filters.push({ task });
    for (const status of STATUSES) filters.push({ status, task });
  }
  for (const status of STATUSES) filters.push({ status });
  for (const filter of filters) {
    const expected = (await store.listJobs(filter)).length;
    const counted = await store.countJobs(filter);
    assert.equal(counted, expected, `countJobs(${JSON.stringify(filter)}) after ${step}`);
  }
}

/**
 * Runs every kind of write on a store holding {@linkcode OLD_FINISHED_JOBS}, checking the counts
 * after each.
 * @param store The store, just migrated.
 * @param other A second store on the same database (another process's writes).
 */
export async function countsThroughEveryWrite(store: SqlStore, other: SqlStore): Promise<void> {
  await assertCountsExact(store, "the migration");
  await store.insertJob(jobRecord("a", { runAt: T0 - 3 }));
  await store.insertJob(jobRecord("a"));
  await store.insertJobs([jobRecord("b", { task: "u" }), jobRecord("a"), jobRecord("c")]);
  await other.insertJob(jobRecord("w", { after: ["a"] }));
  await store.insertJob(jobRecord("w2", { after: ["old-f"], resultTtl: 0 }));
  const gone = { status: "succeeded" as const, finishedAt: T0, expiresAt: T0 };
  await store.insertJob(jobRecord("dropped", gone));
  // Final jobs inserted as they are (the insert trigger counts them), alone and in a batch that
  // repeats an id.
  const failed = { status: "failed" as const, ...done, expiresAt: null };
  await store.insertJob(jobRecord("final-1", failed));
  await other.insertJobs([
    jobRecord("final-2", { ...failed, task: "u" }),
    jobRecord("final-2", { ...failed, task: "u" }),
    jobRecord("final-1", failed),
  ]);
  await store.insertJob(jobRecord("c", { payload: "2" }), "replace");
  // Waits for b, which fails below: cancelled by its dependency.
  await store.insertJob(jobRecord("w3", { after: ["b"] }));
  await assertCountsExact(store, "inserts");
  const claimed = await store.claimJobs(T0, "A", LEASE, 10, { tasks: ["t", "u"] });
  assert.deepEqual(claimed.map((j) => j.id).sort(), ["a", "b", "c", "old-p", "old-u"]);
  await assertCountsExact(store, "a claim");
  await store.renewJobs(["a"], "A", T0 + LEASE * 2);
  await store.setProgress("a", "A", "1");
  const ok = { status: "succeeded" as const, result: "1", error: null, finishedAt: T0 };
  await store.finishJob("a", "A", { ...ok, expiresAt: T0 + 100 });
  await assertCountsExact(store, "a finish releasing a dependant");
  const [b, c, p] = ["b", "c", "old-p"];
  await store.finishJobs("A", [
    {
      id: b,
      outcome: { ...ok, status: "failed", error: { name: "E", message: "m" }, expiresAt: null },
    },
    { id: c, outcome: { ...ok, expiresAt: T0 } },
  ]);
  await store.retryJob(p, "A", T0 + 1, { name: "E", message: "again" });
  assert.equal((await store.getJob("w3"))!.status, "cancelled");
  await assertCountsExact(store, "finishes, a dependant cancelled, a dropped one, a retry");
  await store.cancelJob("old-u", T0, T0 + 100);
  await store.cancelJob("w", T0, null);
  await store.cancelJob(p, T0, T0);
  await store.rerunJob("old-f", T0);
  await store.rerunJob(b, T0);
  await assertCountsExact(store, "cancels and re-runs");
  await store.putSchedule(scheduleRecord("s", { task: "u" }), "error");
  await store.claimDueSchedules(T0, "A", LEASE, 1);
  const fired = [jobRecord("s@1", { task: "u", scheduleId: "s" })];
  await store.releaseSchedule("s", "A", { nextRunAt: null, lastRunAt: T0, jobs: fired });
  await assertCountsExact(store, "a fire");
  assert.equal(await store.purgeJobs({ status: "cancelled" }, 1), 1);
  assert.ok((await other.cleanup(T0 + 1000)) > 0);
  await assertCountsExact(store, "a purge and a clean-up");
  assert.equal(await store.countJobs({ scheduleId: "s" }), 1, "schedule filters still count");
}
