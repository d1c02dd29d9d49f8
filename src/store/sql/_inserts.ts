/**
 * The SQL store's job inserts and dependency releases, each run inside the caller's write
 * transaction: sequence numbers, the dependency rule at insert, multi-row batch inserts, and
 * releasing (or cancelling) the dependants of jobs that just became final.
 * @module
 */

import type { JobRecord, JobStatus } from "../store.ts";
import type { Dialect } from "./dialect.ts";
import type { SqlDriver, SqlValue } from "./driver.ts";
import { JOB_COLUMNS, JOB_SELECT, jobParams, type Row, SEQ_COLUMN, toJob } from "./_rows.ts";
import { countMoved } from "./_job_counts.ts";
import {
  dependencyExpiresAt,
  droppedOnArrival,
  evaluateDependencies,
  isFinal,
} from "../semantics.ts";

const J = "everywhen_jobs";
const DEPS = "everywhen_job_deps";
/** Most rows per multi-row INSERT, where the dialect's bound-parameter limit allows as many. */
const INSERT_CHUNK = 500;

/**
 * Takes `n` consecutive sequence numbers where the store counts them itself (SQLite), for a
 * multi-row insert.
 * @returns The first, or `null` where each row's INSERT takes its own (PostgreSQL).
 */
async function takeSeq(tx: SqlDriver, d: Dialect, n: number): Promise<number | null> {
  if (d.nextSeq !== null) return null;
  const [row] = await tx.query<{ value: number }>(
    "UPDATE everywhen_counters SET value = value + ? WHERE name = 'job_seq' RETURNING value",
    [n],
  );
  return Number(row!.value) - n + 1;
}

/**
 * SQLite: a single row takes the next number inside its own INSERT (a write statement holds the
 * write lock from its first read), and the `everywhen_jobs_seq` trigger advances the counter;
 * so one job is one statement, with no transaction around it.
 */
const NEXT_COUNTED = "(SELECT value + 1 FROM everywhen_counters WHERE name = 'job_seq')";

/**
 * One multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING id` for `jobs`; a single job needs no
 * transaction around it.
 */
export async function insertRows(
  tx: SqlDriver,
  d: Dialect,
  jobs: readonly JobRecord[],
): Promise<Set<string>> {
  const rows = rowsPerInsert(d);
  if (jobs.length <= rows) return await insertChunk(tx, d, jobs);
  const inserted = new Set<string>();
  for (let i = 0; i < jobs.length; i += rows) {
    for (const id of await insertChunk(tx, d, jobs.slice(i, i + rows))) inserted.add(id);
  }
  return inserted;
}

/**
 * @param d A dialect.
 * @returns How many job rows one `INSERT` may carry within its bound-parameter limit (a Durable
 * Object takes three); `insertRows` writes more in several statements, so only inside a
 * transaction are they one write.
 */
export function rowsPerInsert(d: Dialect): number {
  return Math.max(1, Math.min(INSERT_CHUNK, Math.floor(d.maxParams / JOB_COLUMNS.length)));
}

async function insertChunk(
  tx: SqlDriver,
  d: Dialect,
  jobs: readonly JobRecord[],
): Promise<Set<string>> {
  const single = jobs.length === 1 && d.nextSeq === null;
  const first = single ? null : await takeSeq(tx, d, jobs.length);
  const seq = single ? NEXT_COUNTED : d.nextSeq;
  const row = `(${
    JOB_COLUMNS.map((_, i) => (i === SEQ_COLUMN && seq !== null ? seq : "?")).join(", ")
  })`;
  const params: SqlValue[] = [];
  jobs.forEach((job, i) => {
    const values = jobParams(job);
    if (first === null) values.splice(SEQ_COLUMN, 1);
    else values[SEQ_COLUMN] = first + i;
    params.push(...values);
  });
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO ${J} (${JOB_COLUMNS.join(", ")}) VALUES ${jobs.map(() => row).join(", ")}
      ON CONFLICT (id) DO NOTHING RETURNING id`,
    params,
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * The stored statuses of `ids`; with `lock`, the rows stay as read until commit (PostgreSQL): a
 * dependency finishing meanwhile either commits first (and is read as finished) or waits, then
 * finds this job's edge.
 */
async function statusesOf(
  tx: SqlDriver,
  d: Dialect,
  ids: readonly string[],
  lock = false,
): Promise<Map<string, JobStatus>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<{ id: string; status: JobStatus }>(
    `SELECT id, status FROM ${J} WHERE ${d.inList("id")}${lock ? d.forShare : ""}`,
    [d.list(ids)],
  );
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** A job's status and dependency edges as the dependency rule decides them at insert. */
interface Decided {
  /** The job as it is written. */
  record: JobRecord;
  /** Dependencies it waits for (edges to write). */
  waitsFor: string[];
}

/**
 * Applies the dependency rule to a job about to be inserted: `pending`, `waiting` on the
 * dependencies not yet succeeded, or `cancelled` naming one.
 */
async function decide(tx: SqlDriver, d: Dialect, job: JobRecord): Promise<Decided> {
  if (job.after.length === 0 || (job.status !== "pending" && job.status !== "waiting")) {
    return { record: job, waitsFor: [] };
  }
  const statuses = await statusesOf(tx, d, job.after, true);
  const verdict = evaluateDependencies(job.after, (id) => statuses.get(id) ?? null);
  const now = job.createdAt;
  if (verdict.status === "cancelled") {
    const expiresAt = dependencyExpiresAt(job, now);
    const record: JobRecord = {
      ...job,
      status: "cancelled",
      error: verdict.error,
      finishedAt: now,
      expiresAt,
    };
    return { record, waitsFor: [] };
  }
  const waitsFor = verdict.status === "waiting"
    ? [...new Set(job.after.filter((id) => statuses.get(id) !== "succeeded"))]
    : [];
  return { record: { ...job, status: verdict.status }, waitsFor };
}

/** Records that `jobId` waits for each of `deps`. */
async function writeEdges(
  tx: SqlDriver,
  jobId: string,
  deps: readonly string[],
): Promise<void> {
  for (const dep of deps) {
    await tx.exec(`INSERT INTO ${DEPS} (dep_id, job_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, [
      dep,
      jobId,
    ]);
  }
}

/**
 * Inserts `job` unless its id exists, deciding `waiting`/`pending`/`cancelled` from its
 * dependencies and recording its dependency edges; a job whose retention already ended is
 * dropped.
 * @returns Whether it was inserted.
 */
export async function insertOne(tx: SqlDriver, d: Dialect, job: JobRecord): Promise<boolean> {
  const { record, waitsFor } = await decide(tx, d, job);
  if (!(await insertRows(tx, d, [record])).has(job.id)) return false;
  await writeEdges(tx, job.id, waitsFor);
  if (droppedOnArrival(record)) await tx.exec(`DELETE FROM ${J} WHERE id = ?`, [job.id]);
  return true;
}

/**
 * Inserts `jobs` in order: runs of plain jobs as multi-row INSERTs, jobs with dependencies or
 * already past their retention one by one (they may depend on earlier jobs of the batch).
 * @returns The ids inserted, in input order.
 */
export async function insertMany(
  tx: SqlDriver,
  d: Dialect,
  jobs: readonly JobRecord[],
): Promise<string[]> {
  const inserted: string[] = [];
  let run: JobRecord[] = [];
  const flush = async (): Promise<void> => {
    if (run.length === 0) return;
    const ids = await insertRows(tx, d, run);
    // An id repeated within the batch is inserted once, for its first occurrence.
    for (const job of run) if (ids.delete(job.id)) inserted.push(job.id);
    run = [];
  };
  for (const job of jobs) {
    if (job.after.length === 0 && !droppedOnArrival(job)) {
      // `insertRows` cuts the run into statements that fit.
      run.push(job);
      continue;
    }
    await flush();
    if (await insertOne(tx, d, job)) inserted.push(job.id);
  }
  await flush();
  return inserted;
}

/**
 * Re-evaluates the waiting dependants of jobs that just became final, in the same transaction:
 * all dependencies succeeded → `pending` at `max(runAt, now)`; one failed or was cancelled →
 * `cancelled` naming it, which cascades to its own dependants.
 * @param finished Each final job's id and status (a job already deleted for zero retention
 * still counts with its status).
 */
export async function releaseDependants(
  tx: SqlDriver,
  d: Dialect,
  finished: ReadonlyArray<[id: string, status: JobStatus]>,
  now: number,
): Promise<void> {
  const known = new Map<string, JobStatus>(finished);
  let queue = finished.filter(([, s]) => isFinal(s)).map(([id]) => id);
  while (queue.length > 0) {
    // Alone, plain equality reads fewer rows (which Durable Objects bill) than a JSON list.
    const one = queue.length === 1;
    const where = one ? "dep_id = ?" : d.inList("dep_id");
    const param = one ? queue[0]! : d.list(queue);
    const edges = await tx.query<{ dep_id: string; job_id: string }>(
      `SELECT dep_id, job_id FROM ${DEPS} WHERE ${where}`,
      [param],
    );
    queue = [];
    if (edges.length === 0) break;
    await tx.exec(`DELETE FROM ${DEPS} WHERE ${where}`, [param]);
    for (const { dep_id: dep, job_id: id } of edges) {
      const [row] = await tx.query<Row>(
        `SELECT ${JOB_SELECT} FROM ${J} WHERE id = ? AND status = 'waiting'${d.forUpdate}`,
        [id],
      );
      if (!row) continue;
      const job = toJob(row);
      // An edge left by a replace that dropped the dependency: nothing to decide.
      if (!job.after.includes(dep)) continue;
      const depStatus = known.get(dep)!;
      let verdict = evaluateDependencies([dep], () => depStatus);
      if (verdict.status === "pending") {
        const statuses = await statusesOf(tx, d, job.after.filter((a) => !known.has(a)));
        verdict = evaluateDependencies(job.after, (a) => known.get(a) ?? statuses.get(a) ?? null);
      }
      if (verdict.status === "pending") {
        await tx.exec(`UPDATE ${J} SET status = 'pending', run_at = ? WHERE id = ?`, [
          Math.max(job.runAt, now),
          id,
        ]);
      } else if (verdict.status === "cancelled") {
        await tx.exec(
          `UPDATE ${J} SET status = 'cancelled', error_json = ?, finished_at = ?, expires_at = ?
            WHERE id = ?`,
          [JSON.stringify(verdict.error), now, dependencyExpiresAt(job, now), id],
        );
        await countMoved(tx, d, [{ status: "cancelled", task: job.task }]);
        known.set(id, "cancelled");
        queue.push(id);
      }
    }
  }
}
