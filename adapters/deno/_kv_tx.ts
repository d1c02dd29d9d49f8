/**
 * One read-check-write round against Deno KV: reads are remembered (and, unless asked not to,
 * checked at commit), writes are collected and seen by later reads of the same round, and the
 * commit applies everything in one atomic operation or nothing. A change that touches several
 * records (a claim with its concurrency count and rate log, a finish that releases dependants)
 * is written as plain code against this, and retried from scratch when the commit's checks fail.
 * @module
 */

import type { Kv, KvEntry, KvEntryMaybe, KvKey } from "./types.ts";
import { commit } from "./_kv_commit.ts";
import { type AtomicCost, checkAtomic, sizeOf } from "./_kv_limits.ts";

/** A write collected by a round. */
export interface Write {
  key: KvKey;
  value: unknown;
  del: boolean;
}

/** A point of a round to go back to (see {@linkcode KvTx.snapshot}). */
export interface TxMark {
  readonly checks: ReadonlyMap<string, { key: KvKey; versionstamp: string | null }>;
  readonly writes: ReadonlyMap<string, Write>;
}

/** A key as a map key (key parts are strings, numbers, booleans, bigints or bytes). */
function idOf(key: KvKey): string {
  return key.map((p) => `${typeof p}:${String(p)}`).join("\u0000");
}

/** One atomic round; make a new one for every retry. */
export class KvTx {
  #kv: Kv;
  #reads = new Map<string, KvEntryMaybe<unknown>>();
  #checks = new Map<string, { key: KvKey; versionstamp: string | null }>();
  #writes = new Map<string, Write>();

  /** @param kv The database. */
  constructor(kv: Kv) {
    this.#kv = kv;
  }

  /**
   * Reads a key, seeing this round's own writes first.
   * @param key The key.
   * @param check Whether the commit must fail if the key changed since this read.
   * @returns The value, `null` when absent.
   */
  async get<T>(key: KvKey, check = true): Promise<T | null> {
    const id = idOf(key);
    const written = this.#writes.get(id);
    if (written) return written.del ? null : written.value as T;
    let entry = this.#reads.get(id);
    if (!entry) {
      entry = await this.#kv.get(key);
      this.#reads.set(id, entry);
    }
    if (check && !this.#checks.has(id)) {
      this.#checks.set(id, { key, versionstamp: entry.versionstamp });
    }
    return entry.value as T | null;
  }

  /**
   * Lists keys from the database (not this round's writes; not checked: guard what a listing
   * decides with a checked `get` of a key the other writers change).
   * @param selector The range.
   * @param options Deno KV list options.
   * @returns The entries.
   */
  list<T = unknown>(
    selector: { prefix: KvKey } | { start: KvKey; end: KvKey },
    options?: { limit?: number; batchSize?: number },
  ): AsyncIterable<KvEntry<T>> {
    return this.#kv.list<T>(selector, options);
  }

  /** Writes `value` at `key` when the round commits. */
  set(key: KvKey, value: unknown): void {
    this.#writes.set(idOf(key), { key, value, del: false });
  }

  /** Deletes `key` when the round commits. */
  delete(key: KvKey): void {
    this.#writes.set(idOf(key), { key, value: null, del: true });
  }

  /** @returns A mark to {@linkcode KvTx.restore} this round's checks and writes to. */
  snapshot(): TxMark {
    return { checks: new Map(this.#checks), writes: new Map(this.#writes) };
  }

  /** Forgets the checks and writes added since `mark` (reads stay cached). */
  restore(mark: TxMark): void {
    this.#checks = new Map(mark.checks);
    this.#writes = new Map(mark.writes);
  }

  /** @returns What the commit would use of one atomic operation's limits. */
  cost(): AtomicCost {
    let bytes = 0;
    let keyBytes = 0;
    for (const { key, value, del } of this.#writes.values()) {
      const k = sizeOf(key);
      keyBytes += k;
      bytes += k + (del ? 0 : sizeOf(value));
    }
    for (const { key } of this.#checks.values()) keyBytes += sizeOf(key);
    return { checks: this.#checks.size, mutations: this.#writes.size, bytes, keyBytes };
  }

  /**
   * Commits everything in one atomic operation.
   * @param what The change, for errors, e.g. `finish job "a"`.
   * @param hint What to do when it is too big, e.g. `split it into smaller batches`.
   * @returns `false` when a checked key changed meanwhile (nothing was written: retry).
   */
  async commit(what: string, hint?: string): Promise<boolean> {
    if (this.#writes.size === 0) return true;
    checkAtomic(this.cost(), what, hint);
    const op = this.#kv.atomic();
    if (this.#checks.size > 0) op.check(...this.#checks.values());
    for (const { key, value, del } of this.#writes.values()) {
      if (del) op.delete(key);
      else op.set(key, value);
    }
    return await commit(op, what);
  }
}
