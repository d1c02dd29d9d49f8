/**
 * JSON value checks. Payloads and results are stored as JSON text, so anything that would not
 * survive `JSON.stringify` → `JSON.parse` unchanged is refused up front with a message naming
 * where in the value the problem is.
 * @module
 */

/** A value that survives a JSON round trip unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * Throws a `TypeError` naming the offending path unless `value` is plain JSON data.
 * `undefined` at the top level is accepted and means "no payload" (stored as `null`).
 *
 * @param value The value to check.
 * @param name How the value is called in error messages, e.g. `"payload"`.
 * @returns The value as `JsonValue` (`null` for a top-level `undefined`).
 * @example
 * ```ts
 * import { assertJson } from "./json.ts";
 * assertJson({ to: "a@b.c" }, "payload");
 * ```
 */
export function assertJson(value: unknown, name: string): JsonValue {
  if (value === undefined) return null;
  check(value, name, new Set());
  return value as JsonValue;
}

function check(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`Value is not JSON: ${path} is ${value} (only finite numbers)`);
      }
      return;
    case "object":
      if (value === null) return;
      break;
    case "bigint":
      throw new TypeError(`Value is not JSON: ${path} is a BigInt (convert it to a string)`);
    default:
      throw new TypeError(`Value is not JSON: ${path} is a ${typeof value}`);
  }
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError(`Value is not JSON: ${path} is a circular reference`);
  if (Array.isArray(obj)) {
    seen.add(obj);
    for (let i = 0; i < obj.length; i++) check(obj[i], `${path}[${i}]`, seen);
    seen.delete(obj);
    return;
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    const kind = (obj.constructor as { name?: string } | undefined)?.name ?? "object";
    const hint = kind === "Date" ? " (convert it to an ISO string)" : "";
    throw new TypeError(`Value is not JSON: ${path} is a ${kind}${hint}`);
  }
  seen.add(obj);
  for (const [key, item] of Object.entries(obj)) {
    if (item === undefined) {
      throw new TypeError(`Value is not JSON: ${path}.${key} is undefined (omit the key)`);
    }
    check(item, `${path}.${key}`, seen);
  }
  seen.delete(obj);
}
