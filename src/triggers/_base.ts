/**
 * Shared machinery of the built-in triggers: `next`/`nextRuns` over `nextMs`, bounds, option
 * checks and the binding hook used by `bindTrigger`.
 * @module
 */

import { checkKeys } from "../_keys.ts";
import type { Temporal } from "../temporal.ts";
import { instantFromMs, type InstantInput, toEpochMs } from "../time.ts";
import { MAX_NEXT_RUNS } from "./limits.ts";
import type { BoundsOptions, Trigger, TriggerJSON, TriggerType } from "./types.ts";

/** Key of the method that makes a trigger concrete for a scheduler (see `bindTrigger`). */
export const BIND: unique symbol = Symbol("everywhen.bindTrigger");

/** What `bindTrigger` supplies. */
export interface BindContext {
  /** Zone for cron/calendar triggers created without one. */
  readonly timezone: string;
  /** The scheduler's clock at `schedule()` time, in epoch ms. */
  readonly nowMs: number;
}

/**
 * Base class of the built-in triggers: subclasses implement `nextMs` and `toJSON`, and a
 * `[BIND](context: BindContext): Trigger` method that `bindTrigger` calls.
 */
export abstract class BaseTrigger implements Trigger {
  /** The kind of trigger. */
  abstract get type(): TriggerType;
  /**
   * @param afterMs Epoch milliseconds.
   * @returns The first fire strictly after `afterMs`, or `null`.
   */
  abstract nextMs(afterMs: number): number | null;
  /** @returns The JSON shape. */
  abstract toJSON(): TriggerJSON;

  /**
   * @param after The reference instant (default: now).
   * @returns The first fire strictly after `after`, or `null`.
   */
  next(after?: InstantInput): Temporal.Instant | null {
    const ms = this.nextMs(after === undefined ? Date.now() : toEpochMs(after, "after"));
    return ms === null ? null : instantFromMs(ms);
  }

  /**
   * @param count How many fires, at most `MAX_NEXT_RUNS` (10,000).
   * @param after The reference instant (default: now).
   * @returns Up to `count` fires.
   */
  nextRuns(count: number, after?: InstantInput): Temporal.Instant[] {
    return nextRunsOf(this, count, after);
  }
}

/**
 * `nextRuns` for any trigger, by repeated `nextMs`.
 * @param trigger The trigger.
 * @param count How many fires.
 * @param after The reference instant (default: now).
 * @returns Up to `count` fires.
 */
export function nextRunsOf(
  trigger: Trigger,
  count: number,
  after?: InstantInput,
): Temporal.Instant[] {
  if (typeof count !== "number") {
    throw new TypeError(`Invalid count: got ${typeof count} (expected a number)`);
  }
  if (!Number.isInteger(count) || count < 0 || count > MAX_NEXT_RUNS) {
    throw new RangeError(
      `Invalid count: ${count} (expected an integer from 0 to ${MAX_NEXT_RUNS})`,
    );
  }
  let ms: number | null = after === undefined ? Date.now() : toEpochMs(after, "after");
  const out: Temporal.Instant[] = [];
  while (out.length < count) {
    ms = trigger.nextMs(ms);
    if (ms === null) break;
    out.push(instantFromMs(ms));
  }
  return out;
}

/**
 * Checks that `options` is an object with only the given keys (see `checkKeys`).
 * @param options The options value.
 * @param keys Allowed keys.
 * @param fn The function name for messages, e.g. `"cron()"`.
 * @returns The options as a record.
 */
export function checkOptions(
  options: unknown,
  keys: readonly string[],
  fn: string,
): Record<string, unknown> {
  return checkKeys(options as Record<string, unknown> | undefined, keys, `${fn} options`);
}

/** Parsed bounds; `undefined` means unbounded. */
export interface Bounds {
  /** Inclusive start, epoch ms. */
  startMs: number | undefined;
  /** Inclusive end, epoch ms. */
  endMs: number | undefined;
}

/**
 * Reads `startAt`/`endAt` and checks their order.
 * @param options The trigger options.
 * @returns The bounds in epoch ms.
 */
export function readBounds(options: BoundsOptions): Bounds {
  const startMs = options.startAt === undefined ? undefined : toEpochMs(options.startAt, "startAt");
  const endMs = options.endAt === undefined ? undefined : toEpochMs(options.endAt, "endAt");
  checkOrder(startMs, endMs);
  return { startMs, endMs };
}

/**
 * Throws when a start lies after an end.
 * @param startMs Start in epoch ms.
 * @param endMs End in epoch ms.
 */
export function checkOrder(startMs: number | undefined, endMs: number | undefined): void {
  if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
    throw new RangeError(
      `Invalid bounds: startAt ${instantFromMs(startMs)} is after endAt ${instantFromMs(endMs)}`,
    );
  }
}

/**
 * ISO text of an optional epoch ms value.
 * @param ms Epoch ms.
 * @returns `undefined` or the ISO 8601 instant.
 */
export function isoOf(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : instantFromMs(ms).toString();
}

/**
 * Adds the defined entries of `extra` to `json` (keeps optional JSON fields absent, not
 * `undefined`).
 * @param json The object to extend.
 * @param extra Candidate fields.
 * @returns `json`.
 */
export function withDefined<T extends object>(json: T, extra: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) (json as Record<string, unknown>)[key] = value;
  }
  return json;
}
