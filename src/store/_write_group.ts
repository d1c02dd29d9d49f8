/**
 * Group commit for store writes that arrive while one is in flight: `insertJob` (SQL and Deno KV
 * stores) and `releaseSchedule` (SQL stores). Calls arriving while a write is being made wait,
 * then go to the database together as one write (SQL: one transaction, set-based statements, one
 * commit, one WAL append; Deno KV: one atomic operation).
 *
 * A call into an idle store is written at the next microtask, so a lone `enqueue` waits for
 * nothing but the calls made in the same synchronous run, which join it; under a
 * burst (an HTTP handler per request, a loop of `enqueue`, a batch of fires) a write carries up
 * to `max` calls. SQLite pays most of an autocommitted INSERT in the commit itself (BENCHMARKS.md:
 * one job per statement ran ~5,000 jobs/s, a batch ~25,000); PostgreSQL pays a round trip per
 * statement.
 *
 * Every call goes through one queue in arrival order, so creation order (the `seq` FIFO rule) is
 * the order of the calls; calls that need a transaction of their own (dependencies, replace,
 * debounce) take their turn alone, and two calls for one key never share a write. A failed group
 * is retried call by call, so one bad row fails only its own caller.
 * @module
 */

import type { JobRecord } from "./store.ts";

/** Most calls one grouped write holds by default (SQL: the dialects' bound-parameter limits). */
export const GROUP_MAX = 500;

/** What `insertJob` reports. */
export type InsertOutcome = "inserted" | "replaced" | "kept";

interface Entry<I, O> {
  item: I;
  /** Writes this call in a transaction of its own; `null` for one that may be grouped. */
  alone: (() => Promise<O>) | null;
  resolve(outcome: O): void;
  reject(error: unknown): void;
}

/** An ordered queue of calls, written in groups. */
export class WriteGroup<I, O> {
  /** Waiting calls from `#head` on (a head index: `shift()` is linear in the queue's length). */
  #entries: Entry<I, O>[] = [];
  #head = 0;
  #draining = false;
  readonly #key: (item: I) => string;
  readonly #write: (items: I[]) => Promise<O[]>;
  readonly #max: number;

  /**
   * @param key What two calls must not share within one write (a job id, a schedule id).
   * @param write Writes `items` in one statement or transaction; returns one outcome per item,
   * in order.
   * @param max Most calls per write.
   */
  constructor(
    key: (item: I) => string,
    write: (items: I[]) => Promise<O[]>,
    max: number = GROUP_MAX,
  ) {
    this.#key = key;
    this.#write = write;
    this.#max = max;
  }

  /**
   * Queues a call.
   * @param item What to write.
   * @param alone For a call that cannot be grouped, the function that writes it.
   * @returns Its outcome.
   */
  add(item: I, alone: (() => Promise<O>) | null = null): Promise<O> {
    const { promise, resolve, reject } = Promise.withResolvers<O>();
    this.#entries.push({ item, alone, resolve, reject });
    if (!this.#draining) void this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    // Calls made in the same synchronous run (a batch of fires, a loop of `enqueue` that does
    // not await) join the first write instead of waiting for the second.
    await Promise.resolve();
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

  /** The first waiting call, dropping the ones already taken now and then (amortised O(1)). */
  #next(): Entry<I, O> | undefined {
    if (this.#head >= this.#max && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    return this.#entries[this.#head];
  }

  /** The leading groupable calls, up to `max`, stopping before a key already taken. */
  #takeGroup(): Entry<I, O>[] {
    const group: Entry<I, O>[] = [];
    const keys = new Set<string>();
    while (group.length < this.#max) {
      const next = this.#entries[this.#head];
      // A repeated key waits for the next group, where it finds the first one written.
      if (next === undefined || next.alone !== null) break;
      const key = this.#key(next.item);
      if (keys.has(key)) break;
      this.#head++;
      keys.add(key);
      group.push(next);
    }
    return group;
  }

  async #writeGroup(group: Entry<I, O>[]): Promise<void> {
    let outcomes: O[];
    try {
      outcomes = await this.#write(group.map((e) => e.item));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      // Find whose row failed: each call again on its own, in order.
      for (const entry of group) {
        await settle(entry, async () => (await this.#write([entry.item]))[0]!);
      }
      return;
    }
    group.forEach((e, i) => e.resolve(outcomes[i]!));
  }
}

/** Job inserts in groups: a job whose id the write did not insert was already there ("kept"). */
export class InsertGroup extends WriteGroup<JobRecord, InsertOutcome> {
  /**
   * @param write Inserts `jobs` (unless their id exists) in one statement or transaction and
   * returns the ids it inserted.
   * @param max Most jobs per write.
   */
  constructor(write: (jobs: JobRecord[]) => Promise<Set<string>>, max: number = GROUP_MAX) {
    super((job) => job.id, async (jobs) => {
      const inserted = await write(jobs);
      return jobs.map((job) => inserted.has(job.id) ? "inserted" : "kept");
    }, max);
  }
}

async function settle<O>(entry: Entry<unknown, O>, write: () => Promise<O>): Promise<void> {
  try {
    entry.resolve(await write());
  } catch (error) {
    entry.reject(error);
  }
}
