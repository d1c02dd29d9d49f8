/**
 * The plain-data form of what admin operations return, shared by the CLI, the HTTP API and the
 * Durable Object RPC: instants as full ISO 8601 text with milliseconds (the form job ids use),
 * triggers as their JSON, everything else copied through.
 * @module
 */

import { Temporal } from "../temporal.ts";
import type { ScheduleInfo } from "../types.ts";

/** @returns The instant as ISO 8601 UTC text with milliseconds, e.g. `2030-01-01T09:00:00.000Z`. */
export function instantText(instant: Temporal.Instant): string {
  return instant.toString({ smallestUnit: "millisecond" });
}

/**
 * Turns a result into plain data: `Temporal.Instant`s become {@linkcode instantText}, other
 * values with a `toJSON()` (triggers, other Temporal values, `Date`) their JSON form; arrays and
 * plain objects are copied through.
 * @param value The value.
 * @returns Plain data.
 */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Temporal.Instant) return instantText(value);
  if (Array.isArray(value)) return value.map(plain);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    return typeof json === "function" ? json.call(value) : value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out;
}

/** Where a schedule is in its life: paused, active, or finished (its trigger is exhausted). */
export type ScheduleState = "active" | "paused" | "finished";

/** @returns The schedule's state: a paused one is `paused`, one without a next run `finished`. */
export function scheduleState(s: Pick<ScheduleInfo, "paused" | "nextRunAt">): ScheduleState {
  return s.paused ? "paused" : s.nextRunAt === null ? "finished" : "active";
}
