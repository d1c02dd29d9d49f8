/**
 * The start log behind rate limits, for `MemoryStore`: per rate key, the instants jobs started,
 * sorted. A check looks only at the window (binary search), so its cost does not grow with the
 * day's traffic; the rule itself is `rateDelayedUntil` in the store semantics.
 * @module
 */

import { RATE_LOG_RETENTION_MS, rateDelayedUntil } from "./semantics.ts";

/** Start instants per rate key. */
export class RateLog {
  #starts = new Map<string, number[]>();
  #longestPeriod = 0;

  /**
   * @param key The rate key.
   * @param limit Starts allowed per period.
   * @param period The window (ms).
   * @param now The claim instant.
   * @returns `null` when a job may start now, else the instant it may start.
   */
  delayedUntil(key: string, limit: number, period: number, now: number): number | null {
    const starts = this.#starts.get(key);
    if (!starts) return null;
    return rateDelayedUntil(starts.slice(firstAfter(starts, now - period)), now, limit, period);
  }

  /** Records a start of `key` at `now`. */
  record(key: string, period: number, now: number): void {
    this.#longestPeriod = Math.max(this.#longestPeriod, period);
    const starts = this.#starts.get(key);
    if (!starts) {
      this.#starts.set(key, [now]);
      return;
    }
    starts.splice(firstAfter(starts, now), 0, now);
  }

  /** Forgets starts older than the longest period seen (at least a day). */
  prune(now: number): void {
    const horizon = now - Math.max(this.#longestPeriod, RATE_LOG_RETENTION_MS);
    for (const [key, starts] of this.#starts) {
      const from = firstAfter(starts, horizon);
      if (from === starts.length) this.#starts.delete(key);
      else if (from > 0) starts.splice(0, from);
    }
  }
}

/** @returns The index of the first entry of sorted `list` greater than `t`. */
function firstAfter(list: readonly number[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
