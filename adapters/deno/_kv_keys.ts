/**
 * The Deno KV store's key layout. Under `prefix` (default `["everywhen"]`):
 *
 * | key                          | value                                        |
 * | ---------------------------- | -------------------------------------------- |
 * | `[p, "s", id]`               | schedule slot: record plus lease             |
 * | `[p, "j", id]`               | job record                                   |
 * | `[p, "due", time, id]`       | index: schedule due at `time` (or its lease) |
 * | `[p, "ready", time, id]`     | index: job runnable at `time` (or its lease) |
 * | `[p, "exp", time, id]`       | index: finished job removed at `time`        |
 * | `[p, "act", scheduleId, id]` | index: a schedule's pending or running job   |
 * | `[p, "run", key]`            | count of running jobs of a concurrency key   |
 * | `[p, "m", key]`              | meta value                                   |
 *
 * Indexes change in the same atomic operation as their record. Numbers in keys are epoch ms,
 * which Deno KV orders correctly within the number type.
 * @module
 */

import type { JobRecord, ScheduleRecord } from "../../src/store/store.ts";
import { isFinal, jobReadyAt, scheduleDueAt } from "../../src/store/semantics.ts";
import { checkKey } from "./_kv_limits.ts";
import type { KvKey, KvKeyPart } from "./_types.ts";

/** A schedule as stored: the record plus its firing lease. */
export interface Slot {
  rec: ScheduleRecord;
  leaseOwner: string | null;
  leaseUntil: number;
}

/** The part of the layout a key belongs to (see the table above). */
export type KvSpace = "s" | "j" | "due" | "ready" | "exp" | "act" | "run" | "m";

/** Greater than every string in Deno KV's key order, so `[.., t, END]` ends the range at `t`. */
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
    const ready = jobReadyAt(job);
    if (ready !== null) keys.push(this.key("ready", ready, job.id));
    if (!isFinal(job.status) && job.scheduleId !== null) {
      keys.push(this.key("act", job.scheduleId, job.id));
    }
    if (isFinal(job.status) && job.expiresAt !== null) {
      keys.push(this.key("exp", job.expiresAt, job.id));
    }
    return keys;
  }
}
