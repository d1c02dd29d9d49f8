/**
 * Deno KV's size limits (denokv `limits.rs`) and what the store does about them: an upper
 * estimate of a record's stored size, checks that refuse an oversized record or key with a
 * clear `RangeError`, and the splitting of a big write (a fire with many jobs) into atomic
 * operations that each fit.
 * @module
 */

import type { KvKey } from "./types.ts";

/** Largest value, in bytes. */
export const MAX_VALUE_BYTES = 65_536;
/** Largest key, in bytes. */
export const MAX_KEY_BYTES = 2_048;
/** Most version checks in one atomic operation. */
export const MAX_CHECKS = 100;
/** Most writes in one atomic operation. */
export const MAX_MUTATIONS = 1_000;
/** Total bytes of one atomic operation, with a margin for the serialisation overhead. */
const MAX_ATOMIC_BYTES = 800 * 1024 - 16 * 1024;
const MAX_ATOMIC_KEY_BYTES = 80 * 1024 - 4 * 1024;
/** Most keys one `getMany` reads. */
export const GET_MANY = 10;

/** What one atomic operation uses of Deno KV's limits. */
export interface AtomicCost {
  checks: number;
  mutations: number;
  bytes: number;
  keyBytes: number;
}

/** Room kept in every atomic operation for the serialisation overhead and a caller's own keys. */
const MARGIN: AtomicCost = {
  checks: 2,
  mutations: 8,
  bytes: MAX_VALUE_BYTES + 8 * MAX_KEY_BYTES,
  keyBytes: 8 * MAX_KEY_BYTES,
};

/**
 * @param cost What an atomic operation would use.
 * @returns Whether it fits one atomic operation (with the margin).
 */
export function fitsAtomic(cost: AtomicCost): boolean {
  return cost.checks <= MAX_CHECKS - MARGIN.checks &&
    cost.mutations <= MAX_MUTATIONS - MARGIN.mutations &&
    cost.bytes <= MAX_ATOMIC_BYTES - MARGIN.bytes &&
    cost.keyBytes <= MAX_ATOMIC_KEY_BYTES - MARGIN.keyBytes;
}

/**
 * Refuses, with a `RangeError` saying which limit and what to do, a change too big for one
 * atomic operation (Deno KV would refuse it with a terse message).
 * @param cost What the operation would use.
 * @param what The change, e.g. `insert 400 jobs`.
 * @param hint What to do about it, when the caller knows.
 */
export function checkAtomic(cost: AtomicCost, what: string, hint?: string): void {
  const over = cost.checks > MAX_CHECKS
    ? `${cost.checks} checks, over the ${MAX_CHECKS}-check limit`
    : cost.mutations > MAX_MUTATIONS
    ? `${cost.mutations} writes, over the ${MAX_MUTATIONS}-write limit`
    : cost.bytes > MAX_ATOMIC_BYTES
    ? `about ${cost.bytes} bytes, over the ${MAX_ATOMIC_BYTES}-byte limit`
    : cost.keyBytes > MAX_ATOMIC_KEY_BYTES
    ? `about ${cost.keyBytes} key bytes, over the ${MAX_ATOMIC_KEY_BYTES}-byte key limit`
    : null;
  if (over !== null) {
    throw new RangeError(
      `Cannot ${what} in one Deno KV atomic operation: it needs ${over} (nothing was written${
        hint ? `; ${hint}` : ""
      })`,
    );
  }
}

/**
 * Groups items into parts whose summed costs each fit one atomic operation (with the margin).
 * @param costs Each item's cost.
 * @returns The parts, as lists of item indexes; an item too big alone gets a part of its own.
 */
export function partition(costs: AtomicCost[]): number[][] {
  const parts: number[][] = [];
  let cur: number[] = [];
  let sum: AtomicCost = { checks: 0, mutations: 0, bytes: 0, keyBytes: 0 };
  costs.forEach((c, n) => {
    const next = {
      checks: sum.checks + c.checks,
      mutations: sum.mutations + c.mutations,
      bytes: sum.bytes + c.bytes,
      keyBytes: sum.keyBytes + c.keyBytes,
    };
    if (!fitsAtomic(next) && cur.length > 0) {
      parts.push(cur);
      cur = [];
      sum = c;
    } else sum = next;
    cur.push(n);
  });
  parts.push(cur);
  return parts;
}

/**
 * An upper estimate of a value's size in V8's serialisation, which Deno KV stores and limits.
 * Strings with a character above U+00FF are stored as two bytes per character.
 * @param value A key or value.
 * @returns Bytes, at least as many as stored.
 */
export function sizeOf(value: unknown): number {
  if (typeof value === "string") {
    // deno-lint-ignore no-control-regex -- Latin-1 check
    return 5 + value.length * (/[^\u0000-\u00ff]/.test(value) ? 2 : 1);
  }
  if (typeof value === "number" || typeof value === "bigint") return 9;
  if (value === null || typeof value !== "object") return 1;
  if (value instanceof Uint8Array) return 5 + value.byteLength;
  let n = 10;
  if (Array.isArray(value)) {
    for (const item of value) n += sizeOf(item);
  } else {
    for (const [k, v] of Object.entries(value)) n += sizeOf(k) + sizeOf(v);
  }
  return n;
}

/** Throws a `RangeError` naming `what` when `value` is over the value limit. */
export function checkValue(value: unknown, what: string): void {
  const size = sizeOf(value);
  if (size > MAX_VALUE_BYTES) {
    throw new RangeError(
      `Cannot store ${what} in Deno KV: its record is about ${size} bytes, over the ${MAX_VALUE_BYTES}-byte value limit (keep payloads, results and progress small; store large data elsewhere and pass a reference)`,
    );
  }
}

/** Throws a `RangeError` naming `what` when `key` is over the key limit. */
export function checkKey(key: KvKey, what: string): void {
  const size = sizeOf(key);
  if (size > MAX_KEY_BYTES - 64) {
    throw new RangeError(
      `Cannot store ${what} in Deno KV: its key is about ${size} bytes, over the ${MAX_KEY_BYTES}-byte key limit (use a shorter id)`,
    );
  }
}
