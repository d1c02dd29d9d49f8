/**
 * Calendar-interval triggers: the same wall-clock time every N days, weeks, months or years.
 * @module
 */

import { validateTimeZone } from "../time.ts";
import { BaseTrigger, BIND, type BindContext, checkOptions, checkOrder, isoOf } from "./_base.ts";
import { readBounds, withDefined } from "./_base.ts";
import { civilDate, daysInMonth, epochDay, localEpochDay, MAX_EPOCH_MS } from "./_civil.ts";
import { wallClockMs } from "./_civil.ts";
import type { BoundsOptions, CalendarInterval, CalendarTriggerJSON, Trigger } from "./types.ts";

/** Options for {@linkcode calendar}. */
export interface CalendarOptions extends BoundsOptions {
  /**
   * Wall-clock time of each fire, `"HH:MM"` or `"HH:MM:SS"` (24-hour).
   * @default {"00:00"}
   */
  at?: string;
  /**
   * IANA time zone of the wall clock.
   * @default {undefined} (the scheduler's zone once scheduled; UTC standalone)
   */
  timezone?: string;
}

const KEYS = ["at", "timezone", "startAt", "endAt"] as const;
const UNITS = ["years", "months", "weeks", "days"] as const;
const AVERAGE_MONTH_DAYS = 30.436875;

class CalendarTrigger extends BaseTrigger {
  readonly #interval: CalendarInterval;
  readonly #at: string;
  readonly #second: number;
  readonly #timezone: string | undefined;
  readonly #startMs: number;
  readonly #endMs: number | undefined;
  readonly #explicitStart: boolean;
  readonly #months: number;
  readonly #days: number;
  readonly #anchorMonth: number; // year * 12 + month - 1
  readonly #anchorDay: number; // day of month
  readonly #anchorEpochDay: number;

  constructor(
    interval: CalendarInterval,
    at: string,
    second: number,
    timezone: string | undefined,
    startMs: number,
    endMs: number | undefined,
    explicitStart: boolean,
  ) {
    super();
    checkOrder(startMs, endMs);
    this.#interval = interval;
    this.#at = at;
    this.#second = second;
    this.#timezone = timezone;
    this.#startMs = startMs;
    this.#endMs = endMs;
    this.#explicitStart = explicitStart;
    this.#months = (interval.years ?? 0) * 12 + (interval.months ?? 0);
    this.#days = (interval.weeks ?? 0) * 7 + (interval.days ?? 0);
    const anchor = localEpochDay(startMs, timezone ?? "UTC");
    const [year, month, day] = civilDate(anchor);
    this.#anchorMonth = year * 12 + month - 1;
    this.#anchorDay = day;
    this.#anchorEpochDay = anchor;
  }

  get type(): "calendar" {
    return "calendar";
  }

  /** Epoch day of period k, or NaN when that date does not exist (31 April, 29 February). */
  #dayOf(k: number, exact: boolean): number {
    const months = this.#anchorMonth + k * this.#months;
    const year = Math.floor(months / 12);
    const month = months - year * 12 + 1;
    if (exact && this.#anchorDay > daysInMonth(year, month)) return NaN;
    return epochDay(year, month, this.#anchorDay) + k * this.#days;
  }

  nextMs(afterMs: number): number | null {
    const lower = Math.max(afterMs + 1, this.#startMs);
    const end = this.#endMs ?? MAX_EPOCH_MS;
    if (lower > end) return null;
    const zone = this.#timezone ?? "UTC";
    const lowerDay = localEpochDay(lower, zone);
    // Estimate the period index instead of walking from the anchor, then back off until the
    // previous period's date lies at least two days before `lower` (a skipped wall-clock time
    // moves forward by at most a day), so no fire >= lower is missed.
    const period = this.#months * AVERAGE_MONTH_DAYS + this.#days;
    let k = Math.max(0, Math.floor((lowerDay - this.#anchorEpochDay) / period) - 1);
    while (k > 0 && this.#dayOf(k - 1, false) > lowerDay - 2) k--;
    for (;; k++) {
      const day = this.#dayOf(k, true);
      if (Number.isNaN(day)) continue;
      if (day * 86_400_000 > end + 86_400_000) return null;
      const ms = wallClockMs(day, this.#second, zone);
      if (ms > end) return null;
      if (ms >= lower) return ms;
    }
  }

  toJSON(): CalendarTriggerJSON {
    const json = { v: 1, type: "calendar", interval: { ...this.#interval }, at: this.#at };
    return withDefined(json as CalendarTriggerJSON, {
      timezone: this.#timezone,
      startAt: this.#explicitStart ? isoOf(this.#startMs) : undefined,
      endAt: isoOf(this.#endMs),
    });
  }

  [BIND](context: BindContext): Trigger {
    if (this.#timezone !== undefined && this.#explicitStart) return this;
    return new CalendarTrigger(
      this.#interval,
      this.#at,
      this.#second,
      this.#timezone ?? context.timezone,
      this.#explicitStart ? this.#startMs : context.nowMs,
      this.#endMs,
      true,
    );
  }
}

function readInterval(interval: unknown): CalendarInterval {
  if (typeof interval !== "object" || interval === null || Array.isArray(interval)) {
    throw new TypeError(`Invalid calendar interval: expected an object such as { months: 1 }`);
  }
  const out: CalendarInterval = {};
  for (const [key, value] of Object.entries(interval)) {
    if (!(UNITS as readonly string[]).includes(key)) {
      throw new TypeError(
        `Invalid calendar interval: unknown unit ${
          JSON.stringify(key)
        } (use years, months, weeks, days; every() takes fixed durations)`,
      );
    }
    if (typeof value !== "number") {
      throw new TypeError(`Invalid calendar interval: ${key} must be a number`);
    }
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `Invalid calendar interval: ${key} must be a non-negative integer, got ${value}`,
      );
    }
    if (value > 0) out[key as keyof CalendarInterval] = value;
  }
  if (Object.keys(out).length === 0) {
    throw new RangeError(`Invalid calendar interval: at least one unit must be greater than zero`);
  }
  return out;
}

function readAt(at: unknown): [string, number] {
  if (typeof at !== "string") throw new TypeError(`Invalid at: expected a "HH:MM" string`);
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(at);
  const [h, m, s] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3] ?? 0)];
  if (match === null || h > 23 || m > 59 || s > 59) {
    throw new SyntaxError(
      `Invalid at: ${JSON.stringify(at)} (expected "HH:MM" or "HH:MM:SS", e.g. "09:00")`,
    );
  }
  const text = s === 0 ? at.slice(0, 5) : at;
  return [text, h * 3600 + m * 60 + s];
}

/**
 * A trigger that fires at the same wall-clock time every N calendar units in a zone (APScheduler
 * 4's CalendarIntervalTrigger). The anchor date is `startAt`'s date in the zone (creation time,
 * or schedule time once scheduled, when absent); the first fire is the anchor date at `at` if
 * that is not before `startAt`, else the next period. Months and years keep the anchor's day of
 * month and skip dates that do not exist (31 April, 29 February outside leap years). A time
 * skipped by DST fires at the transition; a repeated time fires at its first occurrence.
 *
 * @param interval Non-negative integer units, at least one above zero.
 * @param options Wall-clock time, zone and bounds.
 * @returns The trigger.
 * @throws {TypeError} For a wrong type or unknown unit or option.
 * @throws {RangeError} For all-zero, negative or fractional units, an unknown zone, or `startAt`
 * after `endAt`.
 * @throws {SyntaxError} For an `at` that is not `"HH:MM"` or `"HH:MM:SS"`.
 * @example
 * ```ts
 * const monthly = calendar({ months: 1 }, {
 *   at: "09:00",
 *   timezone: "Europe/Paris",
 *   startAt: "2025-01-31T00:00:00+01:00",
 * });
 * monthly.nextRuns(2, "2025-01-01T00:00:00Z").map(String);
 * // ["2025-01-31T08:00:00Z", "2025-03-31T07:00:00Z"]
 * ```
 */
export function calendar(
  interval: { years?: number; months?: number; weeks?: number; days?: number },
  options?: CalendarOptions,
): Trigger {
  const units = readInterval(interval);
  const opts = checkOptions(options, KEYS, "calendar()") as CalendarOptions;
  const [at, second] = readAt(opts.at ?? "00:00");
  const timezone = opts.timezone === undefined ? undefined : validateTimeZone(opts.timezone);
  const { startMs, endMs } = readBounds(opts);
  const explicit = startMs !== undefined;
  return new CalendarTrigger(units, at, second, timezone, startMs ?? Date.now(), endMs, explicit);
}
