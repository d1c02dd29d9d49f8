/**
 * Proleptic Gregorian date arithmetic on epoch days, and wall-clock to instant resolution with
 * the DST rules calendar triggers use.
 * @module
 */

import { Temporal } from "../temporal.ts";

/** Largest epoch ms a `Date` or `Temporal.Instant` can hold. */
export const MAX_EPOCH_MS = 8.64e15;
const DAY_MS = 86_400_000;

/**
 * Days since 1970-01-01 of a civil date (month 1-12; the day may overflow the month).
 * @param year Year.
 * @param month Month 1-12.
 * @param day Day of month.
 * @returns Epoch days.
 */
export function epochDay(year: number, month: number, day: number): number {
  // Count years from March so that the leap day is the last day of a year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shifted = (month + 9) % 12; // March = 0
  const dayOfYear = Math.floor((153 * shifted + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) +
    dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The civil date of an epoch day.
 * @param days Epoch days.
 * @returns `[year, month 1-12, day]`.
 */
export function civilDate(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/**
 * Days in a month.
 * @param year Year.
 * @param month Month 1-12.
 * @returns 28-31.
 */
export function daysInMonth(year: number, month: number): number {
  return month === 12 ? 31 : epochDay(year, month + 1, 1) - epochDay(year, month, 1);
}

/**
 * The local epoch day of an instant in a zone.
 * @param ms Epoch ms.
 * @param timeZone A validated zone id.
 * @returns Epoch days of the wall-clock date.
 */
export function localEpochDay(ms: number, timeZone: string): number {
  if (timeZone === "UTC") return Math.floor(ms / DAY_MS);
  const z = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone);
  return epochDay(z.year, z.month, z.day);
}

/**
 * The instant of a wall-clock time: a time skipped by a forward transition resolves to the
 * transition instant (the first valid instant after the gap), a repeated time to its earlier
 * occurrence.
 * @param day Epoch day of the date.
 * @param secondOfDay Seconds after midnight.
 * @param timeZone A validated zone id.
 * @returns Epoch ms.
 */
export function wallClockMs(day: number, secondOfDay: number, timeZone: string): number {
  if (timeZone === "UTC") return day * DAY_MS + secondOfDay * 1000;
  const [year, month, date] = civilDate(day);
  const local = new Temporal.PlainDateTime(
    year,
    month,
    date,
    Math.floor(secondOfDay / 3600),
    Math.floor(secondOfDay / 60) % 60,
    secondOfDay % 60,
  );
  // "compatible" takes the earlier of two occurrences and moves a skipped time forward by the
  // gap's length; a skipped time is recognisable because its wall clock changed.
  const zoned = local.toZonedDateTime(timeZone);
  if (zoned.toPlainDateTime().equals(local)) return zoned.epochMilliseconds;
  const before = local.toZonedDateTime(timeZone, { disambiguation: "earlier" });
  const transition = before.getTimeZoneTransition("next");
  return transition === null ? zoned.epochMilliseconds : transition.epochMilliseconds;
}
