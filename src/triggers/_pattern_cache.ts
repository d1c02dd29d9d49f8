/**
 * One parsed croner pattern per (expression, zone), shared by every cron trigger that uses it,
 * and the next-fire rule on top of croner: day fields combined as cronie does, patterns that can
 * never fire refused, and fixed times skipped by any DST gap moved to the end of the gap.
 * @module
 */

import { Cron, CronPattern } from "croner";
import { cronFields, daysAreAnded, isFixedTime } from "./_cron_fields.ts";
import { whyNeverFires } from "./_cron_reach.ts";
import { gapsBetween } from "./_dst_gaps.ts";

// Croner options every shared pattern uses, besides `domAndDow` (read from the expression):
// - mode "5-or-6-parts": 5 fields, or 6 with seconds first; no year field.
// - fixedTimeRule "no-wildcard": a job without `*`/`?` or a step in its second, minute and hour
//   fields is a fixed-time job for DST (Vixie cron treats lists such as "30 2,14" the same way).
const MODE = "5-or-6-parts";
const OPTIONS = { mode: MODE, fixedTimeRule: "no-wildcard" } as const;

/** A parsed expression in a zone, shared by every cron trigger that uses it. */
export interface SharedPattern {
  /** croner's instance (no callback: it never starts a timer; only `nextRun` is used). */
  readonly cron: Cron;
  /** The zone's id; "UTC" for UTC. */
  readonly zone: string;
  /** Whether DST gaps move a skipped fire to the end of the gap (fixed-time job in a zone). */
  readonly movesGapFires: boolean;
  /** The expression, for `wall`. */
  readonly expression: string;
  /** The same expression in UTC, which reads wall-clock times; made when a gap is first met. */
  wall: SharedPattern | null;
  /** The last question and answer (see `nextFireMs`). */
  lastFrom: number;
  lastNext: number | null;
}

/** Most patterns kept; beyond it the oldest is dropped (triggers keep their own reference). */
const MAX_ENTRIES = 10_000;

const cache = new Map<string, SharedPattern>();
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
 * The shared pattern for an expression in a zone; parses on first use.
 *
 * @param expression A 5- or 6-field cron expression or a nickname such as `@daily`.
 * @param timezone A validated IANA zone id.
 * @returns The shared pattern.
 * @throws {SyntaxError} When the expression does not parse.
 * @throws {RangeError} When it parses but can never fire (31 February).
 */
export function sharedPattern(expression: string, timezone: string): SharedPattern {
  const key = timezone + "\u0000" + expression;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const shared = parse(expression, timezone);
  created++;
  if (cache.size >= MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, shared);
  return shared;
}

function parse(expression: string, timezone: string): SharedPattern {
  const invalid = (why: string, error?: unknown): SyntaxError =>
    new SyntaxError(`Invalid cron expression: ${JSON.stringify(expression)} (${why})`, {
      cause: error,
    });
  // Croner reads a string with ":" as an ISO date for a one-off job; that is at(), not cron().
  if (expression.includes(":")) throw invalid("use at() for a single instant");
  const fields = cronFields(expression);
  if (typeof fields === "string") throw invalid(fields);
  const domAndDow = daysAreAnded(fields);
  let cron: Cron;
  let pattern: CronPattern;
  try {
    // UTC has no transitions; croner's fixed-offset mode computes it without Intl, ~10x faster.
    const zone = timezone === "UTC" ? { utcOffset: 0 } : { timezone };
    cron = new Cron(expression, { ...OPTIONS, domAndDow, ...zone });
    pattern = new CronPattern(expression, undefined, OPTIONS);
  } catch (error) {
    throw invalid(explain(error), error);
  }
  const never = whyNeverFires(pattern, fields, domAndDow);
  if (never !== null) {
    throw new RangeError(
      `Invalid cron expression: ${JSON.stringify(expression)} (can never fire: ${never})`,
    );
  }
  const movesGapFires = timezone !== "UTC" && isFixedTime(fields);
  return {
    cron,
    zone: timezone,
    movesGapFires,
    expression,
    wall: null,
    lastFrom: NaN,
    lastNext: null,
  };
}

/**
 * Internal counters, for tests and benchmarks.
 * @returns How many patterns were ever created and how many are cached.
 */
export function patternCacheStats(): { created: number; cached: number } {
  return { created, cached: cache.size };
}

/**
 * The pattern's first fire strictly after `from`, in epoch ms, or `null`.
 *
 * Many schedules on one pattern fire at the same instant and then all ask for the fire after it,
 * so the last answer is remembered: all but the first skip croner (whose nextRun costs
 * microseconds, in a time zone tens of them).
 * @param pattern A shared pattern from `sharedPattern`.
 * @param from Epoch ms.
 * @returns Epoch ms of the next fire, or `null`.
 */
export function nextFireMs(pattern: SharedPattern, from: number): number | null {
  if (pattern.lastFrom === from) return pattern.lastNext;
  let next = pattern.cron.nextRun(new Date(from))?.getTime() ?? null;
  if (pattern.movesGapFires && next !== null) next = gapFire(pattern, from, next) ?? next;
  pattern.lastFrom = from;
  pattern.lastNext = next;
  return next;
}

// A fixed time skipped by a gap in (from, next] fires at the end of the gap; croner does so only
// when the end of the gap falls on the skipped time's date, so every gap is checked here.
function gapFire(pattern: SharedPattern, from: number, next: number): number | null {
  for (const gap of gapsBetween(pattern.zone, from, next)) {
    pattern.wall ??= sharedPattern(pattern.expression, "UTC");
    const wall = nextFireMs(pattern.wall, gap.wallStartMs - 1);
    if (wall !== null && wall < gap.wallEndMs) return gap.atMs;
  }
  return null;
}
