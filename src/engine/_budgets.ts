/**
 * Manual-mode budgets: in `runMode: "manual"` work starts only inside `runDue()` calls, each
 * with an optional cap on the jobs it starts and a signal that stops it. Pure bookkeeping.
 * @module
 */

/** One `runDue()` call's allowance. */
export interface Budget {
  /** Jobs it may still start. */
  left: number;
  /** Once aborted, it starts nothing new. */
  signal: AbortSignal | undefined;
}

/** The `runDue()` calls in progress. */
export class Budgets {
  #open = new Set<Budget>();

  /** Number of `runDue()` calls in progress. */
  get runs(): number {
    return this.#open.size;
  }

  /**
   * Opens a budget for one `runDue()` call.
   * @returns A function that closes it.
   */
  open(maxJobs: number, signal: AbortSignal | undefined): () => void {
    const budget = { left: maxJobs, signal };
    this.#open.add(budget);
    return () => this.#open.delete(budget);
  }

  /**
   * Whether work may not start now: always in manual mode outside `runDue()`, and while any
   * open budget is spent or aborted.
   */
  halted(manual: boolean): boolean {
    if (!manual) return false;
    if (this.#open.size === 0) return true;
    for (const b of this.#open) if (b.left <= 0 || b.signal?.aborted) return true;
    return false;
  }

  /** @returns How many jobs may start before some open budget is spent (Infinity if none). */
  left(): number {
    let left = Infinity;
    for (const b of this.#open) left = Math.min(left, b.left);
    return left;
  }

  /** Counts `n` started jobs against every open budget. */
  spend(n: number): void {
    for (const b of this.#open) b.left -= n;
  }
}
