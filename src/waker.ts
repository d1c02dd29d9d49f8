/**
 * The Waker port and the portable timer waker. The scheduler owns its loop and asks a Waker to
 * call it back at one instant; a Durable Object alarm or a `Deno.cron` tick can stand in for
 * the timer.
 * @module
 */

import type { Clock, TimerHandle } from "./clock.ts";

/** Calls the scheduler back at (never before) an armed instant. */
export interface Waker {
  /** Arms for `at` (epoch ms), replacing any earlier arming. */
  arm(at: number): void;
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
   * Longest single sleep in ms. Timers can drift or be frozen (suspend, clock steps), so the
   * waker never trusts one long timer: it wakes at least this often and re-checks the clock.
   * @default 30000
   */
  maxSleep?: number;
}

/** The longest delay `setTimeout` accepts before it fires at once (2^31 - 1 ms). */
const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * A Waker built on a chain of capped timers. It re-arms when a timer fires early (timers may
 * fire before the requested delay, and a clock step can make "now" go back), so `wake` never
 * runs before the armed instant; a late timer (suspend) simply wakes late.
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

  /**
   * Creates a disarmed waker.
   * @param clock Time source and timers.
   * @param wake Called once the armed instant has been reached.
   * @param options Sleep cap.
   */
  constructor(clock: Clock, wake: () => void, options: TimerWakerOptions = {}) {
    this.#clock = clock;
    this.#wake = wake;
    this.#maxSleep = Math.min(options.maxSleep ?? 30_000, MAX_TIMER_DELAY);
  }

  /** The armed instant, or `null`. */
  get armedAt(): number | null {
    return this.#at;
  }

  arm(at: number): void {
    if (this.#at === at && this.#handle !== undefined) return;
    this.disarm();
    this.#at = at;
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
    const delay = Math.max(0, Math.min(at - this.#clock.now(), this.#maxSleep));
    this.#handle = this.#clock.setTimer(() => {
      this.#handle = undefined;
      if (this.#at !== at) return;
      if (this.#clock.now() < at) {
        this.#schedule();
        return;
      }
      this.#at = null;
      this.#wake();
    }, delay);
  }
}
