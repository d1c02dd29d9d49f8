/**
 * Triggers as schedule records hold them: JSON written once per revision of a schedule and read
 * back on every fire. Decoding that JSON (shape checks, zone lookup, pattern cache) costs 1–3 µs
 * for `every()` and a UTC cron and about 15 µs for a zoned cron, against about 10 µs for a whole
 * warm in-memory fire, so each JSON object is decoded at most once.
 *
 * The cache is keyed by the JSON object itself, never by the schedule id: stores that keep records
 * in memory hand back the very object they were given on every claim, so every fire after a
 * schedule's first reuses the trigger decoded then; the SQL store reads rows through
 * {@linkcode triggerJSONOf}, which hands back one object per stored text (Deno KV hands back a new
 * object, decoded anew). The trigger is decoded at its first fire, not kept from creation: a
 * schedule that has not fired yet holds only its JSON (heap per schedule is the figure users
 * compare), and a first fire pays one decode. A schedule changed in any way that touches its
 * trigger (an update, a new trigger on re-declaration) is written with a new object, so a cached
 * trigger cannot outlive the JSON it was made from. The JSON written here is frozen, so nothing
 * can change it in place under the cache either.
 * @module
 */

import { triggerFromJSON } from "./json.ts";
import type { Trigger, TriggerJSON } from "./types.ts";

const decoded = new WeakMap<object, Trigger>();

/**
 * The JSON to store for a (bound) trigger. The JSON round trip is exact, so the trigger
 * {@linkcode storedTrigger} decodes from it fires as `trigger` does.
 * @param trigger A built-in trigger, bound to its zone and anchor.
 * @returns Its JSON, deeply frozen.
 */
export function storedJSON(trigger: Trigger): TriggerJSON {
  return deepFreeze(trigger.toJSON());
}

/**
 * The live trigger of a schedule record's JSON, decoded once per JSON object.
 * @param json The record's `trigger`.
 * @returns The trigger (shared: triggers are immutable).
 * @throws What {@linkcode triggerFromJSON} throws for JSON this version cannot read.
 */
export function storedTrigger(json: TriggerJSON): Trigger {
  let trigger = decoded.get(json);
  if (trigger === undefined) {
    trigger = triggerFromJSON(json);
    decoded.set(json, trigger);
  }
  return trigger;
}

/** Most trigger texts {@linkcode triggerJSONOf} keeps; past it, it starts afresh. */
const TEXTS_KEPT = 4096;
const parsed = new Map<string, TriggerJSON>();

/**
 * A schedule row's trigger text as the JSON object to hand out: one shared, frozen object per
 * text, so that {@linkcode storedTrigger} decodes a schedule read from a row once, not on every
 * fire (schedules due together often share one text, too: `at()` the same instant, the same
 * pattern). Bounded: a store with more distinct triggers than this parses some again.
 * @param text The stored text.
 * @returns Its JSON, deeply frozen; throws `SyntaxError` for text that is not JSON.
 */
export function triggerJSONOf(text: string): TriggerJSON {
  let json = parsed.get(text);
  if (json === undefined) {
    json = deepFreeze(JSON.parse(text) as TriggerJSON);
    if (parsed.size >= TEXTS_KEPT) parsed.clear();
    parsed.set(text, json);
  }
  return json;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
