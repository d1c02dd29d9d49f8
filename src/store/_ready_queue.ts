/**
 * The jobs that are ready to run, in claim order, for `MemoryStore`. Two heaps over the same
 * entries: one by priority (then run time, then seq), one by run time (then seq) to find starved
 * jobs. A claim takes the top of the time heap when it is starved, else the top of the priority
 * heap, so taking the next job costs O(log n) however long the backlog is.
 *
 * Entries are deleted lazily: each carries a stamp, and only the stamp a job was last added with
 * is live. The caller re-checks the job itself before acting on it.
 * @module
 */

import { compareClaims, isStarved } from "./semantics.ts";

/** A ready job as queued: what the claim order needs, and when it became ready. */
export interface ReadyEntry {
  id: string;
  priority: number;
  runAt: number;
  seq: number;
  /** The job's ready time when it was added (run time, or lease end for a crashed runner). */
  readyAt: number;
  stamp: number;
}

/** Ready jobs in claim order. */
export class ReadyQueue {
  #live = new Map<string, number>();
  #stamp = 0;
  #byPriority = new Heap<ReadyEntry>((a, b) => compareClaims(a, b, 0, Infinity));
  #byTime = new Heap<ReadyEntry>((a, b) => a.runAt - b.runAt || a.seq - b.seq);

  /** Adds (or refreshes) a ready job. */
  add(job: Omit<ReadyEntry, "stamp">): void {
    const entry = { ...job, stamp: ++this.#stamp };
    this.#live.set(job.id, entry.stamp);
    this.#byPriority.push(entry);
    this.#byTime.push(entry);
  }

  /**
   * Removes and returns the next job in claim order.
   * @param now The claim instant.
   * @param starvationMs The starvation threshold.
   */
  take(now: number, starvationMs: number): ReadyEntry | undefined {
    const oldest = this.#top(this.#byTime);
    const top = oldest && isStarved(oldest, now, starvationMs)
      ? oldest
      : this.#top(this.#byPriority);
    if (top) this.#live.delete(top.id);
    return top;
  }

  /**
   * @param valid Whether an entry still describes its job; stale ones are dropped.
   * @returns The earliest ready time among valid entries (they are all due).
   */
  earliest(valid: (entry: ReadyEntry) => boolean): number | null {
    for (let top = this.#top(this.#byTime); top; top = this.#top(this.#byTime)) {
      if (valid(top)) return top.readyAt;
      this.#live.delete(top.id);
    }
    return null;
  }

  #top(heap: Heap<ReadyEntry>): ReadyEntry | undefined {
    for (let top = heap.peek(); top; top = heap.peek()) {
      if (this.#live.get(top.id) === top.stamp) return top;
      heap.pop();
    }
    return undefined;
  }
}

/** A binary heap ordered by a comparator. */
class Heap<T> {
  #items: T[] = [];
  #less: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#less = compare;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#less(item, items[parent]!) >= 0) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    const n = items.length;
    if (n === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && this.#less(items[l + 1]!, items[l]!) < 0 ? l + 1 : l;
      if (this.#less(items[c]!, last) >= 0) break;
      items[i] = items[c]!;
      i = c;
    }
    items[i] = last;
    return top;
  }
}
