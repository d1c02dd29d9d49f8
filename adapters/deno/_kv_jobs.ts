/**
 * Job writes of the Deno KV store, as steps of one {@linkcode KvTx} round: writing a record with
 * its indexes, placing a new job (seq, dependencies) and releasing or cancelling the dependants
 * of a job that just became final. The rules themselves are the shared ones in
 * `src/store/semantics.ts`; this module only maps them onto keys.
 *
 * Dependency races between processes: a job inserted as `waiting` checks the record of every
 * unfinished job it waits for and touches `["dn", afterId]`; a job becoming final checks
 * `["dn", id]` and lists `["dep", id]`. Whichever of the two commits second fails its checks and
 * retries, so a waiter is never left behind by a dependency that finished meanwhile. Two
 * dependencies of one waiter finishing at once both rewrite the waiter, so they conflict too.
 * @module
 */

import type { JobRecord, JobStatus } from "../../src/store/store.ts";
import {
  dependencyExpiresAt,
  droppedOnArrival,
  evaluateDependencies,
  isFinal,
} from "../../src/store/semantics.ts";
import type { KvKeys } from "./_kv_keys.ts";
import { type AtomicCost, checkValue, fitsAtomic, sizeOf } from "./_kv_limits.ts";
import type { KvTx } from "./_kv_tx.ts";

/**
 * Replaces job `old` by `next` (or inserts it when `old` is `null`), moving its indexes, and
 * dropping it when it arrives past its retention.
 */
export function putJob(tx: KvTx, k: KvKeys, old: JobRecord | null, next: JobRecord): void {
  if (old) { for (const key of k.jobIndexes(old)) tx.delete(key); }
  if (droppedOnArrival(next)) {
    tx.delete(k.job(next.id));
    return;
  }
  checkValue(next, `job ${JSON.stringify(next.id)}`);
  tx.set(k.job(next.id), next);
  for (const key of k.jobIndexes(next)) tx.set(key, null);
}

/** Deletes a job and every index it has. */
export function deleteJob(tx: KvTx, k: KvKeys, job: JobRecord): void {
  for (const key of k.jobIndexes(job)) tx.delete(key);
  tx.delete(k.job(job.id));
}

/**
 * Decides a job's status from its dependencies, as inserted or replaced at `now`: `pending`,
 * `waiting` (registering it with each unfinished dependency) or `cancelled` at once.
 * @returns The record to write.
 */
export async function withDependencies(
  tx: KvTx,
  k: KvKeys,
  job: JobRecord,
  now: number,
): Promise<JobRecord> {
  if (job.after.length === 0) return { ...job, status: "pending" };
  const statuses = new Map<string, JobStatus | null>();
  for (const id of new Set(job.after)) {
    statuses.set(id, (await tx.get<JobRecord>(k.job(id), false))?.status ?? null);
  }
  const verdict = evaluateDependencies(job.after, (id) => statuses.get(id) ?? null);
  if (verdict.status === "cancelled") {
    return {
      ...job,
      status: "cancelled",
      error: verdict.error,
      finishedAt: now,
      expiresAt: dependencyExpiresAt(job, now),
    };
  }
  if (verdict.status === "waiting") {
    for (const [id, status] of statuses) {
      if (status !== null && isFinal(status)) continue;
      await tx.get(k.job(id)); // checked: a finish of `id` before our commit makes us retry
      tx.set(k.key("dn", id), job.id); // makes a concurrent finish of `id` retry and see us
    }
  }
  return { ...job, status: verdict.status };
}

/**
 * In the round that makes `job` final: re-evaluates every job waiting for it, cascading to the
 * dependants of those it cancels, all in this round when that fits one atomic operation. When
 * it does not (hundreds of dependants), the round only writes a release marker
 * `["rel", id]`, and the caller runs `drainReleases` after the commit: the dependants are then
 * settled in checked parts, and a crash in between is finished by the next `cleanup`.
 * @param job The job as it now is (final).
 * @param now The instant (epoch ms).
 * @returns Whether the release was deferred to a marker.
 */
export async function finalize(tx: KvTx, k: KvKeys, job: JobRecord, now: number): Promise<boolean> {
  const mark = tx.snapshot();
  await settleDependants(tx, k, job, now);
  if (fitsAtomic(tx.cost())) return false;
  tx.restore(mark);
  await tx.get(k.key("dn", job.id));
  tx.delete(k.key("dn", job.id));
  tx.set(k.key("rel", job.id), now);
  return true;
}

async function settleDependants(
  tx: KvTx,
  k: KvKeys,
  job: JobRecord,
  now: number,
): Promise<void> {
  const queue: JobRecord[] = [job];
  for (let done = queue.shift(); done !== undefined; done = queue.shift()) {
    await tx.get(k.key("dn", done.id));
    tx.delete(k.key("dn", done.id));
    for await (const { key } of tx.list({ prefix: k.key("dep", done.id) })) {
      const next = await settleWaiter(tx, k, key[key.length - 1] as string, now);
      if (next && isFinal(next.status)) queue.push(next);
      if (!fitsAtomic(tx.cost())) return; // the caller defers the whole release
    }
  }
}

/**
 * Re-evaluates one waiting job in the round. It is rewritten even when it keeps waiting, so two
 * of its dependencies finishing at once conflict on it and the second sees the first.
 * @returns Its new record, `null` when it is gone or no longer waiting (a stale index entry).
 */
export async function settleWaiter(
  tx: KvTx,
  k: KvKeys,
  id: string,
  now: number,
): Promise<JobRecord | null> {
  const waiter = await tx.get<JobRecord>(k.job(id));
  if (!waiter || waiter.status !== "waiting") return null;
  const next = await reevaluate(tx, k, waiter, now);
  putJob(tx, k, waiter, next);
  return next;
}

async function reevaluate(
  tx: KvTx,
  k: KvKeys,
  waiter: JobRecord,
  now: number,
): Promise<JobRecord> {
  const statuses = new Map<string, JobStatus | null>();
  for (const id of new Set(waiter.after)) {
    statuses.set(id, (await tx.get<JobRecord>(k.job(id), false))?.status ?? null);
  }
  const verdict = evaluateDependencies(waiter.after, (id) => statuses.get(id) ?? null);
  if (verdict.status !== "cancelled") {
    if (verdict.status === "waiting") return waiter;
    return { ...waiter, status: "pending", runAt: Math.max(waiter.runAt, now) };
  }
  return {
    ...waiter,
    status: "cancelled",
    error: verdict.error,
    finishedAt: now,
    expiresAt: dependencyExpiresAt(waiter, now),
  };
}

/**
 * Adds new jobs to the round: each gets the next `seq` (the `seq` key is checked, so every
 * insert in every process is ordered by it, and an id found absent stays absent until the
 * commit) and its status from its dependencies.
 */
export async function insertNew(
  tx: KvTx,
  k: KvKeys,
  jobs: readonly JobRecord[],
): Promise<void> {
  if (jobs.length === 0) return;
  const seqKey = k.key("seq");
  let seq = (await tx.get<number>(seqKey)) ?? 0;
  for (const job of jobs) {
    const base: JobRecord = { ...job, seq: ++seq, after: [...job.after] };
    const next = base.status === "pending"
      ? await withDependencies(tx, k, base, job.createdAt)
      : base;
    putJob(tx, k, null, next);
  }
  tx.set(seqKey, seq);
}

/** An upper estimate of what inserting `job` uses of an atomic operation. */
export function insertCost(k: KvKeys, job: JobRecord): AtomicCost {
  const keys = k.jobIndexes({ ...job, status: "waiting" }).length + 3;
  const idBytes = sizeOf(k.job(job.id));
  return {
    checks: job.after.length,
    mutations: keys + job.after.length,
    bytes: sizeOf(job) + keys * 4 * idBytes,
    keyBytes: keys * 4 * idBytes,
  };
}
