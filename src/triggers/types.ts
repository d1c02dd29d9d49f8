/**
 * The {@linkcode Trigger} interface and the JSON shapes triggers serialise to.
 * @module
 */

import type { Temporal } from "../temporal.ts";
import type { InstantInput } from "../time.ts";

/** The kinds of trigger. */
export type TriggerType = "cron" | "every" | "at" | "calendar" | "anyOf" | "allOf";

/**
 * A pure rule that answers "when is the next fire strictly after this instant?".
 *
 * @example
 * ```ts
 * import { cron } from "./mod.ts";
 * const trigger = cron("0 9 * * MON-FRI", { timezone: "Europe/Berlin" });
 * trigger.next("2025-01-01T00:00:00Z")?.toString(); // "2025-01-01T08:00:00Z"
 * ```
 */
export interface Trigger {
  /** The kind of trigger. */
  readonly type: TriggerType;
  /**
   * The first fire strictly after `afterMs`, in epoch milliseconds; the scheduler's hot path.
   * @param afterMs Epoch milliseconds.
   * @returns Epoch milliseconds, or `null` when the trigger is exhausted.
   */
  nextMs(afterMs: number): number | null;
  /**
   * The first fire strictly after `after`.
   * @param after The reference instant (default: now).
   * @returns The instant, or `null` when the trigger is exhausted.
   */
  next(after?: InstantInput): Temporal.Instant | null;
  /**
   * The next `count` fires after `after`; the same as calling `next` repeatedly.
   * @param count How many fires: an integer from 0 to 10,000 (`MAX_NEXT_RUNS`), else a
   * `RangeError`.
   * @param after The reference instant (default: now).
   * @returns Up to `count` instants, fewer when the trigger is exhausted.
   */
  nextRuns(count: number, after?: InstantInput): Temporal.Instant[];
  /**
   * Plain JSON data that {@linkcode triggerFromJSON} turns back into an equal trigger.
   * @returns The JSON shape, with a version field `v`.
   */
  toJSON(): TriggerJSON;
}

/** JSON of a {@linkcode cron} trigger. Instants are ISO 8601 strings in UTC. */
export interface CronTriggerJSON {
  /** Format version. */
  v: 1;
  /** Kind. */
  type: "cron";
  /** The cron expression. */
  expression: string;
  /** IANA zone; absent when the trigger takes the scheduler's zone. */
  timezone?: string;
  /** First instant allowed (inclusive). */
  startAt?: string;
  /** Last instant allowed (inclusive). */
  endAt?: string;
}

/** JSON of an {@linkcode every} trigger. */
export interface EveryTriggerJSON {
  /** Format version. */
  v: 1;
  /** Kind. */
  type: "every";
  /** The interval in milliseconds. */
  intervalMs: number;
  /** The first fire; absent when the trigger anchors at schedule time. */
  startAt?: string;
  /** Last instant allowed (inclusive). */
  endAt?: string;
}

/** JSON of an {@linkcode at} trigger. */
export interface AtTriggerJSON {
  /** Format version. */
  v: 1;
  /** Kind. */
  type: "at";
  /** The single fire instant. */
  at: string;
}

/** Calendar units of a {@linkcode calendar} trigger; zero units are omitted. */
export interface CalendarInterval {
  /** Years. */
  years?: number;
  /** Months. */
  months?: number;
  /** Weeks. */
  weeks?: number;
  /** Days. */
  days?: number;
}

/** JSON of a {@linkcode calendar} trigger. */
export interface CalendarTriggerJSON {
  /** Format version. */
  v: 1;
  /** Kind. */
  type: "calendar";
  /** The calendar units between fires. */
  interval: CalendarInterval;
  /** Wall-clock time, `"HH:MM"` or `"HH:MM:SS"`. */
  at: string;
  /** IANA zone; absent when the trigger takes the scheduler's zone. */
  timezone?: string;
  /** The anchor; absent when the trigger anchors at schedule time. */
  startAt?: string;
  /** Last instant allowed (inclusive). */
  endAt?: string;
}

/** JSON of an {@linkcode anyOf} trigger. */
export interface AnyOfTriggerJSON {
  /** Format version. */
  v: 1;
  /** Kind. */
  type: "anyOf";
  /** The child triggers. */
  triggers: TriggerJSON[];
}

/** JSON of an {@linkcode allOf} trigger. */
export interface AllOfTriggerJSON {
  /** Format version. */
  v: 1;
  /** Kind. */
  type: "allOf";
  /** The child triggers. */
  triggers: TriggerJSON[];
  /** How far apart the children's fires may be, in milliseconds. */
  toleranceMs: number;
  /** The search cap. */
  maxIterations: number;
}

/** The JSON of any trigger. */
export type TriggerJSON =
  | CronTriggerJSON
  | EveryTriggerJSON
  | AtTriggerJSON
  | CalendarTriggerJSON
  | AnyOfTriggerJSON
  | AllOfTriggerJSON;

/** Start and end bounds shared by the recurring triggers. */
export interface BoundsOptions {
  /**
   * No fire before this instant (inclusive).
   * @default {undefined} (unbounded; `every` and `calendar` anchor at creation or schedule time)
   */
  startAt?: InstantInput;
  /**
   * No fire after this instant (inclusive).
   * @default {undefined} (unbounded)
   */
  endAt?: InstantInput;
}
