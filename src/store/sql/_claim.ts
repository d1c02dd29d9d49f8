/**
 * The SQL store's job claim: the claim order, per-key concurrency and rate limits of
 * `Store.claimJobs`, walking indexes only.
 *
 * Starved jobs (ready since `now - starvationMs` or earlier), if the oldest ready job is one, are
 * walked first through `everywhen_jobs_ready (ready_at, seq)`; then each priority level present
 * among unfinished jobs, highest first, through `everywhen_jobs_priority (priority, ready_at,
 * seq)`: one index seek finds the next level, one range reads its ready jobs in (ready_at, seq)
 * order. Where that index leaves out priority 0 (`Dialect.sparsePriority`), level 0 is walked
 * through the ready index. A claim therefore reads the rows it takes, the rows it skips (other
 * tasks, blocked keys), and one row per priority level in use — never every pending job.
 * @module
 */

import type { ClaimJobsOptions, JobRecord } from "../store.ts";
import type { Dialect } from "./dialect.ts";
import type { SqlDriver, SqlValue } from "./driver.ts";
import { JOB_SELECT, type Row, toJob } from "./_rows.ts";
import { DEFAULT_STARVATION_MS, RATE_LOG_RETENTION_MS, rateDelayedUntil } from "../semantics.ts";

const J = "everywhen_jobs";
/** Candidates read per round trip while claiming jobs where claimers run one at a time. */
const CLAIM_PAGE = 64;
/**
 * Most candidates locked per round trip where claimers run side by side (PostgreSQL), never more
 * than the claim can still take. A claim of 1,000 jobs was 16 pages of 64, two round trips each;
 * with 500 it is two pages, and one worker's run phase went from ~3.7k to 5.3k–6.6k jobs/s.
 */
const LOCKING_PAGE = 500;
const CANDIDATE = `SELECT id, status, concurrency_key, concurrency_limit, ready_at, seq,
  rate_key, rate_limit, rate_period FROM ${J}`;

/** What one claim call has learnt about keys so far. */
interface ClaimState {
  out: JobRecord[];
  /** Running jobs per concurrency key, counting this claim's (Infinity: another claimer has it). */
  running: Map<string, number>;
  /** Start instants per rate key in its window, counting this claim's (null: another has it). */
  starts: Map<string, number[] | null>;
}

/**
 * Claims up to `limit` jobs for `owner` inside the write transaction `tx`.
 * @param tx The transaction.
 * @param d Its dialect.
 * @param now The claim instant (epoch ms).
 * @param owner The lease owner.
 * @param leaseMs The lease length (ms).
 * @param limit Most jobs to claim.
 * @param options Tasks and starvation threshold.
 * @returns The claimed jobs, in claim order.
 */
export async function claimIn(
  tx: SqlDriver,
  d: Dialect,
  now: number,
  owner: string,
  leaseMs: number,
  limit: number,
  options: ClaimJobsOptions,
): Promise<JobRecord[]> {
  const tasks = d.list(options.tasks);
  const starvedBefore = now - (options.starvationMs ?? DEFAULT_STARVATION_MS);
  const state: ClaimState = { out: [], running: new Map(), starts: new Map() };
  const walk = async (where: string, params: SqlValue[]): Promise<void> => {
    let after: [number, number] | null = null;
    while (state.out.length < limit) {
      // Candidates that are locked stay locked until commit: lock no more than this claim can
      // take, so that concurrent claimers find the rest.
      const page = d.skipLocked === ""
        ? CLAIM_PAGE
        : Math.min(LOCKING_PAGE, limit - state.out.length);
      const keyset: string = after === null ? "" : " AND (ready_at, seq) > (?, ?)";
      const candidates: Row[] = await tx.query<Row>(
        `${CANDIDATE} WHERE ${where} AND ${d.inList("task")}${keyset}
          ORDER BY ready_at, seq LIMIT ?${d.skipLocked}`,
        [...params, tasks, ...(after ?? []), page],
      );
      await countKeys(tx, d, candidates, state);
      const take: Row[] = [];
      for (const c of candidates) {
        if (state.out.length + take.length >= limit) break;
        if (await admit(tx, d, c, now, state)) take.push(c);
      }
      await lease(tx, d, take, now, owner, leaseMs, state);
      if (candidates.length < page) return;
      const last: Row = candidates[candidates.length - 1]!;
      after = [last.ready_at as number, Number(last.seq)];
    }
  };
  const sparse = d.sparsePriority ? " AND priority <> 0" : "";
  // The highest priority level in use and the oldest ready time, one index seek each, in one
  // statement: no job is starved unless the oldest is, so the starved walk (a round trip on
  // PostgreSQL) is skipped in the common case.
  const [first] = await tx.query<{ p: number | null; oldest: number | null }>(
    `SELECT (SELECT max(priority) FROM ${J} WHERE ready_at IS NOT NULL${sparse}) AS p,
      (SELECT min(ready_at) FROM ${J} WHERE ready_at IS NOT NULL) AS oldest`,
  );
  const oldest = first?.oldest ?? null;
  if (oldest !== null && Number(oldest) <= starvedBefore) {
    await walk("ready_at <= ?", [starvedBefore]);
  }
  // The next lower priority level in use: one seek down the priority index.
  const below = async (p: number): Promise<number | null> => {
    const [row] = await tx.query<{ p: number | null }>(
      `SELECT max(priority) AS p FROM ${J} WHERE ready_at IS NOT NULL${sparse} AND priority < ?`,
      [p],
    );
    return row?.p === null || row?.p === undefined ? null : Number(row.p);
  };
  const level = "priority = ? AND ready_at <= ? AND ready_at > ?";
  let zero = sparse === "";
  const top = first?.p ?? null;
  for (let p = top === null ? null : Number(top); state.out.length < limit;) {
    if (!zero && (p === null || p < 0)) {
      // Priority 0 is not in a sparse priority index: walk it through the ready index.
      zero = true;
      await walk(level, [0, now, starvedBefore]);
      continue;
    }
    if (p === null) break;
    await walk(level, [p, now, starvedBefore]);
    p = await below(p);
  }
  return state.out;
}

/**
 * Counts the running jobs of every concurrency key new to this claim among `candidates`, so that
 * a page of jobs with many keys costs one or two statements, not two per key.
 *
 * Where claimers run side by side (PostgreSQL), one at a time counts and claims a limited key:
 * its locks are tried first, all in one statement, and a key another claimer holds counts as full
 * (`Infinity`), so its jobs are left to the holder, unblocked. The count is a later statement than
 * the locks on purpose: a statement sees only what was committed before it began, and the
 * holder's commit, which releases the lock, must be seen.
 */
async function countKeys(
  tx: SqlDriver,
  d: Dialect,
  candidates: readonly Row[],
  state: ClaimState,
): Promise<void> {
  // New keys, and whether a candidate limits each (a running candidate is a crashed runner's
  // job: it already counts against its key and is not admitted through it).
  const limited = new Map<string, boolean>();
  for (const c of candidates) {
    const key = c.concurrency_key as string | null;
    if (c.status !== "pending" || key === null || state.running.has(key)) continue;
    limited.set(key, limited.get(key) === true || c.concurrency_limit !== null);
  }
  if (d.tryLocks !== null) {
    const names = [...limited].filter(([, yes]) => yes).map(([key]) => `key:${key}`);
    if (names.length > 0) {
      const locks = await tx.query<{ name: string; ok: number }>(d.tryLocks, [d.list(names)]);
      for (const l of locks) {
        if (Number(l.ok) !== 1) state.running.set(l.name.slice("key:".length), Infinity);
      }
    }
  }
  const keys = [...limited.keys()].filter((key) => !state.running.has(key));
  if (keys.length === 0) return;
  const one = keys.length === 1;
  const where = one ? "concurrency_key = ?" : d.inListIndexed("concurrency_key");
  const rows = await tx.query<{ k: string; n: number }>(
    `SELECT concurrency_key AS k, count(*) AS n FROM ${J} WHERE ${where} AND status = 'running'
      AND concurrency_key IS NOT NULL GROUP BY concurrency_key`,
    [one ? keys[0]! : d.list(keys)],
  );
  for (const key of keys) state.running.set(key, 0);
  for (const r of rows) state.running.set(r.k, Number(r.n));
}

/**
 * Whether candidate `c` may start now, counting it against its concurrency and rate keys when it
 * may; a job over its rate limit has its run time moved to the next allowed instant.
 */
async function admit(
  tx: SqlDriver,
  d: Dialect,
  c: Row,
  now: number,
  state: ClaimState,
): Promise<boolean> {
  // A running candidate is a crashed runner's job: it already counts against its keys.
  if (c.status !== "pending") return true;
  const key = c.concurrency_key as string | null;
  const max = c.concurrency_limit as number | null;
  let n = 0;
  if (key !== null) {
    // Counted (or found held by another claimer) by `countKeys` for the candidate's page.
    n = state.running.get(key)!;
    if (max !== null && n >= max) return false;
  }
  const rateKey = c.rate_key as string | null;
  const rateLimit = c.rate_limit as number | null;
  const period = c.rate_period as number | null;
  if (rateKey !== null && rateLimit !== null && period !== null) {
    let starts = state.starts.get(rateKey);
    if (starts === undefined) {
      starts = (await tryLock(tx, d, `rate:${rateKey}`))
        ? (await tx.query<{ t: number }>(
          "SELECT started_at AS t FROM everywhen_rate_starts WHERE rate_key = ? AND started_at > ?",
          [rateKey, now - period],
        )).map((r) => Number(r.t))
        : null;
      state.starts.set(rateKey, starts);
    }
    // Another claimer is counting this key's starts: leave the job to it, unchanged.
    if (starts === null) return false;
    const until = rateDelayedUntil(starts, now, rateLimit, period);
    if (until !== null) {
      await tx.exec(`UPDATE ${J} SET run_at = ? WHERE id = ?`, [until, c.id as string]);
      return false;
    }
    starts.push(now);
  }
  if (key !== null) state.running.set(key, n + 1);
  return true;
}

/** Leases the admitted candidates in one statement and logs their rate-limited starts. */
async function lease(
  tx: SqlDriver,
  d: Dialect,
  take: Row[],
  now: number,
  owner: string,
  leaseMs: number,
  state: ClaimState,
): Promise<void> {
  if (take.length === 0) return;
  // A single id uses plain equality: cheaper to plan, and fewer rows read (which Durable Objects
  // bill) than reading the id out of a JSON list.
  const one = take.length === 1;
  const ids = take.map((c) => c.id as string);
  const rows = await tx.query<Row>(
    `UPDATE ${J} SET status = 'running', attempts = attempts + 1, started_at = ?,
      lease_owner = ?, lease_until = ? WHERE ${one ? "id = ?" : d.inList("id")}
      RETURNING ${JOB_SELECT}`,
    [now, owner, now + leaseMs, one ? ids[0]! : d.list(ids)],
  );
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  for (const c of take) {
    const row = byId.get(c.id as string);
    if (!row) continue;
    state.out.push(toJob(row));
    const rateKey = c.rate_key as string | null;
    if (rateKey === null || c.rate_limit === null || c.rate_period === null) continue;
    const keep = Math.max(Number(c.rate_period), RATE_LOG_RETENTION_MS);
    await tx.exec(
      "INSERT INTO everywhen_rate_starts (rate_key, started_at, expires_at) VALUES (?, ?, ?)",
      [rateKey, now, now + keep],
    );
  }
}

/** Takes a transaction-scoped lock without waiting where claimers run side by side. */
async function tryLock(tx: SqlDriver, d: Dialect, name: string): Promise<boolean> {
  if (d.tryLock === null) return true;
  return (await tx.query<{ ok: number }>(d.tryLock, [name]))[0]?.ok === 1;
}
