/**
 * How `anyOf` and `allOf` take their triggers: the same two forms for both, `f(a, b, …)` and
 * `f([a, b], options)`.
 * @module
 */

import { isTrigger } from "./is_trigger.ts";
import type { Trigger } from "./types.ts";

/** The children and the options object of a combinator call. */
export interface CombinatorArgs {
  /** The child triggers, frozen. */
  readonly children: readonly Trigger[];
  /** The options argument (only in the array form). */
  readonly options: unknown;
}

/**
 * Reads a combinator's arguments in either form.
 * @param args The call's arguments.
 * @param fn The function name for messages, e.g. `"allOf()"`.
 * @returns The children and options.
 * @throws {TypeError} For no trigger, a non-trigger, or a mix of the two forms.
 */
export function readCombinatorArgs(args: readonly unknown[], fn: string): CombinatorArgs {
  if (Array.isArray(args[0])) {
    if (args.length > 2 || isTrigger(args[1]) || Array.isArray(args[1])) {
      throw new TypeError(
        `Invalid ${fn} arguments: after an array of triggers only an options object may follow`,
      );
    }
    return { children: checkChildren(args[0], fn), options: args[1] };
  }
  return { children: checkChildren(args, fn), options: undefined };
}

function checkChildren(triggers: readonly unknown[], fn: string): readonly Trigger[] {
  if (triggers.length === 0) throw new TypeError(`${fn} needs at least one trigger`);
  triggers.forEach((t, i) => {
    if (isTrigger(t)) return;
    const hint = Array.isArray(t)
      ? ` (pass one array, ${fn.slice(0, -2)}([a, b]), or spread it)`
      : i > 0 && typeof t === "object" && t !== null
      ? ` (options go after an array: ${fn.slice(0, -2)}([a, b], options))`
      : "";
    throw new TypeError(`Invalid ${fn} argument ${i}: not a trigger${hint}`);
  });
  return Object.freeze([...triggers]) as readonly Trigger[];
}
