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
 * Where the store numbers jobs itself (SQLite: writers are serialised), a job's `seq` is also
 * its rowid, one past both the table's largest rowid and `everywhen_counters`' `job_seq`. The
 * counter holds what the table cannot show: the last number schema versions 3 to 7 handed out,
 * and the number of a deleted job that was above every rowid left (the trigger
 * `everywhen_jobs_seq_floor` moves it then). So no number is handed out twice, and taking one
 * reads two rows and writes none: before, every insert wrote the counter, a row that Durable
 * Objects bill.
 */
const NEXT_SEQ = `(SELECT max(coalesce((SELECT max(rowid) FROM ${J}), 0),
  (SELECT value FROM everywhen_counters WHERE name = 'job_seq')) + 1)`;

/**
 * Takes the first of `n` consecutive sequence numbers for a multi-row insert where the store
 * numbers jobs itself (see {@linkcode NEXT_SEQ}); the caller's transaction keeps them its own.
 * @returns The first, or `null` where each row's INSERT takes its own (PostgreSQL).
 */
async function takeSeq(tx: SqlDriver, d: Dialect): Promise<number | null> {
  if (d.nextSeq !== null) return null;
  const [row] = await tx.query<{ first: number }>(`SELECT ${NEXT_SEQ} AS first`);
  return Number(row!.first);
}

/**
 * Rows per statement where the driver pipelines a transaction's statements. With one worker
 * encoding while the server inserts, `enqueueMany` of 1,000 on PostgreSQL went from a median of
 * ~21k jobs/s in statements of 500 run one after another to ~30k in pipelined statements of 200
 * (~25k at 250, ~30k at 125; six alternating runs each).
 */
const PIPELINED_CHUNK = 200;

/**
 * Multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING id`s for `jobs`; a single statement needs
 * no transaction around it. Where the driver pipelines and the database numbers the rows itself
 * (PostgreSQL), the statements are sent together and run in order: the server inserts one while
 * the next is encoded and sent.
 */
export async function insertRows(
  tx: SqlDriver,
  d: Dialect,
  jobs: readonly JobRecord[],
): Promise<Set<string>> {
  const pipelined = pipelinesInserts(tx, d);
  const rows = rowsPerInsert(d, pipelined);
  if (jobs.length <= rows) return await insertChunk(tx, d, jobs);
  const inserted = new Set<string>();
  if (pipelined) {
    const sent: Promise<{ id: string }[]>[] = [];
    for (let i = 0; i < jobs.length; i += rows) {
      sent.push(tx.query<{ id: string }>(...insertStatement(d, jobs.slice(i, i + rows), null)));
    }
    for (const ids of await Promise.all(sent)) for (const r of ids) inserted.add(r.id);
    return inserted;
  }
  for (let i = 0; i < jobs.length; i += rows) {
    for (const id of await insertChunk(tx, d, jobs.slice(i, i + rows))) inserted.add(id);
  }
  return inserted;
}

/**
 * @returns Whether `insertRows` sends its statements together: the driver pipelines, and no
 * statement waits for a number the one before it took (the database's sequence numbers rows).
 */
export function pipelinesInserts(driver: SqlDriver, d: Dialect): boolean {
  return driver.pipelines === true && d.nextSeq !== null;
}

/**
 * @param d A dialect.
 * @param pipelined Whether the driver sends a transaction's statements together (smaller
 * statements then overlap encoding with inserting).
 * @returns How many job rows one `INSERT` carries at most, within the dialect's bound-parameter
 * limit (a Durable Object takes three); `insertRows` writes more in several statements, so only
 * inside a transaction are they one write.
 */
export function rowsPerInsert(d: Dialect, pipelined = false): number {
  // Per row: every column, less `seq` where the dialect's sequence takes it, plus the rowid
  // where the store numbers jobs itself.
  const perRow = JOB_COLUMNS.length + (d.nextSeq === null ? 1 : -1);
  const most = pipelined ? PIPELINED_CHUNK : INSERT_CHUNK;
  return Math.max(1, Math.min(most, Math.floor(d.maxParams / perRow)));
}

async function insertChunk(
  tx: SqlDriver,
  d: Dialect,
  jobs: readonly JobRecord[],
): Promise<Set<string>> {
  // One job alone takes its number inside its own INSERT (a write statement holds the write
  // lock from its first read), so it needs no transaction; several take theirs first.
  const single = jobs.length === 1 && d.nextSeq === null;
  const first = single ? null : await takeSeq(tx, d);
  const rows = await tx.query<{ id: string }>(...insertStatement(d, jobs, first));
  return new Set(rows.map((r) => r.id));
}

/**
 * @param first The first of the numbers the store took for `jobs` (SQLite), or `null`: a job
 * alone takes its own inside the statement, and PostgreSQL's sequence numbers every row.
 * @returns The `INSERT` and its parameters.
 */
function insertStatement(
  d: Dialect,
  jobs: readonly JobRecord[],
  first: number | null,
): [string, SqlValue[]] {
  const seq = first === null ? d.nextSeq ?? NEXT_SEQ : null;
  // Numbered by the store: the rowid is written too, and equals `seq`.
  const rowid = d.nextSeq === null;
  const values = JOB_COLUMNS.map((_, i) => (i === SEQ_COLUMN && seq !== null ? seq : "?"));
  const row = `(${rowid ? `${first === null ? NEXT_SEQ : "?"}, ` : ""}${values.join(", ")})`;
  const params: SqlValue[] = [];
  jobs.forEach((job, i) => {
    const values = jobParams(job);
    if (first === null) values.splice(SEQ_COLUMN, 1);
    else values[SEQ_COLUMN] = first + i;
    if (first !== null && rowid) params.push(first + i);
    params.push(...values);
  });
  const columns = `${rowid ? "rowid, " : ""}${JOB_COLUMNS.join(", ")}`;
  return [
    `INSERT INTO ${J} (${columns}) VALUES ${jobs.map(() => row).join(", ")}
      ON CONFLICT (id) DO NOTHING RETURNING id`,
    params,
  ];
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
