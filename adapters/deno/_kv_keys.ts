/**
 * The Deno KV store's key layout, version {@linkcode LAYOUT_VERSION}. Under `prefix` (default
 * `["everywhen"]`):
 *
 * | key                                       | value                                         |
 * | ----------------------------------------- | --------------------------------------------- |
 * | `[p, "layout"]`                           | layout version (a number)                     |
 * | `[p, "seq"]`                              | the last job `seq` given out                  |
 * | `[p, "s", id]`                            | schedule slot: record plus lease              |
 * | `[p, "j", id]`                            | job record                                    |
 * | `[p, "due", time, id]`                    | index: schedule due at `time` (or its lease)  |
 * | `[p, "rdy", 1000 - priority, runAt, seq, id]` | index: pending job, in claim order         |
 * | `[p, "rt", runAt, seq, id]`               | index: pending job by run time (starvation)   |
 * | `[p, "lease", leaseUntil, id]`            | index: running job, claimable when it ends    |
 * | `[p, "dep", afterId, id]`                 | index: waiting job `id` waits for `afterId`   |
 * | `[p, "dn", afterId]`                      | touched when a waiter of `afterId` is added   |
 * | `[p, "rel", id]`                          | deferred release of final job `id`'s waiters  |
 * | `[p, "fin", finishedAt, id]`              | index: final job (purge)                      |
 * | `[p, "exp", time, id]`                    | index: final job removed at `time`            |
 * | `[p, "act", scheduleId, id]`              | index: a schedule's non-final job             |
 * | `[p, "run", key]`                         | count of running jobs of a concurrency key    |
 * | `[p, "rl", rateKey, time, id]`            | rate start log: a start of `rateKey`          |
 * | `[p, "rlx", pruneAt, rateKey, time, id]`  | index: start-log entry pruned at `pruneAt`    |
 * | `[p, "rlv", rateKey]`                     | touched with every start of `rateKey`         |
 * | `[p, "m", key]`                           | meta value                                    |
 *
 * Indexes change in the same atomic operation as their record. Numbers in keys are epoch ms or
 * small integers, which Deno KV orders correctly within the number type. Layout 1 (before the
 * queue features) had one `["ready", time, id]` index and no `seq`; `_kv_layout.ts` migrates it.
 * @module
 */

import type { JobRecord, ScheduleRecord } from "../../src/store/store.ts";
import { isFinal, scheduleDueAt } from "../../src/store/semantics.ts";
import { checkKey } from "./_kv_limits.ts";
import type { KvKey, KvKeyPart } from "./types.ts";

/** The layout this code reads and writes. */
export const LAYOUT_VERSION = 2;

/** A schedule as stored: the record plus its firing lease. */
export interface Slot {
  rec: ScheduleRecord;
  leaseOwner: string | null;
  leaseUntil: number;
}

/** The part of the layout a key belongs to (see the table above). */
export type KvSpace =
  | "layout"
  | "seq"
  | "s"
  | "j"
  | "due"
  | "rdy"
  | "rt"
  | "lease"
  | "dep"
  | "dn"
  | "rel"
  | "fin"
  | "exp"
  | "act"
  | "run"
  | "rl"
  | "rlx"
  | "rlv"
  | "m"
  | "ready";

/** Greater than every string and number in Deno KV's key order, so `[.., t, END]` ends at `t`. */
export const END = true;

/** @returns When the slot's schedule can next be claimed (see `scheduleDueAt`). */
export function slotDueAt(slot: Slot): number | null {
  return scheduleDueAt(slot.rec, slot.leaseOwner, slot.leaseUntil);
}

/** Builds the keys of one store. */
export class KvKeys {
  #p: readonly KvKeyPart[];

  /** @param prefix The key prefix of everything the store writes. */
  constructor(prefix: readonly KvKeyPart[]) {
    this.#p = [...prefix];
  }

  /**
   * @param space The part of the layout.
   * @param parts The rest of the key.
   * @returns The key.
   */
  key(space: KvSpace, ...parts: KvKeyPart[]): KvKey {
    return [...this.#p, space, ...parts];
  }

  /** @returns The key of schedule `id`; `RangeError` when the id makes it too long. */
  schedule(id: string): KvKey {
    const key = this.key("s", id);
    checkKey(key, `schedule ${JSON.stringify(id)}`);
    return key;
  }

  /** @returns The key of job `id`; `RangeError` when the id makes it too long. */
  job(id: string): KvKey {
    const key = this.key("j", id);
    checkKey(key, `job ${JSON.stringify(id)}`);
    return key;
  }

  /** @returns The index keys a job has in its state. */
  jobIndexes(job: JobRecord): KvKey[] {
    const keys: KvKey[] = [];
    const { id } = job;
    if (job.status === "pending") {
      keys.push(this.key("rdy", priorityPart(job.priority), job.runAt, job.seq, id));
      keys.push(this.key("rt", job.runAt, job.seq, id));
    } else if (job.status === "running" && job.leaseUntil !== null) {
      keys.push(this.key("lease", job.leaseUntil, id));
    } else if (job.status === "waiting") {
      for (const after of new Set(job.after)) keys.push(this.key("dep", after, id));
    }
    if (!isFinal(job.status) && job.scheduleId !== null) {
      keys.push(this.key("act", job.scheduleId, id));
    }
    if (isFinal(job.status)) {
      keys.push(this.key("fin", job.finishedAt ?? 0, id));
      if (job.expiresAt !== null) keys.push(this.key("exp", job.expiresAt, id));
    }
    return keys;
  }
}

/**
 * @param priority A job priority (-1000..1000).
 * @returns The index part that sorts higher priorities first (0..2000).
 */
export function priorityPart(priority: number): number {
  return 1000 - priority;
}

/**
 * @param part An index part from {@linkcode priorityPart}.
 * @returns The priority.
 */
export function priorityOf(part: number): number {
  return 1000 - part;
}
