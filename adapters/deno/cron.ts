/**
 * Translation of everywhen's cron dialect (croner's) into `Deno.cron`'s: 5 fields, UTC, weekdays
 * 1 = Sunday … 7 = Saturday. Only exact translations are returned; anything else is refused
 * with the reason and the alternative.
 *
 * Deno.cron parses schedules with the `saffron` crate: day of month and day of week are ORed
 * when both are restricted (not `*`), as in our dialect; numeric lists, ranges and `*` steps
 * mean the same. The translation therefore emits only `*`, `*` steps, numbers, ascending
 * ranges and lists, and rewrites weekdays (ranges that wrap past Saturday misbehave in Deno).
 * @module
 */

import { cron } from "../../src/triggers/cron.ts";
import { cronFields, daysAreAnded } from "../../src/triggers/_cron_fields.ts";
import { checkKeys } from "../../src/_keys.ts";

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const INSTEAD = "use a Scheduler with cron() and denoCronWaker() instead";

/** Options for {@linkcode toDenoCron}. */
export interface ToDenoCronOptions {
  /**
   * The zone the expression is meant in. `Deno.cron` runs in UTC only, so anything but UTC is
   * refused.
   * @default "UTC"
   */
  timezone?: string;
}

/**
 * Translates a cron expression in everywhen's dialect into an equivalent `Deno.cron` schedule,
 * or refuses it when no exact equivalent exists.
 *
 * Accepted: 5 fields, or 6 whose seconds field is `0`; `*`, `?`, numbers, names, ranges, lists,
 * steps; `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`; day-of-week 0 or 7 for Sunday.
 * Refused (`RangeError`): seconds other than 0, a time zone other than UTC, `L`, `W` and `#`,
 * and a `+` (AND) day of week together with a restricted day of month.
 *
 * @param expression A cron expression in everywhen's dialect.
 * @param options The zone it is meant in.
 * @returns The `Deno.cron` schedule (5 fields, weekdays 1 = Sunday … 7 = Saturday).
 * @throws {TypeError} When `expression` is not a string.
 * @throws {SyntaxError} When the expression does not parse in our dialect.
 * @throws {RangeError} When Deno.cron cannot express it exactly; the message says why.
 * @example
 * ```ts
 * import { toDenoCron } from "@everywhen/everywhen/deno";
 * toDenoCron("30 9 * * MON-FRI"); // "30 9 * * 2-6"
 * toDenoCron("@weekly"); // "0 0 * * 1"
 * ```
 */
export function toDenoCron(expression: string, options: ToDenoCronOptions = {}): string {
  if (typeof expression !== "string") {
    throw new TypeError(`Invalid cron expression: got ${typeof expression} (expected a string)`);
  }
  const refuse = (why: string, fix = INSTEAD): RangeError =>
    new RangeError(
      `Cannot translate ${JSON.stringify(expression)} to Deno.cron: ${why} (${fix})`,
    );
  const zone = checkKeys(options, ["timezone"], "toDenoCron options").timezone ?? "UTC";
  if (!/^(Etc\/)?(UTC|UCT|Universal|Zulu|GMT|GMT0|Greenwich)$/i.test(zone)) {
    throw refuse(`Deno.cron runs in UTC only, not in ${zone}`);
  }
  cron(expression); // our own parser: SyntaxError for what our dialect rejects
  const text = expression.trim();
  const fields = (NICKNAMES[text.toLowerCase()] ?? text).split(/\s+/);
  if (fields.length === 6) {
    const seconds = fields.shift()!;
    const set = expand(seconds, 0, 59);
    if (set.size !== 1 || !set.has(0)) {
      throw refuse(
        "Deno.cron has no seconds field and fires at second 0 of a minute at most once a minute",
      );
    }
  }
  const [minute, hour, dom, month, dowRaw] = fields as [string, string, string, string, string];
  let dow = dowRaw.replace(/-sun\b/gi, "-7");
  if (dow.startsWith("+")) dow = dow.slice(1);
  if (/[lw]/i.test(dom) || /[l#]/i.test(names(dow, DAYS, 0))) {
    throw refuse("L, W and # are not translated (Deno.cron's rules for them are its own)");
  }
  const domStar = dom === "*" || dom === "?";
  const dowStar = dow === "*" || dow === "?";
  // Ours ANDs the day fields when either starts with `*` (cronie's rule, so `*/2` counts) or
  // day-of-week has `+`; Deno.cron ORs any two restricted fields, so only AND with a plain `*`
  // on one side means the same in both.
  const parsed = cronFields(expression);
  if (typeof parsed !== "string" && daysAreAnded(parsed) && !domStar && !dowStar) {
    throw refuse(
      "Deno.cron matches a restricted day of month OR a restricted day of week; it cannot require both (a + prefix, or a day field such as */2 that cron reads as a star)",
    );
  }
  const days = dowStar ? "*" : renderList([...expand(names(dow, DAYS, 0), 0, 7)].map((d) =>
    // Ours: 0 or 7 = Sunday … 6 = Saturday. Deno.cron's: 1 = Sunday … 7 = Saturday.
    (d % 7) + 1
  ));
  return [
    render(minute, 0, 59),
    render(hour, 0, 23),
    domStar ? "*" : render(dom, 1, 31),
    render(names(month, MONTHS, 1), 1, 12),
    days,
  ].join(" ");
}

/** Replaces 3-letter names by their numbers (`first` is the number of the first name). */
function names(field: string, list: string[], first: number): string {
  return field.replace(/[a-z]{3}/gi, (name) => {
    const i = list.indexOf(name.toLowerCase());
    return i < 0 ? name : String(i + first);
  });
}

/** The set of values a (validated) numeric field selects. */
function expand(field: string, min: number, max: number): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/") as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = min;
    let to = max;
    if (range !== "*" && range !== "?") {
      const [a, b] = range.split("-") as [string, string | undefined];
      from = Number(a);
      to = b === undefined ? from : Number(b);
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Renders a field as `*`, a `*` step, or a list of numbers and ascending ranges. */
function render(field: string, min: number, max: number): string {
  if (field === "*" || field === "?") return "*";
  const values = [...expand(field, min, max)].sort((a, b) => a - b);
  const step = values.length > 2 ? values[1]! - values[0]! : 0;
  const stepped = values[0] === min && step > 1 &&
    values.every((v, i) => v === min + i * step) && values.at(-1)! + step > max;
  return stepped ? `*/${step}` : renderList(values);
}

function renderList(input: number[]): string {
  const values = [...new Set(input)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    parts.push(
      j - i >= 2 ? `${values[i]}-${values[j]}` : values.slice(i, j + 1).join(","),
    );
    i = j + 1;
  }
  return parts.join(",");
}
