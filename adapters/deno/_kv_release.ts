/**
 * Deferred dependency releases of the Deno KV store: when the dependants of a job that became
 * final do not fit the atomic operation that finished it, that operation leaves a marker
 * `["rel", id] = now` instead, and the dependants are settled here in parts, each one atomic
 * and checked (the marker and every waiter it rewrites). A waiter cancelled by a part gets its
 * own marker, so cascades continue the same way. The marker goes once no waiter is left. The
 * store drains right after such a commit, and `cleanup` drains what a crash left behind.
 * @module
 */

import type { JobRecord } from "../../src/store/store.ts";
import { isFinal } from "../../src/store/semantics.ts";
import type { KvKeys } from "./_kv_keys.ts";
import { settleWaiter } from "./_kv_jobs.ts";
import { fitsAtomic } from "./_kv_limits.ts";
import { KvTx } from "./_kv_tx.ts";
import { contention, MAX_TRIES } from "./_kv_commit.ts";
import type { Kv } from "./types.ts";

/**
 * Settles every deferred release (markers written meanwhile included).
 * @returns How many markers were finished.
 */
export async function drainReleases(kv: Kv, k: KvKeys): Promise<number> {
  let drained = 0;
  for (;;) {
    const ids: string[] = [];
    for await (const { key } of kv.list({ prefix: k.key("rel") }, { limit: 20 })) {
      ids.push(key[key.length - 1] as string);
    }
    if (ids.length === 0) return drained;
    for (const id of ids) {
      while (await releasePart(kv, k, id));
      drained++;
    }
  }
}

/** Settles the next part of `id`'s waiters; `false` once the marker is gone. */
async function releasePart(kv: Kv, k: KvKeys, id: string): Promise<boolean> {
  const marker = k.key("rel", id);
  for (let i = 0; i < MAX_TRIES; i++) {
    const tx = new KvTx(kv);
    const now = await tx.get<number>(marker);
    if (now === null) return false;
    let settled = 0;
    for await (const { key } of tx.list({ prefix: k.key("dep", id) }, { batchSize: 50 })) {
      const mark = tx.snapshot();
      const next: JobRecord | null = await settleWaiter(tx, k, key[key.length - 1] as string, now);
      if (next && isFinal(next.status)) {
        await tx.get(k.key("dn", next.id));
        tx.delete(k.key("dn", next.id));
        tx.set(k.key("rel", next.id), now);
      }
      if (!fitsAtomic(tx.cost()) && settled > 0) {
        tx.restore(mark);
        break;
      }
      // Done with this edge: the waiter is gone, or still waits for others (the edge would be
      // listed again forever otherwise).
      if (next === null || next.status === "waiting") tx.delete(key);
      settled++;
    }
    if (settled === 0) tx.delete(marker);
    if (await tx.commit(`release the dependants of job ${JSON.stringify(id)}`)) return settled > 0;
  }
  throw contention("release the dependants of", id);
}
