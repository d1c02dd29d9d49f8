/**
 * Counts of finished jobs per status and task (SQLite files since schema version 4, PostgreSQL
 * since version 7).
 *
 * Counting the jobs of one status through an index reads one entry per job: at 1,000,000 jobs
 * the dashboard's five status counts took ~70–120 ms per poll, nearly all of it walking finished
 * jobs. `everywhen_job_counts` holds one row per final status (succeeded, failed, cancelled) and
 * task, adjusted inside every write to the jobs table that moves a job into or out of a final
 * status (by triggers on insert and delete, by the writing statement's own code on update; see
 * {@linkcode NO_UPDATE_TRIGGERS}), so the counts stay exact whichever process writes. Only final statuses are kept: a claim
 * (pending → running) then fires no trigger, a finish updates one row, and the jobs not yet
 * finished, few unless there is a backlog, are counted through the status index as before.
 * @module
 */

import type { JobFilter, JobStatus } from "../store.ts";
import { FINAL_STATUSES, JOB_STATUSES } from "../semantics.ts";
import type { Dialect } from "./dialect.ts";
import type { SqlDriver, SqlValue } from "./driver.ts";

const COUNTS = "everywhen_job_counts";

/** The final statuses as an SQL list. */
export const FINAL_SQL: string = FINAL_STATUSES.map((s) => `'${s}'`).join(", ");

/** A trigger step moving one job into (`+1`) or out of (`-1`) the count of `row`'s status and task. */
function step(row: "NEW" | "OLD", by: 1 | -1): string {
  return by < 0
    ? `UPDATE ${COUNTS} SET n = n - 1 WHERE status = ${row}.status AND task = ${row}.task;`
    : `INSERT INTO ${COUNTS} (status, task, n) VALUES (${row}.status, ${row}.task, 1)
        ON CONFLICT (status, task) DO UPDATE SET n = n + 1;`;
}

/** A job's status or task changed in an update. */
const MOVED = "(NEW.status IS NOT OLD.status OR NEW.task IS NOT OLD.task)";

/**
 * The migration's statements: the table, filled from the finished jobs already there, and its
 * triggers. Each trigger's `WHEN` lets only a job entering or leaving a final status (or a
 * finished job changing task) run a statement: claims, retries, releases of waiting jobs, lease
 * renewals and progress cost only the test. Rows that fall to 0 stay (one per final status and
 * task ever seen), so a delete is one update.
 */
export const JOB_COUNTS: readonly string[] = [
  `CREATE TABLE ${COUNTS} (status TEXT NOT NULL, task TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (status, task)) WITHOUT ROWID`,
  `INSERT INTO ${COUNTS} (status, task, n) SELECT status, task, count(*) FROM everywhen_jobs
    WHERE status IN (${FINAL_SQL}) GROUP BY status, task`,
  `CREATE TRIGGER everywhen_jobs_count_insert AFTER INSERT ON everywhen_jobs
    WHEN NEW.status IN (${FINAL_SQL}) BEGIN ${step("NEW", 1)} END`,
  `CREATE TRIGGER everywhen_jobs_count_delete AFTER DELETE ON everywhen_jobs
    WHEN OLD.status IN (${FINAL_SQL}) BEGIN ${step("OLD", -1)} END`,
  `CREATE TRIGGER everywhen_jobs_count_leave AFTER UPDATE OF status, task ON everywhen_jobs
    WHEN OLD.status IN (${FINAL_SQL}) AND ${MOVED} BEGIN ${step("OLD", -1)} END`,
  `CREATE TRIGGER everywhen_jobs_count_enter AFTER UPDATE OF status, task ON everywhen_jobs
    WHEN NEW.status IN (${FINAL_SQL}) AND ${MOVED} BEGIN ${step("NEW", 1)} END`,
];

/**
 * Schema version 5: the update triggers run only for updates that set `finished_at`. A job
 * enters or leaves a final status only in a statement that sets it (finish, cancel, re-run),
 * and a job's task never changes; a claim (pending → running) sets neither, so it no longer
 * pays for the triggers. A running job becomes final only in `finishJob`/`finishJobs`, which
 * count their rows themselves, one statement per status and task instead of one trigger
 * statement per job: the entering trigger leaves those rows alone. Version 6 drops both.
 */
export const JOB_COUNTS_ON_FINISH: readonly string[] = [
  "DROP TRIGGER everywhen_jobs_count_leave",
  "DROP TRIGGER everywhen_jobs_count_enter",
  `CREATE TRIGGER everywhen_jobs_count_leave AFTER UPDATE OF finished_at ON everywhen_jobs
    WHEN OLD.status IN (${FINAL_SQL}) AND ${MOVED} BEGIN ${step("OLD", -1)} END`,
  `CREATE TRIGGER everywhen_jobs_count_enter AFTER UPDATE OF finished_at ON everywhen_jobs
    WHEN NEW.status IN (${FINAL_SQL}) AND OLD.status <> 'running' AND ${MOVED}
    BEGIN ${step("NEW", 1)} END`,
];

/**
 * Schema version 6: no update triggers. A job enters or leaves a final status in four
 * statements only (a finish, a cancel, a cancel by a failed dependency, a re-run), and each of
 * them counts its rows itself with {@linkcode countMoved}. An update trigger, even one whose
 * `WHEN` is false, made SQLite read every old column of every updated row: ~6 µs per finished
 * job, a third of a batch finish. Inserts and deletes keep their triggers (an insert of a final
 * job and clean-up's deletes are rare and not in the run path).
 */
export const NO_UPDATE_TRIGGERS: readonly string[] = [
  "DROP TRIGGER everywhen_jobs_count_leave",
  "DROP TRIGGER everywhen_jobs_count_enter",
];

/**
 * Schema version 7, PostgreSQL: the same counts, spread over {@linkcode Dialect.countShards}
 * rows per status and task. Inserts and deletes of final jobs (an insert cancelled by a failed
 * dependency, clean-up, purges) count through statement triggers, one upsert per status and task
 * a statement touches, on shard 0: a row trigger would update one counter row once per job, and
 * PostgreSQL walks that row's growing chain of versions each time. The four statements that move
 * a job into or out of a final status count themselves with {@linkcode countMoved}, on a shard of
 * their own.
 */
export const PG_JOB_COUNTS: readonly string[] = [
  `CREATE TABLE ${COUNTS} (status TEXT NOT NULL, task TEXT NOT NULL, shard INTEGER NOT NULL,
    n BIGINT NOT NULL, PRIMARY KEY (status, task, shard))`,
  `INSERT INTO ${COUNTS} (status, task, shard, n) SELECT status, task, 0, count(*)
    FROM everywhen_jobs WHERE status IN (${FINAL_SQL}) GROUP BY status, task`,
  ...(["inserted", "deleted"] as const).map((rows) =>
    // The schema's own counts, whatever the search_path of the connection that writes the job.
    `CREATE FUNCTION everywhen_jobs_${rows}_counted() RETURNS trigger LANGUAGE plpgsql
      SET search_path FROM CURRENT AS $$
      BEGIN
        INSERT INTO ${COUNTS} (status, task, shard, n)
          SELECT status, task, 0, ${rows === "inserted" ? "" : "-"}count(*) FROM ${rows}
          WHERE status IN (${FINAL_SQL}) GROUP BY status, task
          ON CONFLICT (status, task, shard) DO UPDATE SET n = ${COUNTS}.n + excluded.n;
        RETURN NULL;
      END $$`
  ),
  `CREATE TRIGGER everywhen_jobs_count_insert AFTER INSERT ON everywhen_jobs
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION everywhen_jobs_inserted_counted()`,
  `CREATE TRIGGER everywhen_jobs_count_delete AFTER DELETE ON everywhen_jobs
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION everywhen_jobs_deleted_counted()`,
];

/**
 * Moves jobs into (`by` 1) or out of (`by` -1) the counts of their final status and task: one
 * statement per status and task, whatever the number of jobs.
 * @param tx The writing transaction.
 * @param d The dialect; nothing is written where it keeps no counts.
 * @param jobs The jobs' final status and task (as written, or as they were before a re-run).
 * @param by `1` for jobs that just became final, `-1` for jobs that just stopped being final.
 */
export async function countMoved(
  tx: SqlDriver,
  d: Dialect,
  jobs: readonly { status: string; task: string }[],
  by: 1 | -1 = 1,
): Promise<void> {
  if (!d.jobCounts || jobs.length === 0) return;
  const groups = new Map<string, { status: string; task: string; n: number }>();
  for (const { status, task } of jobs) {
    const key = JSON.stringify([status, task]);
    const group = groups.get(key) ?? { status, task, n: 0 };
    group.n += by;
    groups.set(key, group);
  }
  // One shard for the whole call, and its rows in one order: two writers each adding to two
  // counts never wait on each other in a cycle.
  const sharded = d.countShards > 1;
  const shard = Math.floor(Math.random() * d.countShards);
  const sql = sharded
    ? `INSERT INTO ${COUNTS} (status, task, shard, n) VALUES (?, ?, ?, ?)
        ON CONFLICT (status, task, shard) DO UPDATE SET n = ${COUNTS}.n + excluded.n`
    : `INSERT INTO ${COUNTS} (status, task, n) VALUES (?, ?, ?)
        ON CONFLICT (status, task) DO UPDATE SET n = n + excluded.n`;
  for (const key of [...groups.keys()].sort()) {
    const { status, task, n } = groups.get(key)!;
    await tx.exec(sql, sharded ? [status, task, shard, n] : [status, task, n]);
  }
}

/** `status` alone, a list of several, or `undefined` for a list of none. */
function one(statuses: readonly JobStatus[]): JobStatus | JobStatus[] | undefined {
  return statuses.length === 1 ? statuses[0] : statuses.length > 1 ? [...statuses] : undefined;
}

/**
 * The count query for `filter` when the counts table can help (a status filter, with or without a
 * task, or none at all, on a dialect that keeps it), pushing its parameters onto `params`; otherwise `null`. Final
 * statuses are summed from the table; the others are counted in the jobs table through the
 * status index, with the status `WHERE` clause `jobWhere` builds (the one `listJobs` uses).
 * @param d The dialect.
 * @param filter The count's filter.
 * @param params Receives the query's parameters.
 * @param jobWhere Builds the jobs table's `WHERE` clause for a filter, pushing its parameters.
 * @returns The `SELECT` returning the count as `n`, or `null`.
 */
export function countsQuery(
  d: Dialect,
  filter: JobFilter,
  params: SqlValue[],
  jobWhere: (filter: JobFilter, params: SqlValue[]) => string,
): string | null {
  const { status, task } = filter;
  // All of a task's jobs: its index holds them, and a plain count of it (~5 ms at 100,000) beats
  // finding its unfinished ones among every unfinished job (one table read each: ~28 ms at 10,000).
  if (
    !d.jobCounts || filter.scheduleId !== undefined || (status === undefined && task !== undefined)
  ) {
    return null;
  }
  const wanted = status === undefined ? JOB_STATUSES : Array.isArray(status) ? status : [status];
  const final = one(wanted.filter((s) => FINAL_STATUSES.includes(s)));
  const open = one(wanted.filter((s) => !FINAL_STATUSES.includes(s)));
  const parts: string[] = [];
  if (final !== undefined) {
    const where: string[] = [];
    if (Array.isArray(final)) {
      where.push(d.inList("status"));
      params.push(d.list(final));
    } else {
      where.push("status = ?");
      params.push(final);
    }
    if (task !== undefined) {
      where.push("task = ?");
      params.push(task);
    }
    parts.push(`(SELECT COALESCE(sum(n), 0) FROM ${COUNTS} WHERE ${where.join(" AND ")})`);
  }
  if (open !== undefined) {
    // The task is compared as the bare column, which no index holds, so the count walks the
    // status index (the unfinished jobs) rather than the task's index (all its finished jobs).
    let sql = `SELECT count(*) FROM everywhen_jobs${jobWhere({ status: open }, params)}`;
    if (task !== undefined) {
      sql += " AND task = ?";
      params.push(task);
    }
    parts.push(`(${sql})`);
  }
  return `SELECT ${parts.length === 0 ? "0" : parts.join(" + ")} AS n`;
}
