/**
 * The order in which the Deno KV store tries to claim jobs, read from indexes so a claim never
 * scans every pending job: `compareClaims` order (starved jobs by run time and seq, then
 * priority descending, run time, seq), with running jobs whose lease expired merged in.
 *
 * 1. Starved pending jobs: the `rt` index (run time, seq) up to `now - starvationMs`.
 * 2. The rest: the `rdy` index (1000 - priority, run time, seq), one range per priority level
 *    present, each ending at `now`; the next level is found with a one-key list, so the cost is
 *    the jobs tried plus one read per priority level in use (at most 2001).
 * 3. Expired leases (the `lease` index up to `now`: jobs of crashed runners, usually none) are
 *    read first and merged into that order.
 *
 * Candidates are ids; `claimJob` re-reads the record and decides (indexes may be stale), with
 * the concurrency count and the rate start log in the same atomic operation.
 * @module
 */

import type { JobRecord } from "../../src/store/store.ts";
import { compareClaims, DEFAULT_STARVATION_MS } from "../../src/store/semantics.ts";
import { END, type KvKeys, priorityOf } from "./_kv_keys.ts";
import { jobReadyAt } from "../../src/store/semantics.ts";
import { putJob } from "./_kv_jobs.ts";
import { recordStart } from "./_kv_rate.ts";
import { KvTx } from "./_kv_tx.ts";
import { contention, MAX_TRIES } from "./_kv_commit.ts";
import type { Kv, KvKey } from "./types.ts";

type Candidate = Pick<JobRecord, "id" | "runAt" | "seq" | "priority">;

/**
 * @param kv The database.
 * @param k The store's keys.
 * @param now The claim instant.
 * @param starvationMs The starvation threshold.
 * @returns Job ids in claim order, each at most once.
 */
export async function* claimOrder(
  kv: Kv,
  k: KvKeys,
  now: number,
  starvationMs: number = DEFAULT_STARVATION_MS,
): AsyncGenerator<string> {
  const expired = await expiredLeases(kv, k, now, starvationMs);
  const seen = new Set<string>();
  const batchSize = 100;
  function* before(next: Candidate | null): Generator<string> {
    while (
      expired.length > 0 &&
      (next === null || compareClaims(expired[0]!, next, now, starvationMs) < 0)
    ) {
      const { id } = expired.shift()!;
      if (!seen.has(id)) {
        seen.add(id);
        yield id;
      }
    }
  }
  const starved = { start: k.key("rt"), end: k.key("rt", now - starvationMs, END) };
  for await (const { key } of kv.list(starved, { batchSize })) {
    const [runAt, seq, id] = key.slice(-3) as [number, number, string];
    // Priority does not matter among starved jobs: 0 stands for any.
    yield* before({ id, runAt, seq, priority: 0 });
    if (seen.has(id)) continue;
    seen.add(id);
    yield id;
  }
  let from: KvKey = k.key("rdy");
  for (;;) {
    let level: number | null = null;
    for await (const { key } of kv.list({ start: from, end: k.key("rdy", END) }, { limit: 1 })) {
      level = key[key.length - 4] as number;
    }
    if (level === null) break;
    const range = { start: k.key("rdy", level), end: k.key("rdy", level, now, END) };
    for await (const { key } of kv.list(range, { batchSize })) {
      const [runAt, seq, id] = key.slice(-3) as [number, number, string];
      yield* before({ id, runAt, seq, priority: priorityOf(level) });
      if (seen.has(id)) continue;
      seen.add(id);
      yield id;
    }
    from = k.key("rdy", level, END);
  }
  yield* before(null);
}

/** Running jobs whose lease ended by `now`, in claim order. */
async function expiredLeases(
  kv: Kv,
  k: KvKeys,
  now: number,
  starvationMs: number,
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const range = { start: k.key("lease"), end: k.key("lease", now, END) };
  for await (const { key } of kv.list(range, { batchSize: 100 })) {
    const job = (await kv.get<JobRecord>(k.job(key[key.length - 1] as string))).value;
    if (job?.status === "running") out.push(job);
  }
  return out.sort((a, b) => compareClaims(a, b, now, starvationMs));
}

/** What one `claimJobs` call claims with. */
export interface Claim {
  /** The claim instant (epoch ms). */
  now: number;
  /** The lease owner. */
  owner: string;
  /** The lease length (ms). */
  leaseMs: number;
  /** Tasks this process runs. */
  tasks: Set<string>;
}

/**
 * Claims one candidate if it is still claimable: checks its concurrency key (a blocked job is
 * skipped) and its rate limit (a job over it gets its run time moved, and is not claimed).
 */
export async function claimJob(
  kv: Kv,
  k: KvKeys,
  id: string,
  claim: Claim,
): Promise<JobRecord | null> {
  const { now, owner, leaseMs, tasks } = claim;
  for (let i = 0; i < MAX_TRIES; i++) {
    const tx = new KvTx(kv);
    const job = await tx.get<JobRecord>(k.job(id));
    if (!job || !tasks.has(job.task)) return null;
    const ready = jobReadyAt(job);
    if (ready === null || ready > now) return null;
    const wasRunning = job.status === "running";
    const ck = wasRunning ? null : job.concurrencyKey;
    const countKey = ck === null ? null : k.key("run", ck);
    let count = 0;
    if (countKey !== null) {
      count = (await tx.get<number>(countKey)) ?? 0;
      if (job.concurrencyLimit !== null && count >= job.concurrencyLimit) return null;
    }
    // A re-claim after a crash is a new start too, recorded but not refused.
    const delayed = await recordStart(tx, k, job, now, !wasRunning);
    if (delayed !== null) {
      // Over the limit: only the run time moves, never failed or dropped.
      putJob(tx, k, job, { ...job, runAt: delayed });
      if (await tx.commit(`delay job ${JSON.stringify(id)}`)) return null;
      continue;
    }
    if (countKey !== null) tx.set(countKey, count + 1);
    const next: JobRecord = {
      ...job,
      status: "running",
      attempts: job.attempts + 1,
      startedAt: now,
      leaseOwner: owner,
      leaseUntil: now + leaseMs,
    };
    putJob(tx, k, job, next);
    if (await tx.commit(`claim job ${JSON.stringify(id)}`)) return next;
  }
  throw contention("claim job", id);
}
