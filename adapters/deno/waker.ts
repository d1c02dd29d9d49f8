/**
 * The `Deno.cron` waker: one `Deno.cron` registration ticking every UTC minute wakes the
 * scheduler even when Deno Deploy has no isolate running, and in-process timers give sub-minute
 * precision while the isolate is alive.
 * @module
 */

import type { Clock, TimerHandle } from "../../src/clock.ts";
import {
  type ArmOptions,
  TimerWaker,
  type Waker,
  type WakerFactory,
  type WakerHost,
} from "../../src/waker.ts";
import { type DenoCronFunction, denoNamespace } from "./types.ts";
import { checkKeys } from "../../src/_keys.ts";

/** Options for {@linkcode denoCronWaker}. */
export interface DenoCronWakerOptions {
  /**
   * The `Deno.cron` name: up to 64 letters, digits, spaces, `-` and `_`, unique per isolate.
   * @default "everywhen wake-up"
   */
  name?: string;
  /**
   * Also wake through in-process timers between ticks (sub-minute precision while the
   * isolate or process lives). With `false`, the scheduler only runs on the minute ticks.
   * @default true
   */
  timers?: boolean;
  /**
   * Longest single timer sleep in ms before the clock is checked again.
   * @default 30000
   */
  maxSleep?: number;
  /**
   * Longest time in ms a tick's handler waits for the scheduler's pass to end. Deno Deploy
   * keeps the isolate for a running handler, so the pass is not cut short.
   * @default 30000
   */
  tickTimeout?: number;
  /** Aborting removes the registration (locally, a registered cron keeps the process alive). */
  signal?: AbortSignal;
  /**
   * The function to register with.
   * @default globalThis.Deno.cron
   */
  cron?: DenoCronFunction;
}

/** A {@linkcode WakerFactory} registered with `Deno.cron`. */
export interface DenoCronWaker extends WakerFactory {
  /** The `Deno.cron` name it registered. */
  readonly cronName: string;
  /** The `Deno.cron` schedule it registered: every minute, UTC. */
  readonly schedule: string;
  /** Runs what a tick runs: wakes every scheduler built with it and waits for their passes. */
  tick(): Promise<void>;
}

interface Bound {
  wake(): Promise<void>;
}

/**
 * Registers one `Deno.cron` that ticks every minute (UTC) and returns a waker factory for
 * `new Scheduler({ waker })`. Call it at the top level of your main module: Deno Deploy only
 * runs crons registered while the module loads.
 *
 * Precision: while the isolate lives, timers wake the scheduler on time (a shared store is
 * also polled every `pollInterval`). When Deploy has stopped the isolate, the next tick starts
 * one: a due fire then runs up to a minute late, plus Deploy's cron dispatch delay.
 *
 * @param options Name, timers, timeouts, and `signal` to unregister.
 * @returns The factory, with `tick()` for running a tick by hand.
 * @throws {TypeError} When `Deno.cron` is missing (run with `--unstable-cron`) or the name is invalid.
 * @example
 * ```ts
 * import { Scheduler } from "@everywhen/everywhen";
 * import { denoCronWaker, openKvStore } from "@everywhen/everywhen/deno";
 *
 * const waker = denoCronWaker(); // top level, before any await
 * const scheduler = new Scheduler({ store: await openKvStore(), waker });
 * scheduler.start();
 * ```
 */
export function denoCronWaker(options: DenoCronWakerOptions = {}): DenoCronWaker {
  checkKeys(
    options,
    ["name", "timers", "maxSleep", "tickTimeout", "signal", "cron"],
    "denoCronWaker options",
  );
  const name = checkCronName(options.name ?? "everywhen wake-up");
  const timers = options.timers ?? true;
  const maxSleep = options.maxSleep ?? 30_000;
  const tickTimeout = options.tickTimeout ?? 30_000;
  for (const [label, value] of [["maxSleep", maxSleep], ["tickTimeout", tickTimeout]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Invalid ${label}: ${value} (expected an integer >= 1)`);
    }
  }
  const register = options.cron ?? denoCronFunction("Cannot register the Deno.cron wake-up");
  const bound = new Set<Bound>();
  const tick = async (): Promise<void> => {
    await Promise.all([...bound].map((b) => b.wake()));
  };
  const schedule = "* * * * *";
  try {
    // Deno.cron's promise is not awaited: locally it may never settle after `signal` aborts.
    void register(name, schedule, options.signal ? { signal: options.signal } : {}, tick);
  } catch (error) {
    throw new TypeError(
      `Cannot register the Deno.cron wake-up ${JSON.stringify(name)}: ${
        (error as Error).message
      } (give each denoCronWaker() a distinct name, and call it once at the top level)`,
      { cause: error },
    );
  }
  const factory = (wake: () => void, clock: Clock, host?: WakerHost): Waker => {
    const timer = timers ? new TimerWaker(clock, wake, { maxSleep }) : null;
    let waiting: (() => void)[] = [];
    const passEnded = (): void => {
      const list = waiting;
      waiting = [];
      for (const done of list) done();
    };
    bound.add({
      wake: () =>
        // With the scheduler's runDue, a tick lasts until the due work, jobs included, is done.
        host ? withTimeout(host.runDue(), clock, tickTimeout) : new Promise<void>((resolve) => {
          let handle: TimerHandle | undefined = undefined;
          const done = (): void => {
            if (handle !== undefined) clock.clearTimer(handle);
            handle = undefined;
            resolve();
          };
          waiting.push(done);
          handle = clock.setTimer(done, tickTimeout);
          wake();
        }),
    });
    // The scheduler arms (or disarms) its waker at the end of every pass: that ends a tick.
    return {
      arm(at: number, options?: ArmOptions): void {
        timer?.arm(at, options);
        passEnded();
      },
      disarm(): void {
        timer?.disarm();
        passEnded();
      },
    };
  };
  return Object.assign(factory, { cronName: name, schedule, tick });
}

/**
 * @param name A `Deno.cron` name.
 * @returns The name, when Deno.cron accepts it.
 * @throws {TypeError} Otherwise.
 */
export function checkCronName(name: string): string {
  if (typeof name !== "string" || !/^[A-Za-z0-9_\- \t\n\r]{1,64}$/.test(name)) {
    throw new TypeError(
      `Invalid Deno.cron name: ${
        JSON.stringify(name)
      } (use 1 to 64 letters, digits, spaces, "-" and "_")`,
    );
  }
  return name;
}

/**
 * @param context What is being attempted, for the error message.
 * @returns `Deno.cron`.
 * @throws {TypeError} When it is missing, naming the flag that enables it.
 */
export function denoCronFunction(context: string): DenoCronFunction {
  const deno = denoNamespace();
  if (!deno) throw new TypeError(`${context}: Deno is undefined (run on Deno)`);
  if (typeof deno.cron !== "function") {
    throw new TypeError(
      `${context}: Deno.cron is undefined (run with --unstable-cron, or add "cron" to "unstable" in deno.json)`,
    );
  }
  return deno.cron.bind(deno);
}

/** Resolves when `work` settles or after `ms`, whichever comes first; never rejects. */
function withTimeout(work: Promise<unknown>, clock: Clock, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const handle = clock.setTimer(resolve, ms);
    const done = (): void => {
      clock.clearTimer(handle);
      resolve();
    };
    work.then(done, done);
  });
}
