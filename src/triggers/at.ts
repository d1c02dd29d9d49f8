/**
 * One-shot triggers.
 * @module
 */

import { type InstantInput, toEpochMs } from "../time.ts";
import { BaseTrigger, BIND, isoOf } from "./_base.ts";
import type { AtTriggerJSON, Trigger } from "./types.ts";

class AtTrigger extends BaseTrigger {
  readonly #ms: number;

  constructor(ms: number) {
    super();
    this.#ms = ms;
  }

  get type(): "at" {
    return "at";
  }

  nextMs(afterMs: number): number | null {
    return this.#ms > afterMs ? this.#ms : null;
  }

  toJSON(): AtTriggerJSON {
    return { v: 1, type: "at", at: isoOf(this.#ms) as string };
  }

  [BIND](): Trigger {
    return this;
  }
}

/**
 * A trigger that fires once, at `instant`.
 *
 * @param instant The instant (a `Date`, `Temporal` value, ISO string with offset, or epoch ms).
 * @param extra Nothing: `at` has no options (the instant carries its own offset or zone).
 * @returns The trigger; `next(after)` is the instant when it is strictly after `after`, else
 * `null`.
 * @throws {TypeError | RangeError | SyntaxError} For an invalid instant.
 * @throws {TypeError} For a second argument, such as `{ timezone }`.
 * @example
 * ```ts
 * const once = at("2025-06-01T12:00:00Z");
 * once.next("2025-01-01T00:00:00Z")?.toString(); // "2025-06-01T12:00:00Z"
 * once.next("2025-06-01T12:00:00Z"); // null
 * ```
 */
export function at(instant: InstantInput, ...extra: never[]): Trigger {
  if (extra.length > 0) {
    throw new TypeError(
      `Invalid at() arguments: at() takes only the instant (give it an offset or a zone, ` +
        `e.g. "2025-06-01T09:00:00+02:00" or a Temporal.ZonedDateTime)`,
    );
  }
  return new AtTrigger(toEpochMs(instant, "instant"));
}
