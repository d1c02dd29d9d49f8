/**
 * everywhen for Deno: a Deno KV store (local file, `:memory:`, Deno Deploy or remote KV), a
 * `Deno.cron` waker that wakes the scheduler on Deno Deploy, and a passthrough that runs a
 * static schedule on `Deno.cron` itself after translating our cron dialect into its own.
 *
 * Needs `--unstable-kv` for the store and `--unstable-cron` for the cron functions (or
 * `"unstable": ["kv", "cron"]` in `deno.json`). KV queues are not used: the new Deno Deploy
 * and remote KV do not support them.
 *
 * @example
 * ```ts
 * import { cron, Scheduler } from "@everywhen/everywhen";
 * import { denoCronWaker, openKvStore } from "@everywhen/everywhen/deno";
 *
 * const waker = denoCronWaker(); // at the top level: Deploy registers crons as the module loads
 * const scheduler = new Scheduler({ store: await openKvStore(), waker });
 * const report = scheduler.task("report", () => "sent");
 * await report.schedule({ id: "report", trigger: cron("0 9 * * *", { timezone: "Europe/Paris" }) });
 * scheduler.start();
 * ```
 * @module
 */

import { DenoKvStore, type DenoKvStoreOptions } from "./deno/kv_store.ts";
import { toDenoCron, type ToDenoCronOptions } from "./deno/cron.ts";
import { checkCronName, denoCronFunction } from "./deno/waker.ts";
import { denoNamespace } from "./deno/types.ts";

export { DenoKvStore, type DenoKvStoreOptions } from "./deno/kv_store.ts";
export { toDenoCron, type ToDenoCronOptions } from "./deno/cron.ts";
export { type DenoCronWaker, denoCronWaker, type DenoCronWakerOptions } from "./deno/waker.ts";
export type {
  DenoCronFunction,
  Kv,
  KvAtomic,
  KvEntry,
  KvEntryMaybe,
  KvKey,
  KvKeyPart,
} from "./deno/types.ts";

/**
 * Opens Deno KV and wraps it in a {@linkcode DenoKvStore}; closing the store closes the KV.
 *
 * @param path A database file, `":memory:"`, a remote KV URL, or nothing for the default
 *   database (the project's database on Deno Deploy).
 * @param options Key prefix.
 * @returns The store.
 * @throws {TypeError} When `Deno.openKv` is missing (run with `--unstable-kv`).
 * @example
 * ```ts
 * import { openKvStore } from "@everywhen/everywhen/deno";
 * const store = await openKvStore("./everywhen.kv");
 * ```
 */
export async function openKvStore(
  path?: string,
  options: DenoKvStoreOptions = {},
): Promise<DenoKvStore> {
  const deno = denoNamespace();
  if (!deno) throw new TypeError("Cannot open Deno KV: Deno is undefined (run on Deno)");
  if (typeof deno.openKv !== "function") {
    throw new TypeError(
      'Cannot open Deno KV: Deno.openKv is undefined (run with --unstable-kv, or add "kv" to "unstable" in deno.json)',
    );
  }
  if (path !== undefined && typeof path !== "string") {
    throw new TypeError(`Invalid Deno KV path: got ${typeof path} (expected a string)`);
  }
  const kv = await deno.openKv(path);
  try {
    return new DenoKvStore(kv, { ...options, closeKv: true });
  } catch (error) {
    kv.close();
    throw error;
  }
}

/** Options for {@linkcode denoCron}. */
export interface DenoCronOptions extends ToDenoCronOptions {
  /** Aborting removes the cron. */
  signal?: AbortSignal;
  /** Retry delays in ms after a failed run (Deno.cron's `backoffSchedule`). */
  backoffSchedule?: number[];
}

/**
 * Runs `handler` on `Deno.cron` for a static schedule written in everywhen's cron dialect. The
 * expression is translated with {@linkcode toDenoCron}; one without an exact `Deno.cron`
 * equivalent (a time zone, seconds, `L`/`W`/`#`) is refused before anything is registered.
 * Like `Deno.cron`, call it at the top level of your main module.
 *
 * @param name The cron's name: 1 to 64 letters, digits, spaces, `-` and `_`.
 * @param expression A cron expression in everywhen's dialect, meant in UTC.
 * @param handler What to run.
 * @param options `signal`, `backoffSchedule`, and the expression's `timezone` (UTC only).
 * @returns `Deno.cron`'s promise, which settles when the cron is removed.
 * @throws {TypeError} For a bad name or when `Deno.cron` is missing (run with `--unstable-cron`).
 * @throws {SyntaxError} When the expression does not parse.
 * @throws {RangeError} When it has no exact `Deno.cron` equivalent; the message says why.
 * @example
 * ```ts
 * import { denoCron } from "@everywhen/everywhen/deno";
 * denoCron("weekday report", "30 9 * * MON-FRI", () => console.log("report"));
 * ```
 */
export function denoCron(
  name: string,
  expression: string,
  handler: () => void | Promise<void>,
  options: DenoCronOptions = {},
): Promise<void> {
  checkCronName(name);
  if (typeof handler !== "function") {
    throw new TypeError(
      `Invalid handler for Deno.cron ${JSON.stringify(name)}: expected a function`,
    );
  }
  const schedule = toDenoCron(
    expression,
    options.timezone === undefined ? {} : { timezone: options.timezone },
  );
  const register = denoCronFunction(`Cannot register Deno.cron ${JSON.stringify(name)}`);
  const cronOptions: { signal?: AbortSignal; backoffSchedule?: number[] } = {};
  if (options.signal) cronOptions.signal = options.signal;
  if (options.backoffSchedule) cronOptions.backoffSchedule = options.backoffSchedule;
  return register(name, schedule, cronOptions, handler);
}
