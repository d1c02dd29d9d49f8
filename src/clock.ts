/**
 * The Clock port: where "now" and timers come from. The scheduler reads time and sets its one
 * timer only through a Clock, so tests drive it on virtual time and adapters can supply
 * platform timers.
 * @module
 */

import { checkKeys } from "./_keys.ts";
import { checkBoolean, checkInt } from "./_options.ts";
import { nextTurn, onNextTurn, unrefTimer } from "./_turns.ts";

/** Opaque timer handle returned by `Clock.setTimer`. */
export type TimerHandle = unknown;

/** Options for one timer. */
export interface TimerOptions {
  /**
   * Whether this timer keeps the process alive while it is pending. `false` is for timers that
   * only maintain (clean-up, idle polling): they must not hold a process that has nothing to do.
   * A clock made with `keepAlive: false` never holds the process, whatever this says.
   * @default true
   */
  keepAlive?: boolean;
}

/** Time source and timers. */
export interface Clock {
  /**
   * Reads the current time.
   * @returns Current time in epoch milliseconds.
   */
  now(): number;
  /**
   * Calls `fn` once when `ms` milliseconds have passed on this clock: never before, whatever
   * the delay (implementations chain platform timers past their limits).
   * @returns A handle for `clearTimer`.
   */
  setTimer(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimer(handle: TimerHandle): void;
}

/** Options for `systemClock`. */
export interface SystemClockOptions {
  /**
   * Whether pending timers keep the process alive. With `false` every timer is unref'd where
   * the runtime supports it (Node, Bun, Deno), so the process exits when nothing else holds it.
   * @default true
   */
  keepAlive?: boolean;
  /**
   * Longest single platform timer in ms before the clock is read again. Platform timers follow
   * a monotonic clock that can drift from `Date.now()` (suspend, clock steps), so a long timer
   * is a chain of shorter ones, each re-checking the wall clock.
   * @default 30000
   */
  maxSleep?: number;
}

/** The longest delay `setTimeout` accepts before it fires at once (2^31 - 1 ms). */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** A pending chained timer: the platform handle of its current leg, and how to cancel it. */
interface Chain {
  leg: unknown;
  cancel: (() => void) | undefined;
}

/**
 * The real clock: `Date.now()` and `setTimeout`, chained so that any delay works (a single
 * `setTimeout` past 2^31 - 1 ms fires at once) and a timer never fires before its instant
 * (platform timers may fire a little early, or late after a suspend; each leg re-reads the
 * clock). A timer of no delay runs on the next turn of the event loop (`setImmediate` where the
 * runtime has it), after due timers and I/O but without a zero-delay timeout's 1 ms floor: the
 * scheduler yields that way between bounded turns of work.
 *
 * @param options Whether timers keep the process alive, and the longest single leg.
 * @returns A Clock.
 * @example
 * ```ts
 * import { systemClock } from "@everywhen/everywhen";
 * const clock = systemClock({ keepAlive: false });
 * const timer = clock.setTimer(() => console.log("a month later"), 30 * 86_400_000);
 * clock.clearTimer(timer);
 * ```
 */
export function systemClock(options?: SystemClockOptions): Clock {
  const o = checkKeys(options, ["keepAlive", "maxSleep"], "systemClock options");
  const keepAlive = checkBoolean(o.keepAlive ?? true, "keepAlive");
  const maxSleep = checkInt(o.maxSleep ?? 30_000, "maxSleep", 1);
  if (maxSleep > MAX_TIMER_DELAY) {
    throw new RangeError(`Invalid maxSleep: ${maxSleep} ms is above ${MAX_TIMER_DELAY} ms`);
  }
  return {
    now: () => Date.now(),
    setTimer(fn, ms, timerOptions) {
      const hold = keepAlive && timerOptions?.keepAlive !== false;
      // NaN and negative delays mean "at once"; Infinity never fires but stays cancellable.
      const chain: Chain = { leg: undefined, cancel: undefined };
      const run = (): void => {
        chain.leg = chain.cancel = undefined;
        fn();
      };
      if (!(ms > 0)) {
        const turn = onNextTurn(run, hold);
        chain.leg = turn.handle;
        chain.cancel = turn.cancel;
        return chain;
      }
      const due = Date.now() + ms;
      const next = (): void => {
        const timer = setTimeout(leg, Math.min(Math.max(0, due - Date.now()), maxSleep));
        if (!hold) unrefTimer(timer);
        chain.leg = timer;
        chain.cancel = () => clearTimeout(timer);
      };
      const leg = (): void => {
        if (Date.now() < due) return next();
        run();
      };
      next();
      return chain;
    },
    clearTimer(handle) {
      const chain = handle as Chain | null | undefined;
      if (chain?.cancel === undefined) return;
      chain.cancel();
      chain.leg = chain.cancel = undefined;
    },
  };
}

/**
 * A clock that only moves when told to. Timers run in due order as `advance` passes them, and
 * after each one the real event loop is given a turn so promise chains can settle.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "@everywhen/everywhen";
 * const clock = new VirtualClock("2030-01-01T00:00:00Z");
 * await clock.advance(60_000);
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();

  /**
   * Creates a clock standing at `start` with no timers.
   * @param start Start time as epoch ms or an ISO 8601 string; `0` (the Unix epoch) if omitted.
   */
  constructor(start: number | string = 0) {
    this.#now = typeof start === "string" ? Date.parse(start) : start;
    if (!Number.isFinite(this.#now)) {
      throw new RangeError(`Invalid start time for VirtualClock: ${String(start)}`);
    }
  }

  /**
   * Reads the virtual time; only `advance`, `advanceTo` and `jump` move it.
   * @returns The virtual time in epoch ms.
   */
  now(): number {
    return this.#now;
  }

  /** Registers a virtual timer (virtual time has no delay limit and no process to hold). */
  setTimer(fn: () => void, ms: number, _options?: TimerOptions): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + (ms > 0 ? ms : 0), fn });
    return id;
  }

  /** Cancels a virtual timer. */
  clearTimer(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Number of pending virtual timers. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way.
   * @param ms Milliseconds to advance (0 just runs due timers and settles).
   */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  /**
   * Moves time forward to `target` (epoch ms), running due timers in order.
   * @param target The time to reach; earlier values only settle.
   */
  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      let nextAt = Infinity;
      for (const t of this.#timers.values()) if (t.at < nextAt) nextAt = t.at;
      if (nextAt > target) break;
      // Every timer due at this instant runs before anything settles, as concurrent processes
      // sharing a store would race.
      const due = [...this.#timers].filter(([, t]) => t.at === nextAt);
      for (const [id] of due) this.#timers.delete(id);
      this.#now = Math.max(this.#now, nextAt);
      for (const [, t] of due) t.fn();
      await settle();
    }
    this.#now = Math.max(this.#now, target);
    await settle();
  }

  /**
   * Jumps the clock without running timers, as a suspended laptop or an NTP step would.
   * @param ms Milliseconds to jump (may be negative).
   */
  jump(ms: number): void {
    this.#now += ms;
  }
}

/**
 * Lets pending promise chains settle: a few turns of the event loop (`setImmediate` where the
 * runtime has it, which is much faster than a zero-delay timeout).
 * @param turns How many turns.
 */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}
