/**
 * Forward offset transitions (DST gaps) of a zone, for the fixed-time rule of cron triggers: a
 * fixed time that a gap skips runs once, at the first valid instant after the gap.
 *
 * croner applies that rule only when the instant after the gap has the same date as the skipped
 * time, so a gap that ends at midnight (America/Nuuk: Saturday 23:00 → Sunday 00:00) or skips a
 * whole day (Pacific/Apia, 30 December 2011) would drop the fire. This module finds the gaps so
 * that the cron trigger can apply the rule itself, whatever the dates.
 * @module
 */

import { Temporal } from "../temporal.ts";

/** A forward transition: wall-clock times in `[wallStartMs, wallEndMs)` do not exist. */
export interface Gap {
  /** The transition instant, epoch ms: the first valid instant after the gap. */
  readonly atMs: number;
  /** First skipped wall-clock time, as epoch ms of that civil time read in UTC. */
  readonly wallStartMs: number;
  /** First wall-clock time after the gap, the same way. */
  readonly wallEndMs: number;
}

/** Per zone, the last answer: no transition in `(fromMs, next.atMs)`. */
interface Cached {
  fromMs: number;
  next: { atMs: number; gap: Gap | null } | null;
}

const cache = new Map<string, Cached>();
const MAX_ZONES = 1000;

function offsetMs(ms: number, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).offsetNanoseconds /
    1e6;
}

function nextTransition(zone: string, fromMs: number): Cached["next"] {
  const next = Temporal.Instant.fromEpochMilliseconds(fromMs).toZonedDateTimeISO(zone)
    .getTimeZoneTransition("next");
  if (next === null) return null;
  const atMs = next.epochMilliseconds;
  const before = offsetMs(atMs - 1, zone);
  const after = next.offsetNanoseconds / 1e6;
  const gap = after > before ? { atMs, wallStartMs: atMs + before, wallEndMs: atMs + after } : null;
  return { atMs, gap };
}

/**
 * The gaps of `zone` whose transitions lie in `(fromMs, untilMs]`, earliest first.
 * @param zone A validated IANA zone id other than UTC.
 * @param fromMs Epoch ms (exclusive).
 * @param untilMs Epoch ms (inclusive).
 * @returns The gaps (usually none).
 */
export function gapsBetween(zone: string, fromMs: number, untilMs: number): Gap[] {
  const gaps: Gap[] = [];
  let from = fromMs;
  // Zones change offset at most a few times a year, so the walk to `untilMs` is short; one
  // remembered answer per zone keeps the common case (no transition before the next fire) to a
  // comparison.
  while (from < untilMs) {
    let entry = cache.get(zone);
    const valid = entry !== undefined && entry.fromMs <= from &&
      (entry.next === null || from < entry.next.atMs);
    if (!valid) {
      if (cache.size >= MAX_ZONES && !cache.has(zone)) cache.clear();
      entry = { fromMs: from, next: nextTransition(zone, from) };
      cache.set(zone, entry);
    }
    const next = (entry as Cached).next;
    if (next === null || next.atMs > untilMs) break;
    if (next.gap !== null) gaps.push(next.gap);
    from = next.atMs;
  }
  return gaps;
}
