/**
 * How much of a fire's work the firing process keeps for itself on a shared store. Starting a
 * fired job at once saves its claim, but every process sharing a store wakes at the same due
 * instant and the first to take the write lock fires everything: kept whole, every fired job
 * would run in that one process while the others stay idle. So on a shared store the firing
 * process starts only a share of the eligible jobs and leaves the rest to claims, and it learns
 * the share from those claims: when its own claim right after the fire took every job it left,
 * nobody else was there to take one, and the share grows; when others took some, it shrinks.
 * A process alone on its store soon starts nearly every fired job at once; processes that share
 * one soon split the fires between them. Deterministic (no randomness): a running credit picks
 * which jobs to keep. Pure apart from its own state, so the rule is tested alone
 * (tests/engine_rules.test.ts).
 * @module
 */

/** The smallest share a shared store's firing process keeps. */
export const SHARE_MIN: number = 1 / 16;
/**
 * The largest share: below 1, so a few jobs of every batch are left to claims, which is how a
 * process learns whether others are there.
 */
export const SHARE_MAX: number = 15 / 16;

/** The share of eligible fired jobs this process starts at once. */
export class StartShare {
  readonly #shared: boolean;
  #share: number;
  /** Kept jobs owed: starts full, so the first eligible job of all is kept. */
  #credit = 1;

  /** @param shared Whether other processes may use the store (`Store.shared`). */
  constructor(shared: boolean) {
    this.#shared = shared;
    this.#share = shared ? SHARE_MAX : 1;
  }

  /** The current share, 0..1. */
  get share(): number {
    return this.#share;
  }

  /** @returns Whether to start the next eligible fired job at once (else it is left to claims). */
  take(): boolean {
    if (!this.#shared) return true;
    this.#credit += this.#share;
    if (this.#credit < 1) return false;
    this.#credit -= 1;
    return true;
  }

  /**
   * Learns from the claim that followed a fire.
   * @param left Eligible jobs the fire left to claims.
   * @param got Jobs this process's claim then took.
   */
  learn(left: number, got: number): void {
    if (!this.#shared || left === 0) return;
    this.#share = got >= left
      ? Math.min(SHARE_MAX, this.#share * 2)
      : Math.max(SHARE_MIN, this.#share / 2);
  }
}
