/**
 * Fixed elapsed-interval triggers.
 * @module
 */

import { type DurationInput, toDurationMs } from "../time.ts";
import { BaseTrigger, BIND, type BindContext, checkOptions, isoOf, readBounds } from "./_base.ts";
import { checkOrder, withDefined } from "./_base.ts";
import type { BoundsOptions, EveryTriggerJSON, Trigger } from "./types.ts";

/** Options for {@linkcode every}. */
export type EveryOptions = BoundsOptions;

const KEYS = ["startAt", "endAt"] as const;

class EveryTrigger extends BaseTrigger {
  readonly #intervalMs: number;
  readonly #startMs: number;
  readonly #endMs: number | undefined;
  /** Whether `startAt` was given (else the anchor is implicit and `bindTrigger` replaces it). */
  readonly #explicit: boolean;

  constructor(intervalMs: number, startMs: number, endMs: number | undefined, explicit: boolean) {
    super();
    this.#intervalMs = intervalMs;
    this.#startMs = startMs;
    this.#endMs = endMs;
    this.#explicit = explicit;
  }

  get type(): "every" {
    return "every";
  }

  nextMs(afterMs: number): number | null {
    const start = this.#startMs;
    let ms = start;
    if (afterMs >= start) {
      const interval = this.#intervalMs;
      ms = start + (Math.floor((afterMs - start) / interval) + 1) * interval;
    }
    return this.#endMs !== undefined && ms > this.#endMs ? null : ms;
  }

  toJSON(): EveryTriggerJSON {
    return withDefined({ v: 1, type: "every", intervalMs: this.#intervalMs } as EveryTriggerJSON, {
      startAt: this.#explicit ? isoOf(this.#startMs) : undefined,
      endAt: isoOf(this.#endMs),
    });
  }

  [BIND](context: BindContext): Trigger {
    if (this.#explicit) return this;
    const startMs = context.nowMs + this.#intervalMs;
    checkOrder(startMs, this.#endMs);
    return new EveryTrigger(this.#intervalMs, startMs, this.#endMs, true);
  }
}

/**
 * A trigger that fires every fixed elapsed interval (millisecond precision; days are 24 hours),
 * first at `startAt`, else one interval after creation (after `schedule()` once scheduled).
 *
 * @param interval The interval: ms, `"PT5M"`, a `Temporal.Duration` or `{ minutes: 5 }`.
 * @param options Bounds: `startAt` is the first fire, `endAt` the last instant allowed.
 * @returns The trigger.
 * @throws {TypeError} For a wrong type or unknown option.
 * @throws {RangeError} For a zero, negative or calendar interval, or `startAt` after `endAt`.
 * @throws {SyntaxError} For an unparsable ISO duration or instant.
 * @example
 * ```ts
 * const t = every({ minutes: 15 }, { startAt: "2025-01-01T00:00:00Z" });
 * t.next("2025-01-01T00:20:00Z")?.toString(); // "2025-01-01T00:30:00Z"
 * ```
 */
export function every(interval: DurationInput, options?: EveryOptions): Trigger {
  const intervalMs = toDurationMs(interval, "interval");
  const opts = checkOptions(options, KEYS, "every()") as EveryOptions;
  const { startMs, endMs } = readBounds(opts);
  if (startMs !== undefined) return new EveryTrigger(intervalMs, startMs, endMs, true);
  return new EveryTrigger(intervalMs, Date.now() + intervalMs, endMs, false);
}
