/**
 * The {@linkcode triggerFromJSON} decoder.
 * @module
 */

import { allOf } from "./all_of.ts";
import { anyOf } from "./any_of.ts";
import { at } from "./at.ts";
import { calendar } from "./calendar.ts";
import { cron } from "./cron.ts";
import { every } from "./every.ts";
import { checkTree } from "./_tree.ts";
import type { Trigger } from "./types.ts";

type Fields = Record<string, unknown>;

interface Shape {
  required: readonly string[];
  /** Every field this type may have, `v` and `type` included. */
  known: ReadonlySet<string>;
}

function shape(required: string[], optional: string[]): Shape {
  return { required, known: new Set(["v", "type", ...required, ...optional]) };
}

// Decoding runs on every fire of a store that parses rows, so the shapes are built once.
const SHAPES: Record<string, Shape> = {
  cron: shape(["expression"], ["timezone", "startAt", "endAt"]),
  every: shape(["intervalMs"], ["startAt", "endAt"]),
  at: shape(["at"], []),
  calendar: shape(["interval", "at"], ["timezone", "startAt", "endAt"]),
  anyOf: shape(["triggers"], []),
  allOf: shape(["triggers"], ["toleranceMs", "maxIterations"]),
};

const STRING_FIELDS = ["expression", "timezone", "startAt", "endAt", "at"] as const;

function fail(path: string, problem: string): TypeError {
  return new TypeError(`Invalid trigger JSON at ${path}: ${problem}`);
}

function checkFields(json: Fields, path: string): void {
  const type = json.type;
  const shape = typeof type === "string" && Object.hasOwn(SHAPES, type) ? SHAPES[type] : undefined;
  if (shape === undefined) {
    throw fail(
      `${path}.type`,
      `unknown type ${JSON.stringify(type)} (expected one of ${Object.keys(SHAPES).join(", ")})`,
    );
  }
  for (const key of shape.required) {
    if (json[key] === undefined) throw fail(path, `missing field ${JSON.stringify(key)}`);
  }
  for (const key of Object.keys(json)) {
    if (!shape.known.has(key)) throw fail(path, `unknown field ${JSON.stringify(key)}`);
  }
  for (const key of STRING_FIELDS) {
    const value = json[key];
    if (key === "at" && type === "at" && typeof value === "number") continue;
    if (value !== undefined && typeof value !== "string") {
      throw fail(`${path}.${key}`, `expected a string, got ${typeof value}`);
    }
  }
}

/** The bounds options of a decoded trigger, holding only the fields the JSON has. */
function boundsOf(json: Fields): Fields {
  const bounds: Fields = {};
  if (json.timezone !== undefined) bounds.timezone = json.timezone;
  if (json.startAt !== undefined) bounds.startAt = json.startAt;
  if (json.endAt !== undefined) bounds.endAt = json.endAt;
  return bounds;
}

// `count` is the number of triggers decoded so far in the whole tree (a JS value may share one
// object many times, so widths alone do not bound the work).
function decode(value: unknown, path: string, depth: number, count: { nodes: number }): Trigger {
  count.nodes++;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fail(path, "expected an object");
  }
  const json = value as Fields;
  if (json.v !== 1) {
    throw new RangeError(
      `Invalid trigger JSON at ${path}.v: unsupported version ${
        JSON.stringify(json.v)
      } (expected 1)`,
    );
  }
  checkFields(json, path);
  const children = (): Trigger[] => {
    if (!Array.isArray(json.triggers)) throw fail(`${path}.triggers`, "expected an array");
    // Checked before descending, so that hostile nesting fails here and not as a stack overflow.
    checkTree(depth + 1, count.nodes + json.triggers.length, path);
    return json.triggers.map((child, i) =>
      decode(child, `${path}.triggers[${i}]`, depth + 1, count)
    );
  };
  switch (json.type) {
    case "cron":
      return cron(json.expression as string, boundsOf(json));
    case "every":
      return every(json.intervalMs as number, boundsOf(json));
    case "at":
      return at(json.at as string);
    case "calendar":
      return calendar(json.interval as Fields, { ...boundsOf(json), at: json.at as string });
    case "anyOf":
      return anyOf(children());
    default: {
      const options = { tolerance: json.toleranceMs, maxIterations: json.maxIterations } as Fields;
      for (const key of ["tolerance", "maxIterations"]) {
        if (options[key] === undefined) delete options[key];
      }
      if (options.tolerance !== undefined && typeof options.tolerance !== "number") {
        throw fail(`${path}.toleranceMs`, "expected a number");
      }
      return allOf(children(), options);
    }
  }
}

/**
 * Rebuilds a trigger from its {@linkcode Trigger.toJSON} data (or that data as a JSON string).
 * The round trip is exact: the result has the same JSON and the same fires. Unknown fields are
 * rejected, so a misspelt `timeZone` cannot silently become UTC.
 *
 * @param json The JSON value or text.
 * @returns The trigger.
 * @throws {TypeError} For a wrong shape, type or unknown field.
 * @throws {RangeError} For an unsupported version, out-of-range values (e.g. unknown zone), or
 * `anyOf`/`allOf` nested deeper than `MAX_TRIGGER_DEPTH` or holding more than `MAX_TRIGGER_NODES`
 * triggers.
 * @throws {SyntaxError} For unparsable JSON text, cron expressions, instants or times.
 * @example
 * ```ts
 * const t = triggerFromJSON({ v: 1, type: "every", intervalMs: 60000, startAt: "2025-01-01T00:00:00Z" });
 * t.next("2025-01-01T00:00:30Z")?.toString(); // "2025-01-01T00:01:00Z"
 * ```
 */
export function triggerFromJSON(json: unknown): Trigger {
  if (typeof json === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new SyntaxError(`Invalid trigger JSON: not parsable JSON text`, { cause: error });
    }
    return decode(parsed, "$", 0, { nodes: 0 });
  }
  return decode(json, "$", 0, { nodes: 0 });
}
