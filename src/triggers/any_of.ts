/**
 * The {@linkcode anyOf} combinator.
 * @module
 */

import { BaseTrigger, BIND, type BindContext } from "./_base.ts";
import { bindTrigger } from "./bind.ts";
import { isTrigger } from "./is_trigger.ts";
import type { AnyOfTriggerJSON, Trigger } from "./types.ts";

class AnyOfTrigger extends BaseTrigger {
  readonly #triggers: readonly Trigger[];

  constructor(triggers: readonly Trigger[]) {
    super();
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
 * Checks a list of child triggers.
 * @param triggers The candidate list.
 * @param fn Function name for messages.
 * @returns A frozen copy.
 */
export function checkChildren(triggers: readonly unknown[], fn: string): readonly Trigger[] {
  if (triggers.length === 0) throw new TypeError(`${fn} needs at least one trigger`);
  triggers.forEach((t, i) => {
    if (!isTrigger(t)) {
      const hint = Array.isArray(t) && fn === "anyOf()" ? " (spread an array: anyOf(...list))" : "";
      throw new TypeError(`Invalid ${fn} argument ${i}: not a trigger${hint}`);
    }
  });
  return Object.freeze([...triggers]) as readonly Trigger[];
}

/**
 * A trigger that fires whenever any of its children fires: the earliest of their next fires,
 * once per instant even when several coincide; `null` when all are exhausted.
 *
 * @param triggers One or more triggers.
 * @returns The trigger.
 * @throws {TypeError} When no trigger or a non-trigger is given.
 * @example
 * ```ts
 * const t = anyOf(cron("0 9 * * MON"), cron("0 17 * * FRI"));
 * t.next("2025-01-06T10:00:00Z")?.toString(); // "2025-01-10T17:00:00Z"
 * ```
 */
export function anyOf(...triggers: Trigger[]): Trigger {
  return new AnyOfTrigger(checkChildren(triggers, "anyOf()"));
}
