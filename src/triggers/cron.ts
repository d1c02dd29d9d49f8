/**
 * Cron triggers in croner's dialect, evaluated in an IANA time zone.
 * @module
 */

import { validateTimeZone } from "../time.ts";
import { nextFireMs, type SharedPattern, sharedPattern } from "./_pattern_cache.ts";
import { BaseTrigger, BIND, type BindContext, checkOptions, isoOf, readBounds } from "./_base.ts";
import { withDefined } from "./_base.ts";
import type { BoundsOptions, CronTriggerJSON, Trigger } from "./types.ts";

/** Options for {@linkcode cron}. */
export interface CronOptions extends BoundsOptions {
  /**
   * IANA time zone the expression is read in.
   * @default {undefined} (the scheduler's zone once scheduled; UTC standalone)
   */
  timezone?: string;
}

const KEYS = ["timezone", "startAt", "endAt"] as const;

// Per-trigger state is four references and nothing else: the parsed pattern is shared.
class CronTrigger extends BaseTrigger {
  readonly #expression: string;
  readonly #timezone: string | undefined;
  readonly #pattern: SharedPattern;
  readonly #startMs: number | undefined;
  readonly #endMs: number | undefined;

  constructor(
    expression: string,
    timezone: string | undefined,
    startMs: number | undefined,
    endMs: number | undefined,
  ) {
    super();
    this.#expression = expression;
    this.#timezone = timezone;
    this.#pattern = sharedPattern(expression, timezone ?? "UTC");
    this.#startMs = startMs;
    this.#endMs = endMs;
  }

  get type(): "cron" {
    return "cron";
  }

  nextMs(afterMs: number): number | null {
    const start = this.#startMs;
    // Croner answers strictly after a reference, in whole seconds; startAt is inclusive.
    const from = start !== undefined && afterMs < start ? start - 1 : afterMs;
    const ms = nextFireMs(this.#pattern, from);
    if (ms === null) return null;
    return this.#endMs !== undefined && ms > this.#endMs ? null : ms;
  }

  toJSON(): CronTriggerJSON {
    return withDefined({ v: 1, type: "cron", expression: this.#expression } as CronTriggerJSON, {
      timezone: this.#timezone,
      startAt: isoOf(this.#startMs),
      endAt: isoOf(this.#endMs),
    });
  }

  [BIND](context: BindContext): Trigger {
    if (this.#timezone !== undefined) return this;
    return new CronTrigger(this.#expression, context.timezone, this.#startMs, this.#endMs);
  }
}

/**
 * A trigger that fires on a cron expression: 5 fields, or 6 with seconds first (no year field);
 * `L`, `W`, `#`, month and day names, and nicknames such as `@daily`. 0 and 7 are Sunday.
 * Day-of-month and day-of-week combine as in cronie: when either field's text starts with `*`
 * (`*`, `*\/2`, `?`) both must match, otherwise either may; prefix day-of-week with `+` to
 * require both in any case. Across DST, a fixed time skipped by a gap fires once at the first
 * valid instant after it (also when the gap ends at midnight), a fixed time in a repeated hour
 * fires once (the first), and wildcard or stepped fields follow elapsed time. Parsed patterns are
 * shared between triggers.
 *
 * @param expression The cron expression.
 * @param options Zone and bounds.
 * @returns The trigger.
 * @throws {TypeError} When `expression` is not a string or an option is unknown.
 * @throws {SyntaxError} When the expression does not parse or has a year field.
 * @throws {RangeError} For a pattern that can never fire (`0 0 31 2 *`), an unknown time zone or
 * `startAt` after `endAt`.
 * @example
 * ```ts
 * const weekdays = cron("30 9 * * MON-FRI", { timezone: "America/New_York" });
 * weekdays.next("2025-01-04T00:00:00Z")?.toString(); // "2025-01-06T14:30:00Z"
 * ```
 */
export function cron(expression: string, options?: CronOptions): Trigger {
  if (typeof expression !== "string") {
    throw new TypeError(`Invalid cron expression: got ${typeof expression} (expected a string)`);
  }
  const opts = checkOptions(options, KEYS, "cron()") as CronOptions;
  const timezone = opts.timezone === undefined ? undefined : validateTimeZone(opts.timezone);
  const { startMs, endMs } = readBounds(opts);
  return new CronTrigger(expression, timezone, startMs, endMs);
}
