/**
 * The one input validation of the admin operations. Every surface builds an operation's input
 * as one flat object — from JavaScript arguments (the Workers client), from an RPC request (the
 * Durable Object), from a URL and a JSON body (HTTP), or from command-line words (CLI) — and
 * checks it here: unknown fields are refused with the closest known one suggested, ids, counts,
 * flags, statuses and durations are checked, triggers arrive as `Trigger`s. What only the
 * scheduler can judge (a duration's range, a task's registration) the scheduler checks.
 * @module
 */

import { checkKeys } from "../_keys.ts";
import { checkBoolean, checkId, checkInt, describe } from "../_options.ts";
import { assertJson } from "../json.ts";
import type { JobStatus } from "../store/store.ts";
import { toDurationMs } from "../time.ts";
import { isTrigger } from "../triggers/is_trigger.ts";
import { triggerFromJSON } from "../triggers/mod.ts";
import { JOB_STATUSES } from "./api.ts";

/** How a field is checked. */
export type FieldType =
  /** An id (well-formed Unicode, no NUL, 1 to 256 characters). */
  | "id"
  /** Any string; the scheduler judges it (reasons, filters). */
  | "text"
  /** A task name, or a task handle (its name is taken). */
  | "task"
  /** An integer in `[min, max]`. */
  | "integer"
  /** `true` or `false` (`on`/`off` too, from text). */
  | "boolean"
  /** One job status or several (`a,b` from text), of those the field allows. */
  | "statuses"
  /** A list of ids (`a,b` from text). */
  | "ids"
  /** A duration (ms, ISO 8601 text, a `Temporal.Duration` or `{ minutes: 5 }`). */
  | "duration"
  /** A `Trigger`, or its JSON. */
  | "trigger"
  /** A JSON value (payloads). */
  | "json"
  /** Passed to the scheduler as is: durations, instants, policies it validates itself. */
  | "value";

/** One field of an operation's input. */
export interface Field {
  /** How it is checked. */
  type: FieldType;
  /** Whether the operation needs it. @default false */
  required?: boolean;
  /** Least integer allowed. @default 0 */
  min?: number;
  /** Greatest integer allowed; most ids in a list. @default Number.MAX_SAFE_INTEGER */
  max?: number;
  /** The statuses a `statuses` field allows. @default JOB_STATUSES */
  statuses?: readonly JobStatus[];
}

/** An operation's input fields, by name. */
export type Fields = Readonly<Record<string, Field>>;

/**
 * Checks an input object against its fields and returns it checked: triggers as `Trigger`s,
 * absent optional fields left out.
 * @param fields The operation's fields.
 * @param raw The input as the surface built it.
 * @param what What the input is, for messages, e.g. `"enqueue options"`.
 * @returns The checked input.
 */
export function checkInput(fields: Fields, raw: unknown, what: string): Record<string, unknown> {
  const input = checkKeys(
    (raw ?? undefined) as Record<string, unknown> | undefined,
    Object.keys(fields),
    what,
  );
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = input[name];
    if (value === undefined) {
      if (field.required) throw new TypeError(`Invalid ${name}: required in ${what}`);
      continue;
    }
    out[name] = checkField(name, field, value);
  }
  return out;
}

function checkField(name: string, field: Field, value: unknown): unknown {
  switch (field.type) {
    case "id":
      return checkId(value, name);
    case "text":
      if (typeof value !== "string") {
        throw new TypeError(`Invalid ${name}: expected a string, got ${describe(value)}`);
      }
      return value;
    case "task": {
      const name = typeof value === "object" && value !== null
        ? (value as { name?: unknown }).name
        : value;
      if (typeof name !== "string") {
        throw new TypeError("Invalid task: expected a task name or a task handle");
      }
      return name;
    }
    case "integer": {
      const n = checkInt(value, name, field.min ?? 0);
      const max = field.max ?? Number.MAX_SAFE_INTEGER;
      if (n > max) throw new RangeError(`Invalid ${name}: expected at most ${max}, got ${n}`);
      return n;
    }
    case "boolean":
      return checkBoolean(value, name);
    case "statuses": {
      const allowed = field.statuses ?? JOB_STATUSES;
      for (const s of Array.isArray(value) ? value : [value]) {
        if (!allowed.includes(s as JobStatus)) {
          throw new RangeError(
            `Invalid ${name}: ${describe(s)} (expected one or more of ${allowed.join(", ")})`,
          );
        }
      }
      return value;
    }
    case "ids": {
      if (!Array.isArray(value)) {
        throw new TypeError(`Invalid ${name}: expected an array of ids, got ${describe(value)}`);
      }
      const max = field.max ?? Number.MAX_SAFE_INTEGER;
      if (value.length > max) {
        throw new RangeError(`Invalid ${name}: expected at most ${max} ids, got ${value.length}`);
      }
      return value.map((v, i) => checkId(v, `${name}[${i}]`));
    }
    case "duration":
      // Checked here so that a bad duration never travels; passed on as given (the scheduler
      // reads it the same way and judges its range).
      toDurationMs(value as never, name, { allowZero: true });
      return value;
    case "trigger":
      return isTrigger(value) ? value : triggerFromJSON(value);
    case "json":
      return assertJson(value, name);
    case "value":
      return value;
  }
}

/**
 * Reads a field from text (a URL query parameter, a command-line word): integers, booleans,
 * status and id lists and durations in ms are parsed; a JSON value is parsed when it is JSON and is the text otherwise.
 * The result is then checked like any other input.
 * @param name The field's name, for messages.
 * @param field The field.
 * @param text The text.
 * @returns The value.
 */
export function fromText(name: string, field: Field, text: string): unknown {
  switch (field.type) {
    case "integer":
      if (!/^-?\d+$/.test(text)) {
        throw new TypeError(`Invalid ${name}: expected an integer, got ${JSON.stringify(text)}`);
      }
      return Number(text);
    case "boolean":
      if (text === "true" || text === "on") return true;
      if (text === "false" || text === "off") return false;
      throw new TypeError(
        `Invalid ${name}: expected true or false (on or off), got ${JSON.stringify(text)}`,
      );
    case "statuses": {
      const list = text.split(",").map((s) => s.trim());
      return list.length === 1 ? list[0] : list;
    }
    case "ids":
      return text.split(",").map((s) => s.trim());
    case "duration":
      return /^\d+$/.test(text) ? Number(text) : text;
    case "trigger":
    case "json":
    case "value":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}
