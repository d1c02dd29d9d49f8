/**
 * The jobs waiting to be claimed, in claim order, for `MemoryStore`: one heap per priority level
 * in use, each by run time then seq. A job enters when it becomes pending, whatever its run time,
 * so no claim has to move a backlog that fell due into the queue first (that move held the thread
 * for 50 ms at 100,000 jobs). A claim considers each level's top once its ready time has come: it
 * takes the oldest of those when it is starved, else the one of the highest level, so taking the
 * next job costs O(log n + levels) however long the backlog is. Jobs mostly arrive in order
 * (enqueued now, or with one delay): a level appends those to a sorted run, O(1) each
 * (`RunHeap`).
 *
 * Entries are deleted lazily: each carries a stamp, and only the stamp a job was last added with
 * is live. The caller re-checks the job itself before acting on it.
 * @module
 */

import { RunHeap } from "./_heap.ts";
import { isStarved } from "./semantics.ts";

/** A job as queued: what the claim order needs, and when it is (or became) ready. */
export interface QueuedJob {
  id: string;
  priority: number;
  runAt: number;
  seq: number;
  /** The job's ready time when it was added (run time, or lease end for a crashed runner). */
  readyAt: number;
  stamp: number;
}

/** Within a priority level: run time, then creation order (`compareClaims` among equals). */
const byTime = (a: QueuedJob, b: QueuedJob): number => a.runAt - b.runAt || a.seq - b.seq;

/** Jobs waiting to be claimed, in claim order. */
export class ClaimQueue {
  #live = new Map<string, number>();
  #stamp = 0;
  /** One queue per priority level: in-order arrivals append to its run (see `RunHeap`). */
  #levels = new Map<number, RunHeap<QueuedJob>>();
  /** The levels' priorities, highest first. */
  #order: number[] = [];

  /** Adds (or refreshes) a job. The queue keeps `entry` and sets its stamp. */
  add(entry: QueuedJob): void {
    entry.stamp = ++this.#stamp;
    this.#live.set(entry.id, entry.stamp);
    let level = this.#levels.get(entry.priority);
    if (!level) {
      level = new RunHeap(byTime);
      this.#levels.set(entry.priority, level);
      this.#order.push(entry.priority);
      this.#order.sort((a, b) => b - a);
    }
    level.push(entry);
  }

  /**
   * Removes and returns the next job in claim order among those ready at `now`.
   * @param now The claim instant.
   * @param starvationMs The starvation threshold.
   */
  take(now: number, starvationMs: number): QueuedJob | undefined {
    let first: QueuedJob | undefined;
    let oldest: QueuedJob | undefined;
    if (this.#order.length === 1) {
      // One level (no priorities in use): its top is both, once ready.
      const top = this.#top(this.#order[0]!);
      if (top && top.readyAt <= now) first = oldest = top;
    } else {
      // A level's top has its earliest run time: when that is not ready, nothing below it is.
      for (const top of this.#tops()) {
        if (top.readyAt > now) continue;
        first ??= top;
        if (!oldest || byTime(top, oldest) < 0) oldest = top;
      }
    }
    const top = oldest && isStarved(oldest, now, starvationMs) ? oldest : first;
    if (top) {
      this.#live.delete(top.id);
      this.#levels.get(top.priority)!.pop();
    }
    return top;
  }

  /**
   * @param valid Whether an entry still describes its job; stale ones are dropped.
   * @returns The earliest ready time among the levels' first valid entries.
   */
  earliest(valid: (entry: QueuedJob) => boolean): number | null {
    let earliest: number | null = null;
    for (const first of this.#tops()) {
      let top: QueuedJob | undefined = first;
      while (top && !valid(top)) {
        this.#live.delete(top.id);
        this.#levels.get(top.priority)!.pop();
        top = this.#top(top.priority);
      }
      if (top && (earliest === null || top.readyAt < earliest)) earliest = top.readyAt;
    }
    return earliest;
  }

  /** Each non-empty level's live top, highest priority first; empty levels are dropped. */
  #tops(): QueuedJob[] {
    const tops: QueuedJob[] = [];
    for (const priority of [...this.#order]) {
      const top = this.#top(priority);
      if (top) tops.push(top);
    }
    return tops;
  }

  #top(priority: number): QueuedJob | undefined {
    const heap = this.#levels.get(priority);
    if (!heap) return undefined;
    for (let top = heap.peek(); top; top = heap.peek()) {
      if (this.#live.get(top.id) === top.stamp) return top;
      heap.pop();
    }
    this.#levels.delete(priority);
    this.#order.splice(this.#order.indexOf(priority), 1);
    return undefined;
  }
}
