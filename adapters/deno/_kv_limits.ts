/**
 * Deno KV's size limits (denokv `limits.rs`) and what the store does about them: an upper
 * estimate of a record's stored size, checks that refuse an oversized record or key with a
 * clear `RangeError`, and the splitting of a big write (a fire with many jobs) into atomic
 * operations that each fit.
 * @module
 */

import type { KvAtomic, KvKey } from "./_types.ts";

/** Largest value, in bytes. */
export const MAX_VALUE_BYTES = 65_536;
/** Largest key, in bytes. */
export const MAX_KEY_BYTES = 2_048;
const MAX_CHECKS = 100;
const MAX_MUTATIONS = 1_000;
/** Total bytes of one atomic operation, with a margin for the serialisation overhead. */
const MAX_ATOMIC_BYTES = 800 * 1024 - 16 * 1024;
const MAX_ATOMIC_KEY_BYTES = 80 * 1024 - 4 * 1024;
/** Most keys one `getMany` reads. */
export const GET_MANY = 10;

/** One record change with the limits it uses, so a release can be split safely. */
export interface Ops {
  checks: { key: KvKey; versionstamp: string | null }[];
  sets: [KvKey, unknown][];
  deletes: KvKey[];
}

/** @returns No operations. */
export function emptyOps(): Ops {
  return { checks: [], sets: [], deletes: [] };
}

/** Adds `ops` to the atomic operation `op`. */
export function applyOps(op: KvAtomic, ops: Ops): void {
  if (ops.checks.length > 0) op.check(...ops.checks);
  for (const key of ops.deletes) op.delete(key);
  for (const [key, value] of ops.sets) op.set(key, value);
}

/**
 * Groups per-record operations into parts that each fit one atomic operation, leaving room in
 * every part for the caller's own check and writes (a schedule's slot).
 * @param list The operations, one entry per record.
 * @returns The parts, each with the indexes into `list` it holds.
 */
export function splitOps(list: Ops[]): { ops: Ops; ids: number[] }[] {
  const parts: { ops: Ops; ids: number[] }[] = [];
  let cur = { ops: emptyOps(), ids: [] as number[] };
  let bytes = 0;
  let keyBytes = 0;
  list.forEach((ops, n) => {
    const b = ops.sets.reduce((s, [k, v]) => s + sizeOf(k) + sizeOf(v), 0);
    const kb = [...ops.checks.map((c) => c.key), ...ops.deletes, ...ops.sets.map(([k]) => k)]
      .reduce((s, k) => s + sizeOf(k), 0);
    const fits = cur.ops.checks.length + ops.checks.length <= MAX_CHECKS - 2 &&
      cur.ops.sets.length + cur.ops.deletes.length + ops.sets.length + ops.deletes.length <=
        MAX_MUTATIONS - 8 &&
      bytes + b <= MAX_ATOMIC_BYTES - MAX_VALUE_BYTES - 8 * MAX_KEY_BYTES &&
      keyBytes + kb <= MAX_ATOMIC_KEY_BYTES - 8 * MAX_KEY_BYTES;
    if (!fits && cur.ids.length > 0) {
      parts.push(cur);
      cur = { ops: emptyOps(), ids: [] };
      bytes = 0;
      keyBytes = 0;
    }
    cur.ops.checks.push(...ops.checks);
    cur.ops.sets.push(...ops.sets);
    cur.ops.deletes.push(...ops.deletes);
    cur.ids.push(n);
    bytes += b;
    keyBytes += kb;
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
