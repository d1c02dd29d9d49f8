/**
 * The Clock port: where "now" and timers come from. The scheduler reads time and sets its one
 * timer only through a Clock, so tests drive it on virtual time and adapters can supply
 * platform timers.
 * @module
 */

/** Opaque timer handle returned by `Clock.setTimer`. */
export type TimerHandle = unknown;

/** Time source and timers. */
export interface Clock {
  /**
   * Reads the current time.
   * @returns Current time in epoch milliseconds.
   */
  now(): number;
  /**
   * Calls `fn` once after about `ms` milliseconds (callers cap `ms` well below 2^31 - 1).
   * @returns A handle for `clearTimer`.
   */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimer(handle: TimerHandle): void;
}

/** Options for `systemClock`. */
export interface SystemClockOptions {
  /**
   * Keep the process alive while a timer is pending. When false, timers are `unref`ed where
   * the runtime supports it (Node, Bun), so an idle scheduler lets the process exit.
   * @default false
   */
  keepAlive?: boolean;
}

/**
 * The real clock: `Date.now()` and `setTimeout`.
 *
 * @param options Whether timers keep the process alive.
 * @returns A Clock.
 * @example
 * ```ts
 * import { systemClock } from "@everywhen/everywhen";
 * const clock = systemClock({ keepAlive: true });
 * ```
 */
export function systemClock(options: SystemClockOptions = {}): Clock {
  const keepAlive = options.keepAlive ?? false;
  return {
    now: () => Date.now(),
    setTimer(fn, ms) {
      const handle = setTimeout(fn, ms) as unknown;
      if (!keepAlive) (handle as { unref?: () => void } | null)?.unref?.();
      return handle;
    },
    clearTimer: (handle) => clearTimeout(handle as number),
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

  /** Registers a virtual timer. */
  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
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

const yieldTurn: () => Promise<void> =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? () =>
      new Promise((r) =>
        (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(r)
      )
    : () => new Promise((r) => setTimeout(r, 0));

/**
 * Lets pending promise chains settle: a few turns of the event loop (`setImmediate` where the
 * runtime has it, which is much faster than a zero-delay timeout).
 * @param turns How many turns.
 */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await yieldTurn();
}
