/**
 * Group commit for `insertJob` (SQL and Deno KV stores): inserts arriving while one is being
 * written wait, then go to the database together as one write (SQL: one multi-row INSERT, one
 * commit, one WAL append, one round trip; Deno KV: one atomic operation).
 *
 * An insert into an idle store is written at once, so a lone `enqueue` waits for nothing; under
 * a burst (an HTTP handler per request, a loop of `enqueue`) a commit carries up to
 * `max` jobs. SQLite pays most of an autocommitted INSERT in the commit itself (BENCHMARKS.md:
 * one job per statement ran ~5,000 jobs/s, a batch ~25,000).
 *
 * Every insert goes through one queue in arrival order, so creation order (the `seq` FIFO rule)
 * is the order of the calls; inserts that need a transaction of their own (dependencies,
 * replace, debounce) take their turn alone. A failed group is retried job by job, so one bad row
 * fails only its own caller.
 * @module
 */

import type { JobRecord } from "./store.ts";

/** Most jobs one grouped write holds by default (SQL: the dialects' bound-parameter limits). */
export const GROUP_MAX = 500;

/** What `insertJob` reports. */
export type InsertOutcome = "inserted" | "replaced" | "kept";

interface Entry {
  job: JobRecord;
  /** Writes this job in a transaction of its own; `null` for a plain insert that may be grouped. */
  alone: (() => Promise<InsertOutcome>) | null;
  resolve(outcome: InsertOutcome): void;
  reject(error: unknown): void;
}

/** An ordered queue of job inserts, written in groups. */
export class InsertGroup {
  /** Waiting inserts from `#head` on (a head index: `shift()` is linear in the queue's length). */
  #entries: Entry[] = [];
  #head = 0;
  #draining = false;
  readonly #write: (jobs: JobRecord[]) => Promise<Set<string>>;
  readonly #max: number;

  /**
   * @param write Inserts `jobs` (unless their id exists) in one statement or transaction and
   * returns the ids it inserted.
   * @param max Most jobs per write.
   */
  constructor(write: (jobs: JobRecord[]) => Promise<Set<string>>, max: number = GROUP_MAX) {
    this.#write = write;
    this.#max = max;
  }

  /**
   * Queues an insert.
   * @param job The job.
   * @param alone For an insert that cannot be grouped, the function that writes it.
   * @returns What happened to it.
   */
  add(job: JobRecord, alone: (() => Promise<InsertOutcome>) | null = null): Promise<InsertOutcome> {
    const { promise, resolve, reject } = Promise.withResolvers<InsertOutcome>();
    this.#entries.push({ job, alone, resolve, reject });
    if (!this.#draining) void this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      for (let first = this.#next(); first !== undefined; first = this.#next()) {
        if (first.alone !== null) {
          this.#head++;
          await settle(first, first.alone);
        } else {
          await this.#writeGroup(this.#takeGroup());
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** The first waiting insert, dropping the ones already taken now and then (amortised O(1)). */
  #next(): Entry | undefined {
    if (this.#head >= this.#max && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    return this.#entries[this.#head];
  }

  /** The leading plain inserts, up to `max`, stopping before an id already taken. */
  #takeGroup(): Entry[] {
    const group: Entry[] = [];
    const ids = new Set<string>();
    while (group.length < this.#max) {
      const next = this.#entries[this.#head];
      // A repeated id waits for the next group, where it finds the first one stored: "kept".
      if (next === undefined || next.alone !== null || ids.has(next.job.id)) break;
      this.#head++;
      ids.add(next.job.id);
      group.push(next);
    }
    return group;
  }

  async #writeGroup(group: Entry[]): Promise<void> {
    let inserted: Set<string>;
    try {
      inserted = await this.#write(group.map((e) => e.job));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      // Find whose row failed: each job again on its own, in order.
      for (const entry of group) {
        await settle(
          entry,
          async () => (await this.#write([entry.job])).has(entry.job.id) ? "inserted" : "kept",
        );
      }
      return;
    }
    for (const e of group) e.resolve(inserted.has(e.job.id) ? "inserted" : "kept");
  }
}

async function settle(entry: Entry, write: () => Promise<InsertOutcome>): Promise<void> {
  try {
    entry.resolve(await write());
  } catch (error) {
    entry.reject(error);
  }
}
