/**
 * One parsed croner pattern per (expression, zone), shared by every cron trigger that uses it.
 * Each croner instance is created without a callback, so it never starts a timer; triggers only
 * call its `nextRun(date)`.
 * @module
 */

import { Cron } from "croner";

// Croner options every shared pattern uses (part of the cache's meaning, so fixed):
// - mode "5-or-6-parts": 5 fields, or 6 with seconds first; no year field.
// - domAndDow false: day-of-month and day-of-week are ORed when both are restricted, as in
//   Vixie cron; prefix day-of-week with "+" for AND.
// - fixedTimeRule "no-wildcard": a job without `*`/`?` or a step in its second, minute and hour
//   fields is a fixed-time job for DST (Vixie cron treats lists such as "30 2,14" the same way).
const OPTIONS = {
  mode: "5-or-6-parts",
  domAndDow: false,
  fixedTimeRule: "no-wildcard",
} as const;

/** Most patterns kept; beyond it the oldest is dropped (triggers keep their own reference). */
const MAX_ENTRIES = 10_000;

const cache = new Map<string, Cron>();
let created = 0;

const FIELD_RANGES: Record<string, string> = {
  second: "second must be 0-59",
  minute: "minute must be 0-59",
  hour: "hour must be 0-23",
  day: "day of month must be 1-31",
  nearestWeekdays: "day of month must be 1-31",
  month: "month must be 1-12",
  dayOfWeek: "day of week must be 0-7",
};

function explain(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error))
    .replace(/^CronPattern: /, "")
    .replace(/\.$/, "");
  const range = /^Invalid value for (\w+)/.exec(text);
  const known = range?.[1] === undefined ? undefined : FIELD_RANGES[range[1]];
  if (known !== undefined) return known;
  if (/configuration format|requires exactly/.test(text)) {
    return "expected 5 fields, or 6 with seconds first";
  }
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * The shared croner instance for an expression in a zone; parses on first use.
 *
 * @param expression A 5- or 6-field cron expression or a nickname such as `@daily`.
 * @param timezone A validated IANA zone id.
 * @returns The shared instance (use only `nextRun`).
 * @throws {SyntaxError} When the expression does not parse.
 */
export function sharedPattern(expression: string, timezone: string): Cron {
  const key = timezone + "\u0000" + expression;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  // Croner reads a string with ":" as an ISO date for a one-off job; that is at(), not cron().
  if (expression.includes(":")) {
    throw new SyntaxError(
      `Invalid cron expression: ${JSON.stringify(expression)} (use at() for a single instant)`,
    );
  }
  let pattern: Cron;
  try {
    // UTC has no transitions; croner's fixed-offset mode computes it without Intl, ~10x faster.
    const zone = timezone === "UTC" ? { utcOffset: 0 } : { timezone };
    pattern = new Cron(expression, { ...OPTIONS, ...zone });
  } catch (error) {
    throw new SyntaxError(
      `Invalid cron expression: ${JSON.stringify(expression)} (${explain(error)})`,
      { cause: error },
    );
  }
  created++;
  if (cache.size >= MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, pattern);
  return pattern;
}

/**
 * Internal counters, for tests and benchmarks.
 * @returns How many croner instances were ever created and how many are cached.
 */
export function patternCacheStats(): { created: number; cached: number } {
  return { created, cached: cache.size };
}

// The last answer per shared pattern. Many schedules on one pattern fire at the same instant and
// then all ask for the fire after it, so one remembered answer saves all but the first croner
// call (croner's nextRun costs microseconds, in a time zone tens of them).
const lastAnswer = new WeakMap<Cron, { from: number; next: number | null }>();

/**
 * The pattern's first fire strictly after `from`, in epoch ms, or `null`.
 * @param pattern A shared pattern from `sharedPattern`.
 * @param from Epoch ms.
 * @returns Epoch ms of the next fire, or `null`.
 */
export function nextRunMs(pattern: Cron, from: number): number | null {
  const last = lastAnswer.get(pattern);
  if (last !== undefined && last.from === from) return last.next;
  const next = pattern.nextRun(new Date(from))?.getTime() ?? null;
  if (last !== undefined) {
    last.from = from;
    last.next = next;
  } else {
    lastAnswer.set(pattern, { from, next });
  }
  return next;
}
