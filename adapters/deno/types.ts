/**
 * The few Deno runtime types the adapter uses, declared structurally (srvx style) so the
 * adapter type-checks without Deno's type declarations (under `tsc` with `@types/node`) and a
 * real `Deno.Kv` still fits them.
 * @module
 */

/** One part of a Deno KV key. */
export type KvKeyPart = string | number | bigint | boolean | Uint8Array;

/** A Deno KV key. */
export type KvKey = readonly KvKeyPart[];

/** An entry read from Deno KV; `versionstamp` is `null` when the key is absent. */
export interface KvEntryMaybe<T> {
  /** The key read. */
  key: KvKey;
  /** The value, or `null` when absent. */
  value: T | null;
  /** The entry's version, or `null` when absent. */
  versionstamp: string | null;
}

/** An entry listed from Deno KV. */
export interface KvEntry<T> {
  /** The entry's key. */
  key: KvKey;
  /** The entry's value. */
  value: T;
  /** The entry's version. */
  versionstamp: string;
}

/** The part of `Deno.AtomicOperation` the store uses. */
export interface KvAtomic {
  /** Adds version checks that must all hold for the commit to apply. */
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomic;
  /** Adds a write. */
  set(key: KvKey, value: unknown): KvAtomic;
  /** Adds a delete. */
  delete(key: KvKey): KvAtomic;
  /** Applies everything, or nothing when a check fails (`ok: false`). */
  commit(): Promise<{ ok: boolean }>;
}

/** The part of `Deno.Kv` the store uses. */
export interface Kv {
  /** Reads one key. */
  get<T = unknown>(key: KvKey): Promise<KvEntryMaybe<T>>;
  /** Reads up to 10 keys at once. */
  getMany(keys: readonly KvKey[]): Promise<KvEntryMaybe<unknown>[]>;
  /** Lists a key range in key order. */
  list<T = unknown>(
    selector: { prefix: KvKey } | { start: KvKey; end: KvKey },
    options?: { limit?: number; batchSize?: number },
  ): AsyncIterable<KvEntry<T>>;
  /** Starts an atomic operation. */
  atomic(): KvAtomic;
  /** Closes the database. */
  close(): void;
}

/** `Deno.cron`'s signature (the options form). */
export type DenoCronFunction = (
  name: string,
  schedule: string,
  options: { signal?: AbortSignal; backoffSchedule?: number[] },
  handler: () => Promise<void> | void,
) => Promise<void>;

/** The parts of the `Deno` namespace the adapter looks up at run time. */
export interface DenoNamespace {
  openKv?: (path?: string) => Promise<Kv>;
  cron?: DenoCronFunction;
}

/** @returns `globalThis.Deno`, or `undefined` outside Deno. */
export function denoNamespace(): DenoNamespace | undefined {
  return (globalThis as { Deno?: DenoNamespace }).Deno;
}
