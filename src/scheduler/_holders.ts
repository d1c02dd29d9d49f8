/**
 * Nested lifetimes (`scheduler.use()`): holders are counted; the first one starts the scheduler
 * and disposing the last one stops it, but only if a holder started it, so a library's
 * `await using` inside an app's never stops the app's scheduler.
 * @module
 */

/** What the holders drive. */
export interface Holdable<O> {
  readonly state: "idle" | "started" | "stopping" | "stopped";
  start(options?: O): unknown;
  stop(): Promise<void>;
}

/** Counts the holders of one scheduler. */
export class Holders<O> {
  #target: Holdable<O>;
  #count = 0;
  #started = false;

  /** @param target The scheduler. */
  constructor(target: Holdable<O>) {
    this.#target = target;
  }

  /**
   * Takes a holder, starting the scheduler if it is idle (a stopped one throws, as `start()`).
   * @returns The holder; disposing it more than once releases it once.
   */
  take(options?: O): AsyncDisposable {
    const idle = this.#target.state === "idle";
    this.#target.start(options);
    if (idle) this.#started = true;
    this.#count++;
    let held = true;
    return {
      [Symbol.asyncDispose]: async () => {
        if (!held) return;
        held = false;
        this.#count--;
        if (this.#count > 0 || !this.#started) return;
        this.#started = false;
        await this.#target.stop();
      },
    };
  }
}
