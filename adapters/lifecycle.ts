/**
 * The one shutdown sequence every server integration uses (the Node and Bun adapters and the
 * Hono lifecycle helper): stop taking requests, give running jobs the grace period, stop the
 * scheduler, run `onStop`; and, for processes, start it on SIGTERM/SIGINT, force exit 1 on a
 * second signal, exit 0 when done. Runtime-agnostic: a process object is passed in.
 * @module
 */

import { DEFAULT_GRACE_MS } from "../src/_defaults.ts";
import { checkKeys } from "../src/_keys.ts";
import type { Scheduler } from "../src/scheduler/scheduler.ts";
import type { DurationInput } from "../src/time.ts";

/** A signal that can start a shutdown. */
export type ShutdownSignal = "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGQUIT" | "SIGUSR2";

/** Options for {@linkcode schedulerLifecycle}. */
export interface LifecycleOptions {
  /**
   * Starts closing the server (e.g. `() => server.shutdown()` on Deno). It runs first and is
   * awaited only after the scheduler stopped, since open event streams end with the scheduler.
   * @default undefined
   */
  close?: () => unknown;
  /**
   * How long running jobs may take to finish before their signals abort.
   * @default 30000 (the same as `Scheduler.stop()`)
   */
  grace?: DurationInput;
  /**
   * Runs after the scheduler has stopped, e.g. to close the store.
   * @default undefined
   */
  onStop?: () => unknown;
}

const LIFECYCLE_KEYS = ["close", "grace", "onStop"] as const;

/** A scheduler tied to a server's life. */
export interface SchedulerLifecycle {
  /** Starts the scheduler (idempotent). */
  start(): void;
  /**
   * Closes the server, lets running jobs finish within the grace period (then aborts them),
   * stops the scheduler and runs `onStop`. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

/**
 * Ties a scheduler to a server: `start()` when the server listens, `stop()` on shutdown.
 * @param scheduler The scheduler.
 * @param options How to close the server, the grace period, and what to run after.
 * @returns The lifecycle handle.
 * @throws {TypeError} On an unknown option.
 * @example
 * ```ts
 * import { Scheduler } from "everywhen";
 * import { schedulerLifecycle } from "everywhen/hono";
 * const scheduler = new Scheduler();
 * const life = schedulerLifecycle(scheduler, { grace: "PT5S" });
 * life.start();
 * await life.stop();
 * ```
 */
export function schedulerLifecycle(
  scheduler: Scheduler,
  options?: LifecycleOptions,
): SchedulerLifecycle {
  const { close, grace = DEFAULT_GRACE_MS, onStop } = checkKeys(
    options,
    LIFECYCLE_KEYS,
    "lifecycle options",
  );
  let stopping: Promise<void> | null = null;
  return {
    start: () => void scheduler.start(),
    stop: () =>
      stopping ??= (async () => {
        const closed = Promise.resolve(close?.());
        await scheduler.stop({ grace });
        await closed;
        await onStop?.();
      })(),
  };
}

/** The part of a Node-style `process` signal handling needs (Node, Bun and Deno have it). */
export interface SignalProcess {
  /** Adds a signal listener. */
  on(signal: string, listener: () => void): unknown;
  /** Removes a signal listener. */
  off(signal: string, listener: () => void): unknown;
  /** Exits the process. */
  exit(code?: number): unknown;
}

/** How a process reacts to signals: the options every server adapter shares. */
export interface SignalOptions {
  /**
   * Signals that start the shutdown; a second one forces exit with status 1.
   * @default ["SIGTERM", "SIGINT"]
   */
  signals?: readonly ShutdownSignal[];
  /**
   * Exit the process (status 0, or 1 when the shutdown failed) once stopped after a signal.
   * @default true
   */
  exit?: boolean;
}

/** The keys of {@linkcode SignalOptions} and {@linkcode LifecycleOptions}'s `grace`, `onStop`. */
export const SHUTDOWN_KEYS: readonly string[] = ["signals", "exit", "grace", "onStop"];

/**
 * Runs `stop` once on the first of the signals, then exits when `exit` is set; a second SIGINT
 * or SIGTERM during the shutdown forces exit 1.
 * @param proc The process to listen on.
 * @param stop The shutdown (usually a {@linkcode SchedulerLifecycle}'s `stop`).
 * @param options Signals and whether to exit.
 * @returns The same shutdown without a signal (it never exits the process).
 */
export function stopOnSignals(
  proc: SignalProcess,
  stop: () => Promise<void>,
  options: SignalOptions = {},
): () => Promise<void> {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  let stopping: Promise<void> | null = null;
  const force = (): void => void proc.exit(1);
  const run = (): Promise<void> =>
    stopping ??= (async () => {
      for (const s of signals) proc.off(s, onSignal);
      proc.on("SIGINT", force);
      proc.on("SIGTERM", force);
      try {
        await stop();
      } finally {
        proc.off("SIGINT", force);
        proc.off("SIGTERM", force);
      }
    })();
  const onSignal = (): void => {
    run().then(
      () => {
        if (options.exit !== false) proc.exit(0);
      },
      (error) => {
        console.error("everywhen: shutdown failed:", error);
        if (options.exit !== false) proc.exit(1);
      },
    );
  };
  for (const s of signals) proc.on(s, onSignal);
  return run;
}
