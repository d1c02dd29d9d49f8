/**
 * Bounded turns: the engine's loop yields to the event loop once it has done a turn's worth of
 * work without one. Store calls that resolve as microtasks (MemoryStore, SQLite through
 * `node:sqlite`) would otherwise let an overrunning loop (a large backlog, more schedules due
 * than it can fire) hold the thread for good: no timer, request or signal would run.
 *
 * A turn ends at whichever bound comes first: {@linkcode TURN_WORK} units of work (a pass, a
 * fired schedule, a started job), the bound that holds where the clock stands still while code
 * runs (a virtual clock, Workers), or {@linkcode TURN_MS} on the clock, the bound for slow steps.
 * The yield ends a turn of the event loop after a zero-delay timer on the scheduler's clock or
 * after the next turn, whichever comes first: on a virtual clock `advance()` runs it like any
 * other timer (so one `advance` drains a whole backlog), nothing waits for a clock that no one
 * advances (`runDue()`, `job.result()`, `stop()` on a virtual clock), and on Node and Bun the
 * platform timers that fell due during the turn run before the loop goes on.
 * @module
 */

import type { Clock } from "../clock.ts";
import { onNextTurn } from "../_turns.ts";

/** Most units of work (a pass, a fired schedule, a started job) in one turn. */
export const TURN_WORK = 1000;
/** Most milliseconds, on the scheduler's clock, of work in one turn. */
export const TURN_MS = 10;

/** Counts the engine's work in the current turn of the event loop and yields when it is spent. */
export class Pacer {
  #clock: Clock;
  #work = 0;
  #from = 0;
  /** Whether a turn is open: set with a marker that the next turn of the event loop clears. */
  #open = false;
  /** Ends the pending yield, if any. */
  #resume: (() => void) | null = null;

  /** @param clock The scheduler's clock: turns are timed, and yields wait, on it. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Counts `units` of work in the current turn. */
  spend(units: number): void {
    this.#begin();
    this.#work += units;
  }

  /** Whether the current turn's work or time is spent: the next {@linkcode pace} yields. */
  get spent(): boolean {
    this.#begin();
    return this.#work >= TURN_WORK || this.#clock.now() - this.#from >= TURN_MS;
  }

  /**
   * Yields to the event loop if the current turn's work or time is spent; resolves at once
   * otherwise.
   */
  async pace(): Promise<void> {
    if (!this.spent) return;
    await new Promise<void>((resolve) => {
      const resume = (): void => {
        if (this.#resume !== resume) return;
        this.#resume = null;
        this.#clock.clearTimer(timer);
        turn.cancel();
        resolve();
      };
      this.#resume = resume;
      // Two turns: a turn begun in a timer callback that yields once resumes in the same
      // iteration of the event loop on Node and Bun (immediates run after timers), before the
      // timers that fell due while it worked; they run before the second.
      let turn = onNextTurn(() => (turn = onNextTurn(resume)));
      const timer = this.#clock.setTimer(() => (turn = onNextTurn(resume)), 0);
    });
    this.#work = 0;
    this.#from = this.#clock.now();
  }

  /** Ends a pending yield at once: the loop is stopping. */
  release(): void {
    this.#resume?.();
  }

  /**
   * Opens a turn unless one is open. Work done on microtasks after the loop ended and was
   * kicked again (by finished jobs) is the same turn of the event loop, so only a marker that a
   * real turn has passed closes it; the marker does not hold the process.
   */
  #begin(): void {
    if (this.#open) return;
    this.#open = true;
    this.#work = 0;
    this.#from = this.#clock.now();
    onNextTurn(() => (this.#open = false), false);
  }
}
