/**
 * The {@linkcode anyOf} combinator.
 * @module
 */

import { checkKeys } from "../_keys.ts";
import { BaseTrigger, BIND, type BindContext } from "./_base.ts";
import { readCombinatorArgs } from "./_combinator_args.ts";
import { TREE, treeOf, type TreeSize } from "./_tree.ts";
import { bindTrigger } from "./bind.ts";
import type { AnyOfTriggerJSON, Trigger } from "./types.ts";

/** Options for {@linkcode anyOf}: none yet; the object is accepted for symmetry with `allOf`. */
export type AnyOfOptions = Record<string, never>;

class AnyOfTrigger extends BaseTrigger {
  readonly #triggers: readonly Trigger[];
  readonly [TREE]: TreeSize;

  constructor(triggers: readonly Trigger[]) {
    super();
    this[TREE] = treeOf(triggers, "anyOf()");
    this.#triggers = triggers;
  }

  get type(): "anyOf" {
    return "anyOf";
  }

  nextMs(afterMs: number): number | null {
    let best: number | null = null;
    for (const trigger of this.#triggers) {
      const ms = trigger.nextMs(afterMs);
      if (ms !== null && (best === null || ms < best)) best = ms;
    }
    return best;
  }

  toJSON(): AnyOfTriggerJSON {
    return { v: 1, type: "anyOf", triggers: this.#triggers.map((t) => t.toJSON()) };
  }

  [BIND](context: BindContext): Trigger {
    const bound = this.#triggers.map((t) => bindTrigger(t, context));
    return bound.every((t, i) => t === this.#triggers[i]) ? this : new AnyOfTrigger(bound);
  }
}

/**
 * A trigger that fires whenever any of its children fires: the earliest of their next fires,
 * once per instant even when several coincide; `null` when all are exhausted. Takes its children
 * like {@linkcode allOf}: as arguments, or as one array (optionally followed by an options
 * object, which has no options yet).
 *
 * @returns The trigger.
 * @throws {TypeError} When no trigger or a non-trigger is given, or an option is unknown.
 * @throws {RangeError} Past `MAX_TRIGGER_DEPTH` (16) levels of nesting or
 * `MAX_TRIGGER_NODES` (256) triggers in one tree.
 * @example
 * ```ts
 * const t = anyOf(cron("0 9 * * MON"), cron("0 17 * * FRI"));
 * t.next("2025-01-06T10:00:00Z")?.toString(); // "2025-01-10T17:00:00Z"
 * anyOf([cron("0 9 * * MON"), cron("0 17 * * FRI")]); // the same trigger
 * ```
 */
export function anyOf(...triggers: Trigger[]): Trigger;
/**
 * @param triggers One or more triggers.
 * @param options Reserved (no options yet); unknown keys are refused.
 * @returns The trigger.
 */
export function anyOf(triggers: readonly Trigger[], options?: AnyOfOptions): Trigger;
export function anyOf(...args: unknown[]): Trigger {
  const { children, options } = readCombinatorArgs(args, "anyOf()");
  checkKeys(options as AnyOfOptions | undefined, [], "anyOf() options");
  return new AnyOfTrigger(children);
}
