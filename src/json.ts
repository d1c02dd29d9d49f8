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
 * The deepest nesting accepted in a payload, result or progress value: 100 levels of arrays
 * and objects. Deeper values are refused with a `RangeError` instead of overflowing the stack
 * in `JSON.stringify` or in a handler that walks them.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * The longest JSON text accepted for one payload, result or progress value: 1 MiB (1,048,576
 * UTF-16 code units of `JSON.stringify` output, before any encryption). Keep large data
 * elsewhere and pass a reference to it.
 */
export const MAX_JSON_LENGTH = 1_048_576;

/**
 * Throws unless `value` is plain JSON data within {@linkcode MAX_JSON_DEPTH} and
 * {@linkcode MAX_JSON_LENGTH}, naming the offending path. `undefined` at the top level is
 * accepted and means "no payload" (stored as `null`). The walk is iterative, so no input can
 * overflow the stack.
 *
 * @param value The value to check.
 * @param name How the value is called in error messages, e.g. `"payload"`.
 * @returns The value as `JsonValue` (`null` for a top-level `undefined`).
 * @throws {TypeError} For a value that does not survive a JSON round trip (a function, a
 * `Date`, a class instance, a circular reference, `undefined` inside, a non-finite number).
 * @throws {RangeError} For a value nested too deeply or whose JSON text is too long.
 * @example
 * ```ts
 * import { assertJson } from "./json.ts";
 * assertJson({ to: "a@b.c" }, "payload");
 * ```
 */
export function assertJson(value: unknown, name: string): JsonValue {
  if (value === undefined) return null;
  // Most payloads are a primitive: no walk (a string's JSON is at most 6 characters per unit).
  if (
    value === null || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value)) ||
    (typeof value === "string" && value.length * 6 + 2 <= MAX_JSON_LENGTH)
  ) {
    return value;
  }
  check(value, name);
  return value as JsonValue;
}

/** An array or object being walked: its entries, and how many were visited. */
interface Frame {
  readonly container: object;
  /** Own enumerable keys of an object; `null` for an array. */
  readonly keys: string[] | null;
  readonly size: number;
  next: number;
}

function check(root: unknown, name: string): void {
  const stack: Frame[] = [];
  // Containers on the current path: meeting one again is a cycle. Shared, non-cyclic
  // references are fine (JSON.stringify writes them twice).
  const open = new Set<object>();
  const path = (): string => {
    let out = name;
    for (const f of stack) {
      const i = f.next - 1;
      out += f.keys === null ? `[${i}]` : `.${f.keys[i]}`;
    }
    return out;
  };
  let length = 0;
  let value: unknown = root;
  for (;;) {
    length += visit(value, stack, open, path);
    if (length > MAX_JSON_LENGTH) {
      throw new RangeError(
        `Value is too large: ${name} is more than ${MAX_JSON_LENGTH} characters as JSON (store large data elsewhere and pass a reference)`,
      );
    }
    // Move to the next entry of the innermost container that has one left.
    let top = stack.at(-1);
    while (top !== undefined && top.next === top.size) {
      open.delete(top.container);
      stack.pop();
      top = stack.at(-1);
    }
    if (top === undefined) return;
    const i = top.next++;
    if (i > 0) length += 1; // the comma
    if (top.keys === null) {
      value = (top.container as unknown[])[i];
    } else {
      const key = top.keys[i]!;
      value = (top.container as Record<string, unknown>)[key];
      if (value === undefined) {
        throw new TypeError(`Value is not JSON: ${path()} is undefined (omit the key)`);
      }
      length += JSON.stringify(key).length + 1; // the key and its colon
    }
  }
}

/**
 * Checks one value; pushes a frame for an array or object.
 * @returns The length of its JSON text, or of its brackets for a container.
 */
function visit(
  value: unknown,
  stack: Frame[],
  open: Set<object>,
  path: () => string,
): number {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value).length;
    case "boolean":
      return value ? 4 : 5;
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`Value is not JSON: ${path()} is ${value} (only finite numbers)`);
      }
      return String(value).length;
    case "object":
      if (value === null) return 4;
      break;
    case "bigint":
      throw new TypeError(`Value is not JSON: ${path()} is a BigInt (convert it to a string)`);
    default:
      throw new TypeError(`Value is not JSON: ${path()} is a ${typeof value}`);
  }
  const obj = value as object;
  if (open.has(obj)) throw new TypeError(`Value is not JSON: ${path()} is a circular reference`);
  let keys: string[] | null = null;
  if (!Array.isArray(obj)) {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (obj.constructor as { name?: string } | undefined)?.name ?? "object";
      const hint = kind === "Date" ? " (convert it to an ISO string)" : "";
      throw new TypeError(`Value is not JSON: ${path()} is a ${kind}${hint}`);
    }
    keys = Object.keys(obj);
  }
  if (stack.length === MAX_JSON_DEPTH) {
    throw new RangeError(
      `Value is nested too deeply: ${path()} is more than ${MAX_JSON_DEPTH} levels deep`,
    );
  }
  open.add(obj);
  stack.push({
    container: obj,
    keys,
    size: keys === null ? (obj as unknown[]).length : keys.length,
    next: 0,
  });
  return 2;
}
