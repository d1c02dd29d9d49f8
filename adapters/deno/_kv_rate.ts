/**
 * Rate limits in the Deno KV store: a start log per rate key (`["rl", key, time, id]`), read
 * over the window `(now - period, now]` when a job of that key is claimed (starts stamped after
 * `now` by a process whose clock is ahead count as `now`). Every start also
 * rewrites `["rlv", key]`, which each claim of that key checks, so two processes can never both
 * take the last start of a window. Entries are pruned by `cleanup` through `["rlx", pruneAt, …]`
 * once older than their period and at least `RATE_LOG_RETENTION_MS`.
 * @module
 */

import type { JobRecord } from "../../src/store/store.ts";
import { RATE_LOG_RETENTION_MS, rateDelayedUntil } from "../../src/store/semantics.ts";
import { END, type KvKeys } from "./_kv_keys.ts";
import type { KvTx } from "./_kv_tx.ts";
import type { Kv } from "./types.ts";
import { commit } from "./_kv_commit.ts";

/**
 * In a claim's round: records the start of `job` at `now` under its rate key, unless the key is
 * over its limit (only when `enforce`).
 * @returns `null` when recorded (or the job has no rate limit), else when it may start.
 */
export async function recordStart(
  tx: KvTx,
  k: KvKeys,
  job: JobRecord,
  now: number,
  enforce: boolean,
): Promise<number | null> {
  const { rateKey, rateLimit, ratePeriod } = job;
  if (rateKey === null || rateLimit === null || ratePeriod === null) return null;
  const version = k.key("rlv", rateKey);
  const stamp = (await tx.get<number>(version)) ?? 0;
  if (enforce) {
    // Starts after `now` count too, as if at `now`: another process whose clock is a little
    // ahead may have recorded them, and leaving them out lets both windows overfill.
    const window = {
      start: k.key("rl", rateKey, now - ratePeriod, END),
      end: k.key("rl", rateKey, END),
    };
    const starts: number[] = [];
    for await (const { key } of tx.list(window, { limit: rateLimit })) {
      starts.push(Math.min(key[key.length - 2] as number, now));
    }
    const until = rateDelayedUntil(starts, now, rateLimit, ratePeriod);
    if (until !== null) return until;
  }
  tx.set(k.key("rl", rateKey, now, job.id), null);
  const pruneAt = now + Math.max(ratePeriod, RATE_LOG_RETENTION_MS);
  tx.set(k.key("rlx", pruneAt, rateKey, now, job.id), null);
  tx.set(version, stamp + 1);
  return null;
}

/**
 * Deletes start-log entries whose retention ended by `now`.
 * @returns How many.
 */
export async function pruneRateLog(kv: Kv, k: KvKeys, now: number): Promise<number> {
  let pruned = 0;
  const range = { start: k.key("rlx"), end: k.key("rlx", now, END) };
  let op = kv.atomic();
  let pending = 0;
  for await (const { key } of kv.list(range, { batchSize: 200 })) {
    const [rateKey, time, id] = key.slice(-3) as [string, number, string];
    op.delete(key).delete(k.key("rl", rateKey, time, id));
    pending++;
    if (pending >= 200) {
      await commit(op, "prune the rate log");
      pruned += pending;
      op = kv.atomic();
      pending = 0;
    }
  }
  if (pending > 0) await commit(op, "prune the rate log");
  return pruned + pending;
}
