/**
 * The {@linkcode allOf} combinator.
 * @module
 */

import { checkKeys } from "../_keys.ts";
import { type DurationInput, toDurationMs } from "../time.ts";
import { BaseTrigger, BIND, type BindContext } from "./_base.ts";
import { readCombinatorArgs } from "./_combinator_args.ts";
import { TREE, treeOf, type TreeSize } from "./_tree.ts";
import { MAX_ALL_OF_ITERATIONS } from "./limits.ts";
import { bindTrigger } from "./bind.ts";
import type { AllOfTriggerJSON, Trigger } from "./types.ts";

/** Options for {@linkcode allOf}. */
export interface AllOfOptions {
  /**
   * How far apart the children's fires may be and still count as one fire.
   * @default {0}
   */
  tolerance?: DurationInput;
  /**
   * How many candidate instants one `next()` may examine before giving up with a `RangeError`;
   * at most `MAX_ALL_OF_ITERATIONS` (100,000). Each step asks the lagging children for
   * their next fire, so the worst case costs this many `next()` calls per child.
   * @default {10000}
   */
  maxIterations?: number;
}

const KEYS = ["tolerance", "maxIterations"] as const;

class AllOfTrigger extends BaseTrigger {
  readonly #triggers: readonly Trigger[];
  readonly #toleranceMs: number;
  readonly #maxIterations: number;
  readonly [TREE]: TreeSize;

  constructor(triggers: readonly Trigger[], toleranceMs: number, maxIterations: number) {
    super();
    this[TREE] = treeOf(triggers, "allOf()");
    this.#triggers = triggers;
    this.#toleranceMs = toleranceMs;
    this.#maxIterations = maxIterations;
  }

  get type(): "allOf" {
    return "allOf";
  }

  nextMs(afterMs: number): number | null {
    const triggers = this.#triggers;
    const fires: number[] = [];
    for (const trigger of triggers) {
      const ms = trigger.nextMs(afterMs);
      if (ms === null) return null;
      fires.push(ms);
    }
    for (let i = 0; i < this.#maxIterations; i++) {
      const latest = Math.max(...fires);
      const floor = latest - this.#toleranceMs;
      let matched = true;
      for (let j = 0; j < triggers.length; j++) {
        if ((fires[j] as number) >= floor) continue;
        // Too early to pair with `latest`: jump this child to its first fire >= floor.
        matched = false;
        const ms = (triggers[j] as Trigger).nextMs(floor - 1);
        if (ms === null) return null;
        fires[j] = ms;
      }
      if (matched) return latest;
    }
    throw new RangeError(
      `allOf() found no common fire within ${this.#maxIterations} iterations after ${
        new Date(afterMs).toISOString()
      } (raise maxIterations or tolerance, or check that the triggers can coincide)`,
    );
  }

  toJSON(): AllOfTriggerJSON {
    return {
      v: 1,
      type: "allOf",
      triggers: this.#triggers.map((t) => t.toJSON()),
      toleranceMs: this.#toleranceMs,
      maxIterations: this.#maxIterations,
    };
  }

  [BIND](context: BindContext): Trigger {
    const bound = this.#triggers.map((t) => bindTrigger(t, context));
    if (bound.every((t, i) => t === this.#triggers[i])) return this;
    return new AllOfTrigger(bound, this.#toleranceMs, this.#maxIterations);
  }
}

/**
 * A trigger that fires when all of its children fire within `tolerance` of each other. It
 * returns the latest of the matched fires (the instant by which every child has fired), so
 * a child's fire is never used for two results. With the default tolerance of 0 the children
 * must fire at the same instant. `null` when any child is exhausted. Takes its children like
 * {@linkcode anyOf}: as arguments, or as one array followed by the options.
 *
 * @returns The trigger.
 * @throws {TypeError} When no trigger or a non-trigger is given, or an option is unknown.
 * @throws {RangeError} For a negative tolerance, a `maxIterations` outside 1 to
 * `MAX_ALL_OF_ITERATIONS`, or a tree past the nesting and size limits; `next()` throws
 * it when no common fire is found within `maxIterations` steps.
 * @example
 * ```ts
 * // 09:00 on days that are both a Friday and the 13th.
 * const t = allOf([cron("0 9 13 * *"), cron("0 9 * * FRI")]);
 * t.next("2025-01-01T00:00:00Z")?.toString(); // "2025-06-13T09:00:00Z"
 * allOf(cron("0 9 13 * *"), cron("0 9 * * FRI")); // the same trigger
 * ```
 */
export function allOf(...triggers: Trigger[]): Trigger;
/**
 * @param triggers One or more triggers.
 * @param options Tolerance and iteration cap.
 * @returns The trigger.
 */
export function allOf(triggers: readonly Trigger[], options?: AllOfOptions): Trigger;
export function allOf(...args: unknown[]): Trigger {
  const { children, options } = readCombinatorArgs(args, "allOf()");
  const opts = checkKeys(options as AllOfOptions | undefined, KEYS, "allOf() options");
  const toleranceMs = toDurationMs(opts.tolerance ?? 0, "tolerance", { allowZero: true });
  const maxIterations = opts.maxIterations ?? 10_000;
  if (typeof maxIterations !== "number") {
    throw new TypeError(`Invalid maxIterations: expected a number`);
  }
  if (
    !Number.isSafeInteger(maxIterations) || maxIterations < 1 ||
    maxIterations > MAX_ALL_OF_ITERATIONS
  ) {
    throw new RangeError(
      `Invalid maxIterations: ${maxIterations} (expected an integer from 1 to ${MAX_ALL_OF_ITERATIONS})`,
    );
  }
  return new AllOfTrigger(children, toleranceMs, maxIterations);
}
