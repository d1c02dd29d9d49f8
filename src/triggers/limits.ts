/**
 * The bounds on the work one trigger call may do. Trigger JSON reaches the scheduler through
 * admin routes, so a hostile or mistaken value must fail fast with a `RangeError` instead of
 * blocking the event loop or overflowing the stack.
 * @module
 */

/** Deepest nesting of `anyOf`/`allOf` (a combinator of plain triggers has depth 1). */
export const MAX_TRIGGER_DEPTH = 16;
/** Most triggers in one tree, combinators included. */
export const MAX_TRIGGER_NODES = 256;
/** Largest `maxIterations` an `allOf` accepts. */
export const MAX_ALL_OF_ITERATIONS = 100_000;
/** Largest `count` that `nextRuns` accepts. */
export const MAX_NEXT_RUNS = 10_000;
