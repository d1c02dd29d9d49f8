/**
 * The text of a cron expression's fields, read before croner parses it: the rules that depend on
 * how a field is spelt (not on the values it expands to) are decided here.
 * @module
 */

// The nicknames croner accepts, as the 6 fields (seconds first) they stand for.
const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 0 1 1 *",
  "@annually": "0 0 0 1 1 *",
  "@monthly": "0 0 0 1 * *",
  "@weekly": "0 0 0 * * 0",
  "@daily": "0 0 0 * * *",
  "@midnight": "0 0 0 * * *",
  "@hourly": "0 0 * * * *",
};

/** The fields of an expression, seconds first, as written (`?` read as `*`, like croner). */
export interface CronFields {
  readonly second: string;
  readonly minute: string;
  readonly hour: string;
  readonly dayOfMonth: string;
  readonly month: string;
  readonly dayOfWeek: string;
}

/**
 * Splits an expression into its fields.
 * @param expression A cron expression or nickname.
 * @returns The fields, or a problem to report (a year field, a wrong field count).
 */
export function cronFields(expression: string): CronFields | string {
  const trimmed = expression.trim();
  const parts = (NICKNAMES[trimmed.toLowerCase()] ?? trimmed).split(/\s+/)
    .map((part) => part.replaceAll("?", "*"));
  if (parts.length === 7 || (parts.length === 6 && /\d{3}/.test(parts[5] as string))) {
    return "years are not supported: use 5 fields, or 6 with seconds first, and bound the " +
      "trigger with startAt/endAt";
  }
  if (parts.length === 5) parts.unshift("0");
  if (parts.length !== 6) return "expected 5 fields, or 6 with seconds first";
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { second, minute, hour, dayOfMonth, month, dayOfWeek };
}

/**
 * Whether day-of-month and day-of-week must both match (AND) rather than either (OR). cronie
 * and Vixie cron flag a day field as "star" when its text starts with `*`, before expanding it
 * (so `*\/2` counts as a star), and AND the two day fields when either is flagged; croner's `+`
 * prefix on day-of-week asks for AND explicitly.
 * @param fields The expression's fields.
 * @returns `true` for AND.
 */
export function daysAreAnded(fields: CronFields): boolean {
  return fields.dayOfMonth.startsWith("*") || fields.dayOfWeek.startsWith("*") ||
    fields.dayOfWeek.startsWith("+");
}

/**
 * Whether the expression is a fixed-time job for DST: no wildcard and no step in its second,
 * minute and hour fields (croner's "no-wildcard" rule; Vixie cron calls a job wild only when its
 * minute or hour field starts with `*`).
 * @param fields The expression's fields.
 * @returns `true` for a fixed-time job.
 */
export function isFixedTime(fields: CronFields): boolean {
  return [fields.second, fields.minute, fields.hour].every((f) => !/[*/]/.test(f));
}
