/**
 * Whether a cron pattern can ever fire, decided from its fields rather than by searching time.
 *
 * Seconds, minutes and hours always have a value once parsed, so only the date fields can make a
 * pattern impossible. Whether a date matches depends only on its month, the month's length and
 * the weekday of the month's 1st, and the Gregorian calendar has every such month shape (each
 * month starts on every weekday, February with 28 and with 29 days, within any 400 years). So
 * checking the day fields against the at most 12 × 2 × 7 shapes is exact: a pattern that matches
 * no shape never fires, and one that matches a shape fires in some year, however rare (`0 0 29 2
 * 1` waits for a leap year whose 29 February is a Monday).
 * @module
 */

import type { CronPattern } from "croner";
import type { CronFields } from "./_cron_fields.ts";

const MONTH_LENGTHS = [[31], [28, 29], [31], [30], [31], [30], [31], [31], [30], [31], [30], [31]];
// croner's day-of-week bits: #1..#5 are 1, 2, 4, 8, 16; L (last in the month) is 32.
const NTH_BITS = [1, 2, 4, 8, 16];
const LAST_BIT = 32;

/** The day a `nW` (nearest weekday) entry picks in a month shape, or 0 when it picks none. */
function nearestWeekday(target: number, length: number, firstWeekday: number): number {
  if (target > length) return 0;
  const weekday = (firstWeekday + target - 1) % 7;
  if (weekday === 0) return target === length ? target - 2 : target + 1; // Sunday
  if (weekday === 6) return target === 1 ? target + 2 : target - 1; // Saturday
  return target;
}

function lastWeekday(length: number, firstWeekday: number): number {
  const weekday = (firstWeekday + length - 1) % 7;
  return weekday === 0 ? length - 2 : weekday === 6 ? length - 1 : length;
}

/** Whether some day of a month shape matches the pattern's day fields. */
function shapeMatches(p: CronPattern, anded: boolean, length: number, first: number): boolean {
  const nearest = new Set<number>();
  p.nearestWeekdays.forEach((on, i) => {
    if (on) nearest.add(nearestWeekday(i + 1, length, first));
  });
  for (let day = 1; day <= length; day++) {
    const domMatch = p.day[day - 1] === 1 || nearest.has(day) ||
      (p.lastWeekday && day === lastWeekday(length, first)) ||
      (p.lastDayOfMonth && day === length);
    if (p.starDOW) {
      if (domMatch) return true;
      continue;
    }
    const bits = p.dayOfWeek[(first + day - 1) % 7] ?? 0;
    const dowMatch = (bits & (NTH_BITS[Math.ceil(day / 7) - 1] as number)) !== 0 ||
      ((bits & LAST_BIT) !== 0 && day + 7 > length);
    if (anded ? domMatch && dowMatch : domMatch || dowMatch) return true;
  }
  return false;
}

/**
 * Why a parsed pattern can never fire, or `null` when it fires at some time.
 * @param pattern croner's parse of the expression.
 * @param fields The expression's field texts, for the message.
 * @param anded Whether day-of-month and day-of-week must both match.
 * @returns The reason, or `null`.
 */
export function whyNeverFires(
  pattern: CronPattern,
  fields: CronFields,
  anded: boolean,
): string | null {
  const and = anded || pattern.starDOM || pattern.useAndLogic;
  for (let month = 0; month < 12; month++) {
    if (pattern.month[month] !== 1) continue;
    for (const length of MONTH_LENGTHS[month] as number[]) {
      for (let first = 0; first < 7; first++) {
        if (shapeMatches(pattern, and, length, first)) return null;
      }
    }
  }
  const dom = JSON.stringify(fields.dayOfMonth);
  const dow = JSON.stringify(fields.dayOfWeek);
  const month = JSON.stringify(fields.month);
  if (pattern.starDOW) return `day of month ${dom} never occurs in month ${month}`;
  return and
    ? `day of month ${dom} and day of week ${dow} must both match and never do in month ${month}`
    : `neither day of month ${dom} nor day of week ${dow} occurs in month ${month}`;
}
