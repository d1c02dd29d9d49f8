/**
 * Strict options: every options object of the public API names its keys, and an unknown key is
 * refused with the closest known one suggested. A typo such as `{ dealy: 5000 }` would otherwise
 * be silently ignored and the job would run at once.
 * @module
 */

import { describe } from "./_options.ts";

/**
 * Checks that `value` is an options object (or `undefined`) whose keys are all in `known`.
 * @param value The options object as the caller passed it.
 * @param known Every key the options object may have.
 * @param what What the object is, for the message, e.g. `"enqueue options"`.
 * @returns The object, or an empty one for `undefined`.
 */
export function checkKeys<T extends object>(
  value: T | undefined,
  known: readonly string[],
  what: string,
): T {
  if (value === undefined) return {} as T;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Invalid ${what}: expected an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new TypeError(
      `Unknown option in ${what}: ${JSON.stringify(key)}${
        near === null ? "" : ` (did you mean ${JSON.stringify(near)}?)`
      }; known options: ${known.join(", ")}`,
    );
  }
  return value;
}

/** @returns The known key nearest to `key` by edit distance, if it is near enough to suggest. */
export function closest(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const other = k.toLowerCase();
    // A stem of the right word (`retry` for `retries`) is as good a hint as a one-letter slip.
    const stem = lower.length >= 4 &&
      (other.startsWith(lower.slice(0, -1)) || lower.startsWith(other));
    const d = other === lower ? 0 : stem ? 1 : distance(lower, other);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // Suggest only what a slip of the fingers explains: a third of the key's letters, at least 2.
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const up = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
