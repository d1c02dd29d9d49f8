/**
 * Conversions between the instant, duration and time-zone inputs everywhen accepts and the
 * epoch milliseconds it computes with.
 * @module
 */

import { Temporal } from "./temporal.ts";

/**
 * An instant: a `Date`, a `Temporal.Instant`, a `Temporal.ZonedDateTime`, an ISO 8601 string
 * with an offset or `Z` (`"2025-01-01T09:00:00+01:00"`), or epoch milliseconds.
 */
export type InstantInput = Date | Temporal.Instant | Temporal.ZonedDateTime | string | number;

/** Duration fields; each a finite, non-negative number. Days are 24 hours, weeks 7 days. */
export interface DurationLike {
  /** Calendar years: not a fixed length, rejected by {@linkcode toDurationMs}. */
  years?: number;
  /** Calendar months: not a fixed length, rejected by {@linkcode toDurationMs}. */
  months?: number;
  /** Weeks of 7 days. */
  weeks?: number;
  /** Days of 24 hours. */
  days?: number;
  /** Hours. */
  hours?: number;
  /** Minutes. */
  minutes?: number;
  /** Seconds. */
  seconds?: number;
  /** Milliseconds. */
  milliseconds?: number;
}

/**
 * A fixed elapsed duration: milliseconds, an ISO 8601 duration string (`"PT5M"`), a
 * `Temporal.Duration` or a {@linkcode DurationLike} object.
 */
export type DurationInput = number | string | Temporal.Duration | DurationLike;

/** Options for {@linkcode toDurationMs}. */
export interface ToDurationOptions {
  /**
   * Accept a zero duration.
   * @default {false}
   */
  allowZero?: boolean;
}

/**
 * The earliest instant accepted from outside: 1970-01-01T00:00:00Z (epoch milliseconds 0).
 * Earlier instants have no use in a scheduler and would be negative in every store.
 */
export const MIN_INSTANT_MS = 0;
/**
 * The latest instant accepted from outside: 9999-12-31T23:59:59.999Z. Far below what stores
 * keep exactly (SQLite and PostgreSQL 64-bit integers, Deno KV and Durable Object numbers:
 * 2^53) and what `Temporal.Instant` and `Date` represent (±8.64e15), and every runtime prints
 * it with a four-digit year.
 */
export const MAX_INSTANT_MS = 253_402_300_799_999;
/**
 * The longest duration accepted: 100 years of 365.25 days (3,155,760,000,000 ms). Any instant
 * this century plus any duration stays within {@linkcode MAX_INSTANT_MS}, and timers wait that
 * long by chaining `setTimeout`s of at most 2^31 - 1 ms.
 */
export const MAX_DURATION_MS = 3_155_760_000_000;
// What Temporal.Instant and Date represent; stored values are read within this range.
const TEMPORAL_LIMIT_MS = 8.64e15;
const RANGE_TEXT = "from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z";
const UNIT_MS: Record<string, number> = {
  weeks: 604_800_000,
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1000,
  milliseconds: 1,
  microseconds: 0.001,
  nanoseconds: 0.000001,
};
const DURATION_KEYS: readonly string[] = [
  "years",
  "months",
  "weeks",
  "days",
  "hours",
  "minutes",
  "seconds",
  "milliseconds",
];
const zoneCache = new Map<string, string>();

function tagOf(value: object): string {
  return Object.prototype.toString.call(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? tagOf(value).slice(8, -1) : typeof value;
}

/**
 * Reads `YYYY-MM-DDTHH:MM:SS[.fff]Z`, how instants are written (stored triggers among them),
 * without Temporal (a polyfill on Node 22) or a regular expression: every fire of an `at()`
 * schedule read back from a store decodes one. Through Temporal that took 4.4 µs on Node 22,
 * through a regular expression 0.8 µs on Node 26, character by character 0.13 µs. Anything else
 * is left to Temporal.
 * @returns Epoch milliseconds, or `null` when the text is not a valid instant of that form.
 */
function utcMs(text: string): number | null {
  const n = text.length;
  // 20 characters without a fraction; 22 to 24 with one to three digits of it.
  if (n !== 20 && (n < 22 || n > 24)) return null;
  if (
    text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(n - 1) !== 90
  ) return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  let fraction = 0;
  if (n > 20) {
    if (text.charCodeAt(19) !== 46) return null;
    fraction = digits(text, 20, n - 21);
    if (fraction < 0) return null;
    fraction *= n === 22 ? 100 : n === 23 ? 10 : 1;
  }
  // Date.UTC reads years 0-99 as 1900-1999; a leap second (:60) is Temporal's to clamp.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, fraction);
}

/** The number `length` ASCII digits of `text` from `at` spell, or -1 if one is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Days in `month` (1-12) of `year`, in the proleptic Gregorian calendar `Date.UTC` counts in. */
function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Converts an instant to epoch milliseconds (sub-millisecond precision is truncated).
 *
 * @param input The instant.
 * @param name The option name used in error messages.
 * @returns Milliseconds since 1970-01-01T00:00:00Z.
 * @throws {TypeError} For a value of the wrong type.
 * @throws {RangeError} For a non-integer or non-finite number, an invalid `Date`, or an instant
 * outside {@linkcode MIN_INSTANT_MS}..{@linkcode MAX_INSTANT_MS} (1970 to 9999).
 * @throws {SyntaxError} For a string that is not an ISO 8601 instant with an offset.
 * @example
 * ```ts
 * toEpochMs("2025-01-01T00:00:00Z"); // 1735689600000
 * ```
 */
export function toEpochMs(input: InstantInput, name = "instant"): number {
  if (typeof input === "number") {
    if (!Number.isInteger(input)) {
      throw new RangeError(`Invalid ${name}: ${input} (expected whole epoch milliseconds)`);
    }
    if (input < MIN_INSTANT_MS || input > MAX_INSTANT_MS) {
      throw new RangeError(`Invalid ${name}: ${input} is out of range (expected ${RANGE_TEXT})`);
    }
    return input;
  }
  if (typeof input === "string") {
    const utc = utcMs(input);
    if (utc !== null) return toEpochMs(utc, name);
    let instant: Temporal.Instant;
    try {
      instant = Temporal.Instant.from(input);
    } catch {
      throw new SyntaxError(
        `Invalid ${name}: ${
          JSON.stringify(input)
        } (expected an ISO 8601 instant with an offset or Z, e.g. "2025-01-01T09:00:00Z")`,
      );
    }
    return toEpochMs(instant.epochMilliseconds, name);
  }
  if (input instanceof Date) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`Invalid ${name}: the Date is invalid`);
    return toEpochMs(ms, name);
  }
  if (typeof input === "object" && input !== null) {
    const tag = tagOf(input);
    if (tag === "[object Temporal.Instant]" || tag === "[object Temporal.ZonedDateTime]") {
      return toEpochMs((input as Temporal.Instant).epochMilliseconds, name);
    }
  }
  throw new TypeError(
    `Invalid ${name}: got ${
      describe(input)
    } (expected a Date, Temporal.Instant, Temporal.ZonedDateTime, ISO string or epoch ms)`,
  );
}

/**
 * Converts epoch milliseconds to a `Temporal.Instant`. It reads stored and computed times, so
 * it accepts the whole `Temporal.Instant` range (±8.64e15 ms), not only the range accepted
 * from outside.
 *
 * @param ms Milliseconds since the epoch.
 * @returns The instant.
 * @throws {RangeError} For a non-integer number or one outside ±8.64e15.
 * @example
 * ```ts
 * instantFromMs(0).toString(); // "1970-01-01T00:00:00Z"
 * ```
 */
export function instantFromMs(ms: number): Temporal.Instant {
  // Jobs fired together ask for the same instant one after another; instants are immutable, so
  // they can share one.
  if (ms === lastMs) return lastInstant!;
  if (!Number.isInteger(ms) || Math.abs(ms) > TEMPORAL_LIMIT_MS) {
    throw new RangeError(
      `Invalid epoch milliseconds: ${ms} (expected a whole number within ±8.64e15)`,
    );
  }
  lastInstant = Temporal.Instant.fromEpochMilliseconds(ms);
  lastMs = ms;
  return lastInstant;
}

let lastMs = NaN;
let lastInstant: Temporal.Instant | undefined;

/**
 * Adds a duration to an instant, for every sum such as `now + delay` or `now + resultTtl`
 * that is written to a store.
 *
 * @param base Epoch milliseconds.
 * @param ms Milliseconds to add (may be negative).
 * @param name The option the duration came from, for the error message.
 * @returns `base + ms`.
 * @throws {RangeError} When the sum is after {@linkcode MAX_INSTANT_MS} or before
 * {@linkcode MIN_INSTANT_MS}.
 * @example
 * ```ts
 * addMs(Date.now(), 60_000, "delay");
 * ```
 */
export function addMs(base: number, ms: number, name: string): number {
  const sum = base + ms;
  if (!Number.isSafeInteger(sum) || sum < MIN_INSTANT_MS || sum > MAX_INSTANT_MS) {
    throw new RangeError(
      `Invalid ${name}: ${ms} ms from ${
        Number.isFinite(base) ? new Date(base).toISOString() : base
      } is out of range (the result must be ${RANGE_TEXT})`,
    );
  }
  return sum;
}

/**
 * Converts an instant input to a `Temporal.Instant` of millisecond precision.
 *
 * @param input The instant.
 * @param name The option name used in error messages.
 * @returns The instant.
 * @throws {TypeError | RangeError | SyntaxError} As {@linkcode toEpochMs}.
 * @example
 * ```ts
 * toInstant(new Date(0)).toString(); // "1970-01-01T00:00:00Z"
 * ```
 */
export function toInstant(input: InstantInput, name = "instant"): Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(toEpochMs(input, name));
}

function checkedMs(total: number, name: string, allowZero: boolean): number {
  const ms = Math.round(total);
  if (Math.abs(total - ms) > 1e-6) {
    throw new RangeError(`Invalid ${name}: ${total} ms (expected whole milliseconds)`);
  }
  if (ms > MAX_DURATION_MS) {
    throw new RangeError(
      `Invalid ${name}: ${ms} ms is too long (the limit is 100 years, ${MAX_DURATION_MS} ms)`,
    );
  }
  if (ms === 0 && !allowZero) {
    throw new RangeError(`Invalid ${name}: must be greater than zero`);
  }
  return ms;
}

function calendarUnitError(name: string): RangeError {
  return new RangeError(
    `Invalid ${name}: years and months have no fixed length (use calendar() for calendar intervals)`,
  );
}

function fieldsMs(fields: Record<string, unknown>, name: string, keys: readonly string[]): number {
  let total = 0;
  for (const key of keys) {
    const value = fields[key];
    if (value === undefined || value === 0) continue;
    if (typeof value !== "number") {
      throw new TypeError(`Invalid ${name}: ${key} must be a number, got ${describe(value)}`);
    }
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`Invalid ${name}: ${key} must be a finite, non-negative number`);
    }
    if (key === "years" || key === "months") throw calendarUnitError(name);
    total += value * (UNIT_MS[key] ?? 0);
  }
  return total;
}

/**
 * Converts a duration to fixed elapsed milliseconds: days are 24 hours and weeks 7 days.
 *
 * @param input The duration.
 * @param name The option name used in error messages.
 * @param options Whether zero is accepted.
 * @returns Whole milliseconds, never negative.
 * @throws {TypeError} For a value of the wrong type or an unknown field.
 * @throws {RangeError} For negative, non-finite, fractional-millisecond, zero (unless allowed)
 * durations, durations over {@linkcode MAX_DURATION_MS} (100 years), and for years or months
 * (use `calendar()`).
 * @throws {SyntaxError} For a string that is not an ISO 8601 duration.
 * @example
 * ```ts
 * toDurationMs("PT5M"); // 300000
 * toDurationMs({ hours: 1, minutes: 30 }); // 5400000
 * ```
 */
export function toDurationMs(
  input: DurationInput,
  name = "duration",
  options: ToDurationOptions = {},
): number {
  const allowZero = options.allowZero ?? false;
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0) {
      throw new RangeError(`Invalid ${name}: ${input} (expected finite, non-negative ms)`);
    }
    return checkedMs(input, name, allowZero);
  }
  if (typeof input === "string") {
    let duration: Temporal.Duration;
    try {
      duration = Temporal.Duration.from(input);
    } catch {
      throw new SyntaxError(
        `Invalid ${name}: ${JSON.stringify(input)} (expected an ISO 8601 duration, e.g. "PT5M")`,
      );
    }
    return toDurationMs(duration, name, options);
  }
  if (typeof input === "object" && input !== null && !Array.isArray(input)) {
    if (tagOf(input) === "[object Temporal.Duration]") {
      const d = input as Temporal.Duration;
      if (d.sign < 0) throw new RangeError(`Invalid ${name}: ${d.toString()} is negative`);
      if (d.years !== 0 || d.months !== 0) throw calendarUnitError(name);
      const fields = d as unknown as Record<string, unknown>;
      return checkedMs(fieldsMs(fields, name, Object.keys(UNIT_MS)), name, allowZero);
    }
    const fields = input as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!DURATION_KEYS.includes(key)) {
        throw new TypeError(
          `Invalid ${name}: unknown field ${JSON.stringify(key)} (use ${DURATION_KEYS.join(", ")})`,
        );
      }
    }
    return checkedMs(fieldsMs(fields, name, DURATION_KEYS), name, allowZero);
  }
  throw new TypeError(
    `Invalid ${name}: got ${
      describe(input)
    } (expected ms, an ISO 8601 duration string, a Temporal.Duration or { minutes: 5 })`,
  );
}

/**
 * Checks an IANA time zone id (or a fixed offset such as `"+05:30"`) and returns its
 * canonical spelling as the runtime reports it.
 *
 * @param timeZone The time zone id.
 * @param name The option name used in error messages.
 * @returns The canonical id, e.g. `"America/New_York"` for `"america/new_york"`.
 * @throws {TypeError} When `timeZone` is not a string.
 * @throws {RangeError} For an unknown time zone.
 * @example
 * ```ts
 * validateTimeZone("europe/london"); // "Europe/London"
 * ```
 */
export function validateTimeZone(timeZone: string, name = "timezone"): string {
  if (typeof timeZone !== "string") {
    throw new TypeError(`Invalid ${name}: got ${describe(timeZone)} (expected an IANA id string)`);
  }
  const cached = zoneCache.get(timeZone);
  if (cached !== undefined) return cached;
  let canonical: string;
  try {
    if (timeZone === "") throw new RangeError("empty");
    // Croner computes with Intl and calendar() with Temporal, so both must know the zone.
    // Temporal's id is the case-normalised input on every runtime (Intl may rename
    // "Asia/Kathmandu" to the legacy "Asia/Katmandu").
    new Intl.DateTimeFormat("en-US", { timeZone });
    canonical = Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(timeZone).timeZoneId;
  } catch {
    throw new RangeError(
      `Unknown ${name}: ${JSON.stringify(timeZone)} (use an IANA id such as "Europe/Berlin")`,
    );
  }
  if (zoneCache.size >= 1000) zoneCache.clear();
  zoneCache.set(timeZone, canonical);
  return canonical;
}
