/**
 * The Waker port and the portable timer waker. The scheduler owns its loop and asks a Waker to
 * call it back at one instant; a Durable Object alarm or a `Deno.cron` tick can stand in for
 * the timer.
 * @module
 */

import { type Clock, MAX_TIMER_DELAY, type TimerHandle } from "./clock.ts";

/** Options for `Waker.arm`. */
export interface ArmOptions {
  /**
   * Whether the pending wake-up keeps the process alive: `true` when work waits for it (a
   * schedule, a job, a result someone awaits), `false` when it only maintains (clean-up, idle
   * polling), so an idle scheduler lets the process exit. Wakers without a process to hold
   * (alarms, platform crons) ignore it.
   * @default true
   */
  keepAlive?: boolean;
}

/** Calls the scheduler back at (never before) an armed instant. */
export interface Waker {
  /** Arms for `at` (epoch ms), replacing any earlier arming. */
  arm(at: number, options?: ArmOptions): void;
  /** Cancels the pending wake-up. */
  disarm(): void;
}

/** What a waker may ask of the scheduler it serves. */
export interface WakerHost {
  /**
   * Runs everything due and resolves once that work, jobs included, is done: for a platform tick
   * (a `Deno.cron` handler) that must keep the isolate alive exactly that long.
   */
  runDue(): Promise<unknown>;
}

/** Builds a Waker that calls `wake` through `clock`. */
export type WakerFactory = (wake: () => void, clock: Clock, host: WakerHost) => Waker;

/** Options for `TimerWaker`. */
export interface TimerWakerOptions {
  /**
   * Longest single sleep in ms before the waker reads the clock again. `systemClock` already
   * re-checks its timers against the wall clock; the cap protects clocks built on a bare
   * `setTimeout`, which would fire a longer delay at once.
   * @default 2147483647 (2^31 - 1)
   */
  maxSleep?: number;
}

/**
 * A Waker on one `Clock` timer. The clock's timer handles any delay (chaining platform timers
 * where needed); the waker re-arms if the clock reads earlier than the armed instant when its
 * timer fires (a clock stepped back), so `wake` never runs before the armed instant; a late
 * timer (suspend) simply wakes late.
 *
 * @example
 * ```ts
 * import { systemClock, TimerWaker } from "@everywhen/everywhen";
 * const waker = new TimerWaker(systemClock(), () => console.log("due"));
 * waker.arm(Date.now() + 1000);
 * ```
 */
export class TimerWaker implements Waker {
  #clock: Clock;
  #wake: () => void;
  #maxSleep: number;
  #handle: TimerHandle | undefined;
  #at: number | null = null;
  #keepAlive = true;

  /**
   * Creates a disarmed waker.
   * @param clock Time source and timers.
   * @param wake Called once the armed instant has been reached.
   * @param options Sleep cap.
   */
  constructor(clock: Clock, wake: () => void, options: TimerWakerOptions = {}) {
    this.#clock = clock;
    this.#wake = wake;
    const maxSleep = options.maxSleep ?? MAX_TIMER_DELAY;
    if (!(maxSleep >= 1 && maxSleep <= MAX_TIMER_DELAY)) {
      throw new RangeError(
        `Invalid maxSleep: expected 1 to ${MAX_TIMER_DELAY} ms, got ${String(maxSleep)}`,
      );
    }
    this.#maxSleep = maxSleep;
  }

  /** The armed instant, or `null`. */
  get armedAt(): number | null {
    return this.#at;
  }

  arm(at: number, options: ArmOptions = {}): void {
    const keepAlive = options.keepAlive ?? true;
    if (this.#at === at && this.#keepAlive === keepAlive && this.#handle !== undefined) return;
    this.disarm();
    this.#at = at;
    this.#keepAlive = keepAlive;
    this.#schedule();
  }

  disarm(): void {
    if (this.#handle !== undefined) this.#clock.clearTimer(this.#handle);
    this.#handle = undefined;
    this.#at = null;
  }

  #schedule(): void {
    const at = this.#at;
    if (at === null) return;
    const delay = Math.min(at - this.#clock.now(), this.#maxSleep);
    this.#handle = this.#clock.setTimer(
      () => {
        this.#handle = undefined;
        if (this.#at !== at) return;
        if (this.#clock.now() < at) {
          this.#schedule();
          return;
        }
        this.#at = null;
        this.#wake();
      },
      delay,
      { keepAlive: this.#keepAlive },
    );
  }
}
