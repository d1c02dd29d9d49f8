/**
 * The next turn of the event loop, the one way everywhen gets a macrotask: `setImmediate`
 * where the runtime has it (Node, Bun, Deno), else a zero-delay `setTimeout` (Workers,
 * browsers). Both let due timers, I/O and signals run first; `setImmediate` does so without a
 * zero-delay timeout's floor (1 ms on Node and Bun, 2 ms or more on Deno), which a loop that
 * yields often would otherwise spend idle.
 * @module
 */

type Immediates = {
  setImmediate?: (fn: () => void) => unknown;
  clearImmediate?: (handle: unknown) => void;
};

const { setImmediate: immediate, clearImmediate: clearImmediateOf } = globalThis as Immediates;

/** Lets a platform timer not hold the process: `unref()` on Node and Bun, `Deno.unrefTimer`. */
export function unrefTimer(timer: unknown): void {
  const t = timer as { unref?: () => void } | null;
  if (typeof t?.unref === "function") t.unref();
  else if (typeof timer === "number") {
    (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno?.unrefTimer?.(timer);
  }
}

/** A callback queued for the next turn: its platform handle and how to cancel it. */
export interface QueuedTurn {
  /** The platform's handle (an `Immediate`, a timeout). */
  readonly handle: unknown;
  /** Cancels the callback if it has not run. */
  cancel(): void;
}

/**
 * Runs `fn` on a later turn of the event loop.
 * @param fn The callback.
 * @param hold Whether the pending callback keeps the process alive.
 * @returns The queued turn, to cancel it.
 */
export function onNextTurn(fn: () => void, hold = true): QueuedTurn {
  if (immediate !== undefined && clearImmediateOf !== undefined) {
    const handle = immediate(fn);
    if (!hold) unrefTimer(handle);
    return { handle, cancel: () => clearImmediateOf(handle) };
  }
  const handle = setTimeout(fn, 0);
  if (!hold) unrefTimer(handle);
  return { handle, cancel: () => clearTimeout(handle) };
}

/** @returns A promise that resolves on a later turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => onNextTurn(resolve));
}
