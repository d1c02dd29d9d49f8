/**
 * Committing Deno KV atomic operations: every store change reads, checks versionstamps and
 * commits, and is retried from the read when another writer got there first, up to
 * {@linkcode MAX_TRIES} times.
 * @module
 */

import type { KvAtomic } from "./types.ts";

/** Most read-check-commit rounds one change makes before giving up. */
export const MAX_TRIES = 1_000;

/**
 * Commits; `false` when a check failed (the caller reads again and retries). A local KV file
 * shared by several processes can be locked for a moment by another writer: that is waited out
 * on timers. Deno's own limit errors become `RangeError`s.
 * @param op The atomic operation.
 * @param what The change, for error messages, e.g. `finish job "a"`.
 * @returns Whether it committed.
 */
export async function commit(op: KvAtomic, what: string): Promise<boolean> {
  for (let attempt = 0;; attempt++) {
    try {
      return (await op.commit()).ok;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/database is locked|busy/i.test(message) && attempt < 100) {
        await new Promise((r) => setTimeout(r, 2 + Math.random() * 20));
        continue;
      }
      throw translate(error, message, what);
    }
  }
}

function translate(error: unknown, message: string, what: string): unknown {
  if (!/too large|too many|exceed/i.test(message)) return error;
  return new RangeError(
    `Cannot ${what} in Deno KV: ${message} (nothing was written)`,
    { cause: error },
  );
}

/**
 * @param what The change, e.g. `"claim job"`.
 * @param id The record.
 * @returns The error for a change that lost every round to other writers.
 */
export function contention(what: string, id: string): Error {
  return new Error(
    `Cannot ${what} ${
      JSON.stringify(id)
    } in Deno KV: still conflicting after ${MAX_TRIES} attempts (too many writers on one record)`,
  );
}
