/**
 * Job counts per status and task, kept by triggers (SQLite files, schema version 4).
 *
 * Counting the jobs of one status through an index reads one entry per job: at 1,000,000 jobs
 * the dashboard's five status counts took ~70–120 ms per poll. `everywhen_job_counts` holds one
 * row per (status, task); triggers adjust it inside every write to the jobs table, so the counts
 * stay exact whichever process (or everywhen version) writes, and a count reads a few rows.
 * @module
 */

import type { JobFilter } from "../store.ts";
import type { Dialect } from "./dialect.ts";
import type { SqlValue } from "./driver.ts";

const COUNTS = "everywhen_job_counts";

/** A trigger step moving one job into (`+1`) or out of (`-1`) the count of `row`'s status and task. */
function step(row: "NEW" | "OLD", by: 1 | -1): string {
  return by < 0
    ? `UPDATE ${COUNTS} SET n = n - 1 WHERE status = ${row}.status AND task = ${row}.task;`
    : `INSERT INTO ${COUNTS} (status, task, n) VALUES (${row}.status, ${row}.task, 1)
        ON CONFLICT (status, task) DO UPDATE SET n = n + 1;`;
}

/**
 * The migration's statements: the table, filled from the jobs already there, and its triggers.
 * Rows that fall to 0 stay (one per status and task ever seen), so a delete is one update.
 * Only status and task changes fire the update trigger: lease renewals and progress do not.
 */
export const JOB_COUNTS: readonly string[] = [
  `CREATE TABLE ${COUNTS} (status TEXT NOT NULL, task TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (status, task)) WITHOUT ROWID`,
  `INSERT INTO ${COUNTS} (status, task, n)
    SELECT status, task, count(*) FROM everywhen_jobs GROUP BY status, task`,
  `CREATE TRIGGER everywhen_jobs_count_insert AFTER INSERT ON everywhen_jobs
    BEGIN ${step("NEW", 1)} END`,
  `CREATE TRIGGER everywhen_jobs_count_delete AFTER DELETE ON everywhen_jobs
    BEGIN ${step("OLD", -1)} END`,
  `CREATE TRIGGER everywhen_jobs_count_update AFTER UPDATE OF status, task ON everywhen_jobs
    WHEN NEW.status IS NOT OLD.status OR NEW.task IS NOT OLD.task
    BEGIN ${step("OLD", -1)} ${step("NEW", 1)} END`,
];

/**
 * The count query for `filter` when the counts table can answer it (status and task filters
 * only, on a dialect that keeps it), pushing its parameters onto `params`; otherwise `null`.
 * @param d The dialect.
 * @param filter The count's filter.
 * @param params Receives the query's parameters.
 * @returns The `SELECT` returning the count as `n`, or `null`.
 */
export function countsQuery(d: Dialect, filter: JobFilter, params: SqlValue[]): string | null {
  if (!d.jobCounts || filter.scheduleId !== undefined) return null;
  const where: string[] = [];
  const { status, task } = filter;
  if (Array.isArray(status)) {
    where.push(d.inList("status"));
    params.push(d.list(status));
  } else if (status !== undefined) {
    where.push("status = ?");
    params.push(status);
  }
  if (task !== undefined) {
    where.push("task = ?");
    params.push(task);
  }
  const clause = where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`;
  return `SELECT COALESCE(sum(n), 0) AS n FROM ${COUNTS}${clause}`;
}
