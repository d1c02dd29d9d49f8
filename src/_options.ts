/**
 * Validation of option values. Every public entry point checks its input here before it
 * touches the store, so bad input raises a typed error and changes nothing.
 * @module
 */

import { type DurationInput, toDurationMs } from "./time.ts";
import type { BackoffOptions } from "./types.ts";

/**
 * Checks an id (job id, schedule id, task name). Ids must be well-formed Unicode without NUL:
 * stores that keep text as UTF-8 (SQLite, PostgreSQL) would turn lone surrogates into U+FFFD, so
 * two different ids would name one record, and PostgreSQL refuses NUL outright.
 * @returns `id` if it is a usable id string; throws otherwise.
 */
export function checkId(id: unknown, name = "id"): string {
  if (typeof id !== "string") {
    throw new TypeError(`Invalid ${name}: expected a string, got ${describe(id)}`);
  }
  if (id.length === 0 || id.length > 256) {
    throw new RangeError(`Invalid ${name}: must be 1 to 256 characters long`);
  }
  if (!id.isWellFormed()) {
    throw new TypeError(`Invalid ${name}: must be well-formed Unicode (it has a lone surrogate)`);
  }
  if (id.includes("\0")) throw new TypeError(`Invalid ${name}: must not contain NUL (U+0000)`);
  return id;
}

/** @returns `value` if it is an integer ≥ `min` (or Infinity when allowed). */
export function checkInt(value: unknown, name: string, min: number, allowInfinity = false): number {
  if (typeof value !== "number") {
    throw new TypeError(`Invalid ${name}: expected a number, got ${describe(value)}`);
  }
  if (value === Infinity && allowInfinity) return value;
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Invalid ${name}: expected an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** @returns `value` if it is one of `allowed`. */
export function checkEnum<const T extends string>(
  value: unknown,
  name: string,
  allowed: readonly T[],
): T {
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw new RangeError(
      `Invalid ${name}: expected one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${
        describe(value)
      }`,
    );
  }
  return value as T;
}

/** @returns `value` if it is a boolean. */
export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`Invalid ${name}: expected a boolean, got ${describe(value)}`);
  }
  return value;
}

/** @returns Milliseconds, or `fallback` when `value` is undefined. */
export function durationOr<T>(
  value: DurationInput | undefined,
  name: string,
  fallback: T,
  allowZero = true,
): number | T {
  return value === undefined ? fallback : toDurationMs(value, name, { allowZero });
}

/** Normalised retry backoff. */
export interface Backoff {
  initial: number;
  max: number;
  factor: number;
  jitter: "full" | "none";
}

/** @returns The validated backoff with defaults filled in. */
export function checkBackoff(options: BackoffOptions | undefined, name = "backoff"): Backoff {
  if (options === undefined) return { initial: 1000, max: 3_600_000, factor: 2, jitter: "full" };
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Invalid ${name}: expected an object, got ${describe(options)}`);
  }
  const factor = options.factor ?? 2;
  if (typeof factor !== "number" || !Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`Invalid ${name}.factor: expected a number >= 1, got ${describe(factor)}`);
  }
  return {
    initial: durationOr(options.initial, `${name}.initial`, 1000),
    max: durationOr(options.max, `${name}.max`, 3_600_000),
    factor,
    jitter: checkEnum(options.jitter ?? "full", `${name}.jitter`, ["full", "none"]),
  };
}

/**
 * Delay before the retry that follows attempt `attempt` (1-based): exponential, capped, and
 * with full jitter a uniform draw in [0, cap] so that many failing jobs do not retry in step.
 */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number): number {
  const exp = Math.min(backoff.max, backoff.initial * backoff.factor ** (attempt - 1));
  return backoff.jitter === "full" ? Math.floor(random() * exp) : exp;
}

/** @returns A short description of a value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
