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
 * Candidates are ids; the claim itself re-reads the record and decides (indexes may be stale).
 * @module
 */

import type { JobRecord } from "../../src/store/store.ts";
import { compareClaims, DEFAULT_STARVATION_MS } from "../../src/store/semantics.ts";
import { END, type KvKeys, priorityOf } from "./_kv_keys.ts";
import type { Kv, KvKey } from "./_types.ts";

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
